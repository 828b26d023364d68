import { createHash } from 'node:crypto'
import { CorruptObjectError, GmrError, InvalidInputError, MissingLfsObjectError, StorageError } from '../domain/errors.js'
import { lfsObjectRelativePath, type LfsPointer } from '../domain/lfsPointer.js'
import { changedWhileLogging, guard } from './collectFiles.js'
import { dirname, isErrno, tempPathFor, type FsStat, type FsStreamHandle } from './fs.js'
import type { GitDir } from './repo.js'
import { streamCopy, type StreamCopyOptions } from './streamCopy.js'
import { crashPoint } from './crashPoint.js'
import { sweepTempFiles } from './tempFiles.js'
import type { VerifiedLfsRecord } from './verifiedLfs.js'

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
  /** Whether `tmp/` was cleared of killed runs' leftovers yet (once per store). */
  private swept = false
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
   * Read `source` once: hash it and copy it into a temporary file of the store. Fails
   * (leaving nothing behind) when the file's size or mtime moves while it is read.
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
      const created = await this.createTemp()
      temp = created.temp
      const { oid, size } = await hashedCopy({
        source: input,
        target: created.output,
        progress: { callback: options.onProgress, phase: 'hash', path: options.label ?? source, total: before.size },
        readError: (err) => readFailure(source, err),
        writeError: (err) => this.storageFailure(err),
      })
      crashPoint('lfs-temp-written')
      const after = await input.stat()
      if (size !== before.size || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        throw changedWhileLogging(source)
      }
      if (await this.has({ oid, size })) {
        await fs.remove(temp)
        temp = null
      }
      return { oid, size, temp, stat: after, verifiedAt }
    } catch (err) {
      if (temp !== null) await fs.remove(temp)
      throw this.storageFailure(err)
    } finally {
      await input.close()
    }
  }

  /** Stage bytes already in memory (a small file a user's `.gitattributes` puts in LFS). */
  async stageBytes(content: Uint8Array, label: string): Promise<StagedLfsObject> {
    const pointer = { oid: createHash('sha256').update(content).digest('hex'), size: content.length }
    if (await this.has(pointer)) return { ...pointer, temp: null }
    return this.stageStream([content], pointer, label)
  }

  /**
   * Stage bytes that arrive as a stream (an LFS download), checked against the pointer they
   * must match: a mismatch is an error naming `label`, and nothing reaches the store.
   */
  async stageStream(stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected: LfsPointer, label: string): Promise<StagedLfsObject> {
    const hash = createHash('sha256')
    let size = 0
    let temp: string | null = null
    try {
      const created = await this.createTemp()
      temp = created.temp
      const { output } = created
      try {
        for await (const chunk of stream) {
          hash.update(chunk)
          let written = 0
          while (written < chunk.length) {
            written += (await output.write(chunk, written, chunk.length - written, size + written)).bytesWritten
          }
          size += chunk.length
        }
      } finally {
        await output.close()
      }
      const oid = hash.digest('hex')
      if (oid !== expected.oid || size !== expected.size) {
        throw new CorruptObjectError(
          `the bytes received for ${label} are not Git LFS object ${expected.oid} (${size} bytes hashing to ${oid}); try again`,
          { path: label, oid: expected.oid },
        )
      }
    } catch (err) {
      if (temp !== null) await this.repo.fs.remove(temp)
      throw this.storageFailure(err, 'try again')
    }
    return { ...expected, temp }
  }

  /** Move staged objects into the store; returns how many were new. */
  async commit(staged: readonly StagedLfsObject[]): Promise<number> {
    const { fs } = this.repo
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
        }
      } catch (err) {
        throw this.storageFailure(err)
      }
      object.temp = null
    }
    return written
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
      await record()
    } catch (err) {
      if (created) await fs.remove(dest)
      throw err
    } finally {
      await input.close()
    }
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
    const [copied, hashed] = await Promise.allSettled([
      fs.copyNew(path, dest),
      hashedCopy({
        source: input,
        progress: { callback: options.onProgress, phase: 'write', path: options.label, total: pointer.size },
        readError: (err) => err,
        writeError: (err) => err,
      }),
    ])
    if (copied.status === 'rejected') throw writeFailure(dest, copied.reason)
    if (hashed.status === 'rejected') throw hashed.reason
    const { oid, size } = hashed.value
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
    const dir = `${this.root}/tmp`
    await this.repo.fs.mkdirp(dir)
    if (!this.swept) {
      this.swept = true
      await sweepTempFiles(this.repo.fs, dir)
    }
    const temp = tempPathFor(`${dir}/gmr`)
    return { temp, output: await this.repo.fs.open(temp, 'wx', OBJECT_MODE) }
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

function writeFailure(path: string, err: unknown): unknown {
  return storageError(err, path, 'download again')
}

function readFailure(path: string, err: unknown): unknown {
  if (err instanceof GmrError) return err
  const code = (err as { code?: string } | null)?.code ?? ''
  return REASONS[code] === undefined ? err : new InvalidInputError(`cannot read ${path}: ${REASONS[code]}`, { path })
}
