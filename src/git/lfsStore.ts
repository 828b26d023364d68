import { createHash } from 'node:crypto'
import { sleep } from '../domain/async.js'
import { CorruptObjectError, GmrError, InvalidInputError, MissingLfsObjectError, StorageError } from '../domain/errors.js'
import { lfsObjectRelativePath, type LfsPointer } from '../domain/lfsPointer.js'
import { changedWhileLogging, guard } from './collectFiles.js'
import { dirname, isErrno, tempPathFor, writeAll, type FsStat, type FsStreamHandle } from './fs.js'
import type { GitDir } from './repo.js'
import { streamCopy, type StreamCopyOptions } from './streamCopy.js'
import { crashPoint } from './crashPoint.js'
import { sweepTempFiles } from './tempFiles.js'
import { changedBefore, COARSE_TICK_MS, timestampTick } from './timestampTick.js'
import { VerifiedLfsRecord } from './verifiedLfs.js'

/** How far a large file has got: `hash` while logging, `write` while downloading, `verify` while comparing. */
export interface LfsProgress {
  phase: 'hash' | 'write' | 'verify'
  /** The file, as the user named it (the version path or the file on disk). */
  path: string
  done: number
  total: number
}

export type LfsProgressCallback = (progress: LfsProgress) => void

/**
 * An object hashed into `.git/lfs/tmp` but not yet in the store: it becomes visible only
 * when `commit` renames it into place, so a log that fails leaves the store as it was.
 */
export interface StagedLfsObject extends LfsPointer {
  /** The temporary file, or null when the store already had the object (or it was committed). */
  temp: string | null
  /** For a temporary file gmr filled with bytes it hashed: what it was after the last write (see `commit`). */
  written?: WrittenTemp
}

/** A temporary file as gmr left it: its stat after the last write, and when that write was seen done (`performance.now()`). */
interface WrittenTemp {
  stat: FsStat
  at: number
}

export interface StagedFile extends StagedLfsObject {
  /** The source file as it was when its hash was taken, for the stat cache. */
  stat: FsStat
  /** When the read began (ms since the epoch). */
  verifiedAt: number
}

export interface StageFileOptions {
  /** What the file was when it was listed: a different size or mtime at read time is a change. */
  expected: { size: number; mtimeMs: number }
  /** The name progress reports use (default: the source path). */
  label?: string
  onProgress?: LfsProgressCallback
}

export interface CopyOutOptions {
  /** The name errors and progress use (the file's path in the version). */
  label: string
  mode?: number
  onProgress?: LfsProgressCallback
  /**
   * Objects known good: one whose file is exactly as recorded is copied without hashing
   * (and copied again, hashed, if it moves while copied); one hashed here is recorded.
   */
  verified?: VerifiedLfsRecord
}

/** One file of copyOutEach: the object of `pointer` copied to the new file `dest`, given exactly `mode`. */
export interface CopyOutRequest {
  pointer: LfsPointer
  dest: string
  /** The name errors and progress use (the file's path in the version). */
  label: string
  mode: number
}

/** Files copyOutEach writes at once, as many as a transfer moves (git-lfs's `lfs.concurrenttransfers`). */
const COPY_OUT_CONCURRENCY = 8

/** What stageFile's two ways of copying a file into the store are given. */
interface StageCopy {
  source: string
  input: FsStreamHandle
  temp: string
  label: string
  total: number
  onProgress: LfsProgressCallback | undefined
}

/** Whether two stats show the same file unchanged: a write moves the ctime even when the mtime is put back. */
function sameFile(a: FsStat, b: FsStat): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && String(a.ino) === String(b.ino)
}

// As git-lfs makes them. They are never written in place all the same: other clones may hard-link them.
const OBJECT_MODE = 0o644

/**
 * The local Git LFS object store, `.git/lfs/objects/aa/bb/<oid>`, laid out as git-lfs lays
 * it out so the two share it. New objects are hashed into a temporary file under
 * `.git/lfs/tmp` in the same pass that reads them and renamed into place; an object
 * already present is never written again, and reading one back checks its SHA-256 and size.
 */
export class LfsStore {
  readonly repo: GitDir
  /** `tmp/`, once made and cleared of killed runs' leftovers (once per store). */
  private tempReady: Promise<string> | null = null
  /** Object folders (`objects/aa/bb`) made or being made by this store: each is made once. */
  private readonly folders = new Map<string, Promise<void>>()

  constructor(repo: GitDir) {
    this.repo = repo
  }

  get root(): string {
    return `${this.repo.gitdir}/lfs`
  }

  objectPath(oid: string): string {
    return `${this.root}/objects/${lfsObjectRelativePath(oid)}`
  }

  /** Whether the store holds the object, with the size the pointer names. */
  async has(pointer: LfsPointer): Promise<boolean> {
    const st = await this.repo.fs.stat(this.objectPath(pointer.oid))
    return st !== null && st.isFile() && st.size === pointer.size
  }

  /** The size of the stored object of `oid`, whatever a pointer declares; null when there is none. */
  async storedSize(oid: string): Promise<number | null> {
    const st = await this.repo.fs.stat(this.objectPath(oid))
    return st !== null && st.isFile() ? st.size : null
  }

  /**
   * Hash `source` and copy it into a temporary file of the store. A file whose last change
   * is more than a timestamp tick old is copied by the kernel (a reflink or copy_file_range)
   * while this process hashes it from the page cache, the two side by side; a file changed
   * just now is read once through this process, each chunk hashed and written, so that the
   * copy is the bytes hashed even if it is still being written. Either way it fails (leaving
   * nothing behind) when the file's size, mtime, ctime or inode moves while it is read.
   */
  async stageFile(source: string, options: StageFileOptions): Promise<StagedFile> {
    const { fs } = this.repo
    const verifiedAt = Date.now()
    const input = await guard(source, () => fs.open(source, 'r'))
    let temp: string | null = null
    try {
      const before = await input.stat()
      if (before.size !== options.expected.size || before.mtimeMs !== options.expected.mtimeMs) {
        throw changedWhileLogging(source)
      }
      temp = await this.tempPath()
      const copy = { source, input, temp, label: options.label ?? source, total: before.size, onProgress: options.onProgress }
      // Only a file that cannot change unseen may be read twice, once by the kernel copy and once by the hash.
      const kernel = fs.copiesInKernel && changedBefore(before, verifiedAt)
      const { oid, size, written } = kernel ? await this.copyBesideHashIn(copy) : await this.streamIn(copy)
      crashPoint('lfs-temp-written')
      const after = await input.stat()
      const named = kernel ? await guard(source, () => fs.stat(source)) : after
      if (size !== before.size || written.stat.size !== size || !sameFile(after, before) || named === null || !sameFile(named, before)) {
        throw changedWhileLogging(source)
      }
      if (await this.has({ oid, size })) {
        await fs.remove(temp)
        temp = null
      }
      return { oid, size, temp, ...(temp !== null && { written }), stat: after, verifiedAt }
    } catch (err) {
      if (temp !== null) await fs.remove(temp)
      throw this.storageFailure(err)
    } finally {
      await input.close()
    }
  }

  /** stageFile's copy through this process: each chunk read once, hashed and written to `temp`. */
  private async streamIn(copy: StageCopy): Promise<LfsPointer & { written: WrittenTemp }> {
    const { fs } = this.repo
    const pointer = await hashedCopy({
      source: copy.input,
      target: await fs.open(copy.temp, 'wx', OBJECT_MODE),
      progress: { callback: copy.onProgress, phase: 'hash', path: copy.label, total: copy.total },
      readError: (err) => readFailure(copy.source, err),
      writeError: (err) => this.storageFailure(err),
    })
    const at = performance.now()
    const stat = await fs.stat(copy.temp)
    if (stat === null) throw changedWhileLogging(copy.source)
    return { ...pointer, written: { stat, at } }
  }

  /**
   * stageFile's copy by the kernel into `temp`, while this process hashes the source: the
   * copy runs on another core (libuv's thread pool) and both read the same page cache.
   */
  private async copyBesideHashIn(copy: StageCopy): Promise<LfsPointer & { written: WrittenTemp }> {
    const { fs } = this.repo
    const { copiedAt, ...pointer } = await kernelCopyBesideHash(this.repo, copy.source, copy.temp, {
      source: copy.input,
      progress: { callback: copy.onProgress, phase: 'hash', path: copy.label, total: copy.total },
      readError: (err) => readFailure(copy.source, err),
      copyError: (err) => err,
    })
    // The kernel copy gives the new file the source's mode.
    await fs.chmod(copy.temp, OBJECT_MODE)
    const stat = await fs.stat(copy.temp)
    if (stat === null) throw changedWhileLogging(copy.source)
    return { ...pointer, written: { stat, at: copiedAt } }
  }

  /** Stage bytes already in memory (a small file a user's `.gitattributes` puts in LFS). */
  async stageBytes(content: Uint8Array, label: string): Promise<StagedLfsObject> {
    const pointer = { oid: createHash('sha256').update(content).digest('hex'), size: content.length }
    if (await this.has(pointer)) return { ...pointer, temp: null }
    return this.stageHeld(content, pointer, label)
  }

  /**
   * Stage bytes received whole into memory (a small LFS download), checked against the
   * pointer they must match before anything is written: a mismatch is an error naming
   * `label`. The temporary file is written in a few calls on this thread
   * (FileSystem.createWith), not the thread-pool trips of a stream; `bytes` may be
   * reused once this returns.
   */
  async stageHeld(bytes: Uint8Array, expected: LfsPointer, label: string): Promise<StagedLfsObject> {
    const oid = createHash('sha256').update(bytes).digest('hex')
    if (oid !== expected.oid || bytes.length !== expected.size) throw notTheObject(label, expected, { oid, size: bytes.length })
    // Its folder is made in the thread pool meanwhile, ready for commit (as stageStream does).
    void this.objectFolder(dirname(this.objectPath(expected.oid)))
    try {
      const temp = await this.tempPath()
      const stat = await this.repo.fs.createWith(temp, bytes, OBJECT_MODE)
      return { ...expected, temp, written: { stat, at: performance.now() } }
    } catch (err) {
      throw this.storageFailure(err, 'try again')
    }
  }

  /**
   * Stage bytes that arrive as a stream (an LFS download), checked against the pointer they
   * must match: a mismatch is an error naming `label`, and nothing reaches the store.
   */
  async stageStream(stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected: LfsPointer, label: string): Promise<StagedLfsObject> {
    const hash = createHash('sha256')
    let size = 0
    let temp: string | null = null
    let writtenTemp: WrittenTemp | undefined
    // Its folder is made in the thread pool while the bytes are written (a new folder can take a millisecond or more), ready for commit.
    void this.objectFolder(dirname(this.objectPath(expected.oid)))
    try {
      const created = await this.createTemp()
      temp = created.temp
      const { output } = created
      try {
        for await (const chunk of stream) {
          hash.update(chunk)
          await writeAll(output, chunk, size)
          size += chunk.length
        }
        const stat = await output.stat()
        writtenTemp = { stat, at: performance.now() }
      } finally {
        await output.close()
      }
      const oid = hash.digest('hex')
      if (oid !== expected.oid || size !== expected.size) throw notTheObject(label, expected, { oid, size })
    } catch (err) {
      if (temp !== null) await this.repo.fs.remove(temp)
      throw this.storageFailure(err, 'try again')
    }
    // The bytes were hashed as they were written and matched the pointer: commit may record them as gmr's own.
    return { ...expected, temp, ...(writtenTemp && { written: writtenTemp }) }
  }

  /**
   * Move staged objects into the store; returns how many were new. An object gmr wrote
   * itself from bytes it hashed (`written`) is recorded as known good as it is renamed into
   * place, so that a download right after `gmr log` copies it without hashing it again.
   *
   * Why that record is safe: the temporary file was created new (O_EXCL, a name of this
   * process) and filled by gmr, so it holds the hashed bytes as long as nobody writes it.
   * Its mtime after gmr's last write is known; before it is renamed (visible under the
   * object's name) gmr waits until more than one timestamp tick has passed since that
   * write was seen done, so any later write to the object stamps a different mtime (and
   * a `touch -d` that puts the mtime back, a different ctime). After the rename the object
   * must still show the temporary file's inode, size and mtime; the record is its stat
   * then (ctime included, which the rename moved). A later stat equal to the record thus
   * means no write since. The tick is known only where the file system keeps sub-second
   * timestamps (see timestampTick); elsewhere no record is made and the first download
   * hashes. Left open: a process that rewrites the object and sets its mtime back in the
   * microseconds between the rename and gmr's stat, deliberately; it could as well edit
   * the record itself. `download --verify` re-hashes whatever the record says.
   *
   * With `record`, the stamps go into it and the caller saves it (LfsCommits, once for a
   * whole transfer); without, the record on disk is updated here.
   */
  async commit(staged: readonly StagedLfsObject[], record?: VerifiedLfsRecord): Promise<number> {
    const { fs } = this.repo
    const recordable = new Set(staged.filter((object) => object.temp !== null && object.written && timestampTick(object.written.stat) < COARSE_TICK_MS))
    const settled = Math.max(0, ...[...recordable].map((object) => object.written!.at + timestampTick(object.written!.stat)))
    if (settled > performance.now()) await sleep(settled - performance.now() + 1)
    const stamps: Array<{ oid: string; stat: FsStat }> = []
    let written = 0
    for (const object of staged) {
      if (object.temp === null) continue
      const path = this.objectPath(object.oid)
      try {
        if (await this.has(object)) await fs.remove(object.temp)
        else {
          // A damaged object of the wrong size is replaced, never rewritten in place.
          await this.objectFolder(dirname(path))
          await fs.rename(object.temp, path)
          written++
          const before = recordable.has(object) ? object.written!.stat : null
          const now = before && (await fs.stat(path))
          if (now && now.ino === before.ino && now.size === before.size && now.mtimeMs === before.mtimeMs) stamps.push({ oid: object.oid, stat: now })
        }
      } catch (err) {
        throw this.storageFailure(err)
      }
      object.temp = null
    }
    if (stamps.length > 0) {
      const into = record ?? (await VerifiedLfsRecord.open(this.repo))
      for (const { oid, stat } of stamps) into.recordWritten(oid, stat)
      if (record === undefined) await into.save()
    }
    return written
  }

  /** A committer for objects that arrive one after another (a fetch): see LfsCommits. */
  commits(): LfsCommits {
    return new LfsCommits(this)
  }

  /** Remove the temporary files of objects that were staged and not committed. */
  async discard(staged: readonly StagedLfsObject[]): Promise<void> {
    for (const object of staged) {
      if (object.temp === null) continue
      await this.repo.fs.remove(object.temp)
      object.temp = null
    }
  }

  /**
   * Copy the object of `pointer` to `dest` (a new file), checking its size and SHA-256 as
   * the bytes go by. A missing or corrupt object is an error naming the file and the oid,
   * and `dest` is removed again.
   */
  async copyOut(pointer: LfsPointer, dest: string, options: CopyOutOptions): Promise<void> {
    const { fs } = this.repo
    const path = this.objectPath(pointer.oid)
    if (fs.copiesInKernel && options.verified && (await this.copyTrustedInKernel(pointer, path, dest, options))) return
    let input: FsStreamHandle
    try {
      input = await fs.open(path, 'r')
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) throw this.missing(options.label, pointer)
      throw err
    }
    let created = false
    try {
      const verifiedAt = Date.now()
      const st = await input.stat()
      if (st.size !== pointer.size) throw this.corrupt(options.label, pointer, `it is ${st.size} bytes, the pointer says ${pointer.size}`)
      const { verified } = options
      if (verified?.trusted(pointer.oid, st)) {
        created = true
        if (await this.copyTrusted(input, path, dest, pointer, options)) return
        await fs.remove(dest)
        created = false
      }
      // Recorded only when the object did not move while it was hashed.
      const record = async () => {
        const after = await input.stat()
        if (after.size === st.size && after.mtimeMs === st.mtimeMs && after.ctimeMs === st.ctimeMs) verified?.record(pointer.oid, after, verifiedAt)
      }
      if (fs.copiesInKernel) {
        created = true
        await this.copyBesideHash(input, path, dest, pointer, options)
        return await record()
      }
      let output: FsStreamHandle
      try {
        output = await fs.open(dest, 'wx', options.mode ?? 0o644)
      } catch (err) {
        throw writeFailure(dest, err)
      }
      created = true
      const { oid, size } = await hashedCopy({
        source: input,
        target: output,
        progress: { callback: options.onProgress, phase: 'write', path: options.label, total: pointer.size },
        readError: (err) => err,
        writeError: (err) => writeFailure(dest, err),
      })
      if (size !== pointer.size || oid !== pointer.oid) {
        throw this.corrupt(options.label, pointer, `its content hashes to ${oid}`)
      }
      // open's mode went through the umask.
      if (options.mode !== undefined) await fs.chmod(dest, options.mode)
      await record()
    } catch (err) {
      if (created) await fs.remove(dest)
      throw err
    } finally {
      await input.close()
    }
  }

  /**
   * copyOut of several files, COPY_OUT_CONCURRENCY at a time, each then given its mode: a
   * thousand small objects no longer wait for each other's thread-pool trips. Files start
   * in order; after a failure no new one starts, every running copy finishes (or fails and
   * removes its file) before this throws, and what it throws is the failure of the first
   * file in order that failed: the error a copy one file at a time would have stopped at.
   */
  async copyOutEach(copies: readonly CopyOutRequest[], options: Omit<CopyOutOptions, 'label' | 'mode'>): Promise<void> {
    const failures: Array<{ index: number; error: unknown }> = []
    let next = 0
    const worker = async (): Promise<void> => {
      while (failures.length === 0 && next < copies.length) {
        const index = next++
        const { pointer, dest, label, mode } = copies[index]!
        try {
          await this.copyOut(pointer, dest, { ...options, label, mode })
        } catch (error) {
          failures.push({ index, error })
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(COPY_OUT_CONCURRENCY, copies.length) }, worker))
    if (failures.length > 0) throw failures.reduce((first, failure) => (failure.index < first.index ? failure : first)).error
  }

  /**
   * copyOut of an object the record vouches for, copied by the kernel and never opened
   * here: its stat before and after (synchronous calls where the file system has them)
   * and the copy, a chmod only when the object's mode is not the file's. A thousand small
   * files went through seven thread-pool trips each (open, fstat, copy, chmod, fstat,
   * close, chmod); now one or two. False, with `dest` absent, when the record does not
   * vouch for the object or it moved while copied: the caller then copies it hashing.
   */
  private async copyTrustedInKernel(pointer: LfsPointer, path: string, dest: string, options: CopyOutOptions): Promise<boolean> {
    const { fs } = this.repo
    const verified = options.verified!
    const before = await fs.stat(path)
    if (before === null || before.size !== pointer.size || !verified.trusted(pointer.oid, before)) return false
    const progress = { phase: 'write' as const, path: options.label, total: pointer.size }
    options.onProgress?.({ ...progress, done: 0 })
    try {
      await fs.copyNew(path, dest)
    } catch (err) {
      // Not made (EEXIST: a file that is not ours), or removed by the copy that failed.
      throw writeFailure(dest, err)
    }
    try {
      // The kernel copy gives the new file the object's mode.
      if (options.mode !== undefined && (before.mode & 0o777) !== options.mode) await fs.chmod(dest, options.mode)
      const written = await fs.stat(dest)
      const after = await fs.stat(path)
      if (written?.size === pointer.size && after !== null && verified.trusted(pointer.oid, after)) {
        options.onProgress?.({ ...progress, done: pointer.size })
        return true
      }
    } catch (err) {
      await fs.remove(dest)
      throw err
    }
    await fs.remove(dest)
    return false
  }

  /**
   * copyOut of an object the record vouches for: the bytes are copied, not hashed. False
   * when the object's file moved while it was copied (the caller then copies it again, hashing).
   */
  private async copyTrusted(input: FsStreamHandle, path: string, dest: string, pointer: LfsPointer, options: CopyOutOptions): Promise<boolean> {
    const { fs } = this.repo
    const progress = { phase: 'write' as const, path: options.label, total: pointer.size }
    options.onProgress?.({ ...progress, done: 0 })
    if (fs.copiesInKernel) {
      await fs.copyNew(path, dest).catch((err: unknown) => Promise.reject(writeFailure(dest, err)))
      if (options.mode !== undefined) await fs.chmod(dest, options.mode)
    } else {
      let output: FsStreamHandle
      try {
        output = await fs.open(dest, 'wx', options.mode ?? 0o644)
      } catch (err) {
        throw writeFailure(dest, err)
      }
      try {
        await streamCopy({
          source: input,
          target: output,
          onChunk: (_, done) => options.onProgress?.({ ...progress, done }),
          readError: (err) => err,
          writeError: (err) => writeFailure(dest, err),
        })
      } finally {
        await output.close()
      }
      // open's mode went through the umask.
      if (options.mode !== undefined) await fs.chmod(dest, options.mode)
    }
    const written = await fs.stat(dest)
    const after = await input.stat()
    options.onProgress?.({ ...progress, done: pointer.size })
    return written?.size === pointer.size && options.verified!.trusted(pointer.oid, after)
  }

  /**
   * copyOut with the copy made by the kernel (a reflink or copy_file_range) while this
   * process hashes the same bytes, which the copy has just brought into the page cache:
   * the two run side by side instead of one after the other through one buffer.
   */
  private async copyBesideHash(input: FsStreamHandle, path: string, dest: string, pointer: LfsPointer, options: CopyOutOptions): Promise<void> {
    const { fs } = this.repo
    const hashed = await kernelCopyBesideHash(this.repo, path, dest, {
      source: input,
      progress: { callback: options.onProgress, phase: 'write', path: options.label, total: pointer.size },
      readError: (err) => err,
      copyError: (err) => writeFailure(dest, err),
    })
    const { oid, size } = hashed
    if (size !== pointer.size || oid !== pointer.oid) throw this.corrupt(options.label, pointer, `its content hashes to ${oid}`)
    if (options.mode !== undefined) await fs.chmod(dest, options.mode)
    const written = await fs.stat(dest)
    if (written?.size !== pointer.size) throw this.corrupt(options.label, pointer, `copying it gave ${written?.size ?? 0} bytes, the pointer says ${pointer.size}`)
  }

  /**
   * Make an object folder once per store, without blocking: a transfer commits objects
   * while others are still arriving, and 1,000 objects mean about as many folders.
   */
  private objectFolder(dir: string): Promise<void> {
    let made = this.folders.get(dir)
    if (made === undefined) {
      made = this.repo.fs.mkdirp(dir, { blocking: false })
      made.catch(() => this.folders.delete(dir))
      this.folders.set(dir, made)
    }
    return made
  }

  /** A new temporary file in `.git/lfs/tmp`, open for writing. */
  private async createTemp(): Promise<{ temp: string; output: FsStreamHandle }> {
    const temp = await this.tempPath()
    return { temp, output: await this.repo.fs.open(temp, 'wx', OBJECT_MODE) }
  }

  /** A name for a new temporary file in `.git/lfs/tmp`, whose folder exists and was swept of killed runs' leftovers. */
  private async tempPath(): Promise<string> {
    return tempPathFor(`${await this.tempFolder()}/gmr`)
  }

  /** `.git/lfs/tmp`, made and swept once per store: a fetch of a thousand objects asks a thousand times. */
  private tempFolder(): Promise<string> {
    if (this.tempReady === null) {
      const dir = `${this.root}/tmp`
      const ready = (async () => {
        await this.repo.fs.mkdirp(dir)
        await sweepTempFiles(this.repo.fs, dir)
        return dir
      })()
      ready.catch(() => (this.tempReady = null))
      this.tempReady = ready
    }
    return this.tempReady
  }

  private storageFailure(err: unknown, retry = 'log again'): unknown {
    return storageError(err, `the Git LFS store ${this.root}`, retry)
  }

  private missing(label: string, pointer: LfsPointer): MissingLfsObjectError {
    return new MissingLfsObjectError(
      `cannot write ${label}: its Git LFS object ${pointer.oid} is not in ${this.root}/objects; fetch it ("git lfs fetch") or log the file again`,
      { path: label, oid: pointer.oid },
    )
  }

  private corrupt(label: string, pointer: LfsPointer, why: string): CorruptObjectError {
    return new CorruptObjectError(
      `refusing to write ${label}: Git LFS object ${pointer.oid} is corrupt (${why}); delete ${this.objectPath(pointer.oid)} and fetch it again ("git lfs fetch"), or log the file again`,
      { path: label, oid: pointer.oid },
    )
  }
}

/**
 * Commits objects staged one after another (a fetch) in groups: every object staged while
 * one group waits out its timestamp tick and is renamed (LfsStore.commit) joins the next,
 * so one wait covers many objects and no transfer waits for it; the stamps of all groups
 * are saved to the record once, by `finish`.
 */
export class LfsCommits {
  private group: StagedLfsObject[] | null = null
  private running: Promise<void> = Promise.resolve()
  private last: Promise<void> = Promise.resolve()
  private failure: { error: unknown } | null = null
  private record: Promise<VerifiedLfsRecord> | null = null

  constructor(private readonly store: LfsStore) {}

  /** Commit `staged` with the next group; resolves when it is in the store (not awaiting it is fine: `finish` throws its failure). */
  add(staged: StagedLfsObject): Promise<void> {
    if (this.group === null) {
      const group: StagedLfsObject[] = []
      this.group = group
      this.running = this.last.then(async () => {
        this.group = null
        this.record ??= VerifiedLfsRecord.open(this.store.repo)
        await this.store.commit(group, await this.record)
      })
      this.last = this.running.catch((error: unknown) => {
        this.failure ??= { error }
      })
    }
    this.group.push(staged)
    return this.running
  }

  /** Wait for every group, save the record, then throw the first failure, if any. */
  async finish(): Promise<void> {
    await this.last
    if (this.record !== null) await (await this.record).save()
    if (this.failure !== null) throw this.failure.error
  }
}

/**
 * Hash a file on disk without copying it: the oid and size, and its stat from before the
 * read when it did not change while being read (null when it did, so nobody caches it).
 */
export async function hashFile(
  repo: GitDir,
  path: string,
  options: { label?: string; onProgress?: LfsProgressCallback } = {},
): Promise<{ pointer: LfsPointer; stat: FsStat | null; verifiedAt: number }> {
  const verifiedAt = Date.now()
  const input = await guard(path, () => repo.fs.open(path, 'r'))
  try {
    const before = await input.stat()
    const pointer = await hashedCopy({
      source: input,
      progress: { callback: options.onProgress, phase: 'verify', path: options.label ?? path, total: before.size },
      readError: (err) => readFailure(path, err),
      writeError: (err) => err,
    })
    const after = await input.stat()
    const unchanged = pointer.size === before.size && after.size === before.size && after.mtimeMs === before.mtimeMs
    return { pointer, stat: unchanged ? after : null, verifiedAt }
  } finally {
    await input.close()
  }
}

/**
 * Copy `from` to the new file `to` in the kernel (a reflink or copy_file_range, on a thread
 * of libuv's pool) while this process hashes `source`, the same file open: the two run side
 * by side on the page cache instead of one after the other through one buffer. Returns the
 * hash, and when the copy was seen done (`performance.now()`).
 */
async function kernelCopyBesideHash(
  repo: GitDir,
  from: string,
  to: string,
  hash: Omit<HashedCopyOptions, 'target' | 'writeError'> & { copyError(err: unknown): unknown },
): Promise<LfsPointer & { copiedAt: number }> {
  const { copyError, ...read } = hash
  let copiedAt = 0
  const [copied, hashed] = await Promise.allSettled([
    repo.fs.copyNew(from, to).then(() => void (copiedAt = performance.now())),
    hashedCopy({ ...read, writeError: (err) => err }),
  ])
  if (copied.status === 'rejected') throw copyError(copied.reason)
  if (hashed.status === 'rejected') throw hashed.reason
  return { ...hashed.value, copiedAt }
}

interface HashedCopyOptions extends Omit<StreamCopyOptions, 'onChunk'> {
  progress: Omit<LfsProgress, 'done'> & { callback: LfsProgressCallback | undefined }
}

/**
 * Stream a file through (to `target`, if given, which is closed at the end), hashing it
 * and reporting progress from 0 on.
 */
async function hashedCopy(options: HashedCopyOptions): Promise<LfsPointer> {
  const { progress, ...copy } = options
  const { callback, phase, path, total } = progress
  const hash = createHash('sha256')
  callback?.({ phase, path, done: 0, total })
  try {
    const size = await streamCopy({
      ...copy,
      onChunk: (chunk, done) => {
        hash.update(chunk)
        callback?.({ phase, path, done, total })
      },
    })
    return { oid: hash.digest('hex'), size }
  } finally {
    await options.target?.close()
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EFBIG: 'file too large for this file system',
}

/** A failed write of the repository's storage or of a target file, as one line that says what to do. */
function storageError(err: unknown, what: string, retry: string): unknown {
  // The file-system adapter already named the file; here the caller knows what it was for.
  const code = err instanceof StorageError ? String(err.data.code) : (err as { code?: string } | null)?.code ?? ''
  if (err instanceof GmrError && !(err instanceof StorageError)) return err
  const reason = REASONS[code]
  if (reason === undefined) return err
  const fix = code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space' : 'make it writable'
  return new StorageError(`cannot write ${what}: ${reason} (${code}); ${fix} and ${retry}`, { code })
}

/** Bytes received for `label` that are not the object its pointer names. */
function notTheObject(label: string, expected: LfsPointer, received: LfsPointer): CorruptObjectError {
  return new CorruptObjectError(
    `the bytes received for ${label} are not Git LFS object ${expected.oid} (${received.size} bytes hashing to ${received.oid}); try again`,
    { path: label, oid: expected.oid },
  )
}

function writeFailure(path: string, err: unknown): unknown {
  return storageError(err, path, 'download again')
}

function readFailure(path: string, err: unknown): unknown {
  if (err instanceof GmrError) return err
  const code = (err as { code?: string } | null)?.code ?? ''
  return REASONS[code] === undefined ? err : new InvalidInputError(`cannot read ${path}: ${REASONS[code]}`, { path })
}
