import type { Readable, Writable } from 'node:stream'
import { GmrError, StorageError, UnsupportedFileSystemError } from '../domain/errors.js'

/** A stat result as both Node's fs and memfs return it. */
export interface FsStat {
  size: number
  mode: number
  mtimeMs: number
  /** Changes on every write, chmod and rename, and cannot be set back (the LFS stat cache keys on it). */
  ctimeMs?: number
  ino: number | bigint
  isFile(): boolean
  isDirectory(): boolean
  isSymbolicLink(): boolean
}

export interface FsFileHandle {
  write(data: Uint8Array | string): Promise<unknown>
  sync(): Promise<void>
  close(): Promise<void>
}

/** An open file read or written at explicit positions, for streaming large files through fixed buffers. */
export interface FsStreamHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>
  stat(): Promise<FsStat>
  close(): Promise<void>
}

/** Fill `buffer` with up to `length` bytes from `position`, unless the file ends first; returns the bytes read. */
export async function readInto(handle: FsStreamHandle, buffer: Uint8Array, length: number, position: number): Promise<number> {
  let filled = 0
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled
}

/** Write all of `data` at `position` (a write may take fewer bytes than it was given). */
export async function writeAll(handle: FsStreamHandle, data: Uint8Array, position: number): Promise<void> {
  for (let written = 0; written < data.length; ) written += (await handle.write(data, written, data.length - written, position + written)).bytesWritten
}

/**
 * The file system gmr is given, in the shape of Node's `fs` (and memfs): its
 * `promises` API, plus streams where the implementation has them. This is the same
 * object isomorphic-git takes as `fs`, so one value serves both.
 */
export interface FsClient {
  promises: {
    readFile(path: string, options?: unknown): Promise<unknown>
    writeFile(path: string, data: Uint8Array | string, options?: unknown): Promise<unknown>
    appendFile(path: string, data: Uint8Array | string, options?: unknown): Promise<unknown>
    mkdir(path: string, options?: unknown): Promise<unknown>
    readdir(path: string, options?: unknown): Promise<unknown>
    stat(path: string): Promise<unknown>
    lstat(path: string): Promise<unknown>
    rename(from: string, to: string): Promise<unknown>
    unlink(path: string): Promise<unknown>
    rmdir(path: string, options?: unknown): Promise<unknown>
    readlink(path: string): Promise<unknown>
    symlink(target: string, path: string): Promise<unknown>
    chmod(path: string, mode: number): Promise<unknown>
    open(path: string, flags: string, mode?: number): Promise<unknown>
    /** A second name for a file; used, where present, to create a lock file complete in one step. */
    link?(existing: string, path: string): Promise<unknown>
    /** The path with every symlink resolved; used, where present, to compare a folder with git config. */
    realpath?(path: string): Promise<unknown>
    /** A copy made by the kernel (copy_file_range, or a reflink where the file system shares blocks); used where present. */
    copyFile?(from: string, to: string, mode?: number): Promise<unknown>
  }
  createReadStream?(path: string, options?: unknown): unknown
  createWriteStream?(path: string, options?: unknown): unknown
  // Synchronous twins, used when present: for the many small files of a model folder
  // Node's promise API costs ~7x more per call (measured: 10k reads, 680 ms vs 90 ms).
  readFileSync?(path: string): unknown
  writeFileSync?(path: string, data: Uint8Array | string, options?: unknown): unknown
  statSync?(path: string): unknown
  lstatSync?(path: string): unknown
  readdirSync?(path: string): unknown
  mkdirSync?(path: string, options?: unknown): unknown
  renameSync?(from: string, to: string): unknown
  openSync?(path: string, flags: string, mode?: number): number
  readSync?(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number
  writeSync?(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number
  fstatSync?(fd: number): unknown
  closeSync?(fd: number): unknown
}

export function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: string }).code ?? '')
}

/** What a system error means for the user, and what to do about it. */
const SYSTEM_ERRORS: Record<string, { reason: string; fix: string }> = {
  ENOSPC: { reason: 'no space left on device', fix: 'free some space and try again' },
  EDQUOT: { reason: 'disk quota exceeded', fix: 'free some space and try again' },
  EROFS: { reason: 'read-only file system', fix: 'remount it read-write or work on a writable copy (read commands still work)' },
  EACCES: { reason: 'permission denied', fix: 'check the permissions of that path and its folders' },
  EPERM: { reason: 'operation not permitted', fix: 'check the permissions of that path and its folders' },
  ENAMETOOLONG: { reason: 'file name too long', fix: 'use a shorter path' },
  EIO: { reason: 'input/output error', fix: 'check the disk' },
  EFBIG: { reason: 'file too large for this file system', fix: 'use another file system' },
  EMFILE: { reason: 'too many open files', fix: 'raise the limit (ulimit -n) and try again' },
  ELOOP: { reason: 'too many levels of symbolic links', fix: 'check the links on that path' },
}

/** The code and reason of a system error a user can cause (full disk, read-only, …); null for anything else. */
function systemErrorReason(err: unknown): { code: string; reason: string; fix: string } | null {
  if (typeof err !== 'object' || err === null) return null
  if (err instanceof GmrError && !(err instanceof StorageError)) return null
  const code = err instanceof StorageError ? err.data.code : (err as { code?: unknown }).code
  if (typeof code !== 'string') return null
  const known = SYSTEM_ERRORS[code]
  return known === undefined ? null : { code, ...known }
}

/**
 * A system error as one line saying what failed and where (`cannot write '/x/.git/gmr/registry.lock':
 * read-only file system (EROFS); …`); anything that is not a known system error comes back unchanged.
 * A StorageError is said again for `path` (a caller that knows what a temporary file was for).
 */
export function storageFailure(err: unknown, action: string, path: string): unknown {
  const known = systemErrorReason(err)
  if (known === null) return err
  return new StorageError(`cannot ${action} '${path}': ${known.reason} (${known.code}); ${known.fix}`, {
    code: known.code,
    path,
  })
}

/** Run a write step, turning a system error it raises into a StorageError naming `path`. */
async function writing<T>(action: string, path: string, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    throw storageFailure(err, action, path)
  }
}

let tempCounter = 0

/**
 * A unique sibling name for `path`, for write-then-rename. The name carries the owning
 * process's id (`<path>.tmp-<pid>-<time>-<n>`), so that a later run can tell a leftover
 * of a killed process from a file still being written (see `sweepTempFiles`).
 */
export function tempPathFor(path: string): string {
  tempCounter += 1
  return `${path}${TEMP_MARK}${process.pid}-${Date.now().toString(36)}-${tempCounter}`
}

const TEMP_MARK = '.tmp-'
const TEMP_NAME = /\.tmp-(\d+)-[0-9a-z]+-\d+$/

/** The process that owns a temporary name made by `tempPathFor`; null when `name` is not one. */
export function tempOwner(name: string): number | null {
  const match = TEMP_NAME.exec(name)
  return match ? Number(match[1]) : null
}

/**
 * The one adapter over the injected file system. Nothing else in gmr touches `fs`
 * directly, so the same code runs on a disk and in memory. Missing files are `null`,
 * not exceptions, where absence is an ordinary answer.
 */
export class FileSystem {
  readonly client: FsClient

  constructor(client: FsClient) {
    this.client = client
  }

  private get p() {
    return this.client.promises
  }

  async read(path: string): Promise<Buffer | null> {
    try {
      const data = this.client.readFileSync ? this.client.readFileSync(path) : await this.p.readFile(path)
      // A fresh Buffer from node (or memfs) is returned as it is; only a bare Uint8Array is wrapped (copied).
      return Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array)
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null
      throw err
    }
  }

  /**
   * Up to `length` bytes of a file from its start into `buffer` (fewer when it is shorter);
   * null when it does not exist. A small file is read through the synchronous twins when
   * the client has them: three calls on this thread instead of three thread-pool trips.
   */
  async readStart(path: string, buffer: Uint8Array, length: number): Promise<number | null> {
    const { openSync, readSync, closeSync } = this.client
    try {
      if (openSync && readSync && closeSync) {
        const fd = openSync(path, 'r')
        try {
          let filled = 0
          for (let read = -1; filled < length && read !== 0; filled += read) read = readSync(fd, buffer, filled, length - filled, filled)
          return filled
        } finally {
          closeSync(fd)
        }
      }
      const handle = await this.open(path, 'r')
      try {
        return await readInto(handle, buffer, length, 0)
      } finally {
        await handle.close()
      }
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null
      throw err
    }
  }

  async readText(path: string): Promise<string | null> {
    const data = await this.read(path)
    return data === null ? null : data.toString('utf8')
  }

  async stat(path: string): Promise<FsStat | null> {
    try {
      return (this.client.statSync ? this.client.statSync(path) : await this.p.stat(path)) as FsStat
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null
      throw err
    }
  }

  async lstat(path: string): Promise<FsStat | null> {
    try {
      return (this.client.lstatSync ? this.client.lstatSync(path) : await this.p.lstat(path)) as FsStat
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null
      throw err
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.lstat(path)) !== null
  }

  /** Names in a directory, sorted; `null` when it does not exist. */
  async readdir(path: string): Promise<string[] | null> {
    try {
      const names = (this.client.readdirSync ? this.client.readdirSync(path) : await this.p.readdir(path)) as string[]
      return names.map(String).sort()
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null
      throw err
    }
  }

  /** `mkdir -p`; `blocking: false` keeps the event loop free (many folders made while transfers run). */
  async mkdirp(path: string, options: { blocking?: boolean } = {}): Promise<void> {
    try {
      if (this.client.mkdirSync && options.blocking !== false) this.client.mkdirSync(path, { recursive: true })
      else await this.p.mkdir(path, { recursive: true })
    } catch (err) {
      throw storageFailure(isErrno(err, 'ENOENT') ? await this.mkdirCause(path, err) : err, 'create the folder', path)
    }
  }

  /**
   * Node's recursive mkdir reports ENOENT where a folder on the way cannot be made
   * (read-only file system, no permission); making the first missing one alone gives the real reason.
   */
  private async mkdirCause(path: string, err: unknown): Promise<unknown> {
    let missing = path
    while (dirname(missing) !== missing && (await this.lstat(dirname(missing)).catch(() => null)) === null) missing = dirname(missing)
    try {
      await this.p.mkdir(missing)
      await this.p.rmdir(missing)
      return err
    } catch (cause) {
      return cause
    }
  }

  async write(path: string, data: Uint8Array | string, mode?: number): Promise<void> {
    await this.mkdirp(dirname(path))
    await this.writeRaw(path, data, mode)
  }

  private async writeRaw(path: string, data: Uint8Array | string, mode?: number): Promise<void> {
    const options = mode === undefined ? undefined : { mode }
    await writing('write', path, () =>
      this.client.writeFileSync ? this.client.writeFileSync(path, data, options) : this.p.writeFile(path, data, options),
    )
  }

  /** Append to a file (creating it and its folder); callers hold a lock when order matters. */
  async append(path: string, data: Uint8Array | string): Promise<void> {
    await this.mkdirp(dirname(path))
    await writing('write', path, () => this.p.appendFile(path, data))
  }

  /** Write to a temporary sibling and rename it over `path`: readers see old or new, never half. */
  async writeAtomic(path: string, data: Uint8Array | string, mode?: number): Promise<void> {
    await this.mkdirp(dirname(path))
    const temp = tempPathFor(path)
    try {
      await this.writeRaw(temp, data, mode)
      await this.rename(temp, path)
    } catch (err) {
      await this.remove(temp)
      throw err
    }
  }

  /** Create `path` exclusively (fails with EEXIST when it exists). */
  async openExclusive(path: string): Promise<FsFileHandle> {
    return (await writing('create', path, () => this.p.open(path, 'wx', 0o666))) as FsFileHandle
  }

  /** Give the file `existing` the second name `path`, failing with EEXIST when that exists; false when the file system has no links. */
  async link(existing: string, path: string): Promise<boolean> {
    if (!this.p.link) return false
    await writing('create', path, () => this.p.link!(existing, path))
    return true
  }

  /**
   * Copy a file to a new path (EEXIST if it exists) inside the kernel: a reflink where
   * the file system can share blocks, else copy_file_range, never through this process's
   * memory. Only where `copiesInKernel`; elsewhere the caller streams.
   */
  async copyNew(from: string, to: string): Promise<void> {
    // fs.constants.COPYFILE_EXCL | COPYFILE_FICLONE (try a reflink, fall back to a copy).
    await writing('create', to, () => this.p.copyFile?.(from, to, 1 | 2))
  }

  /** Whether copyNew can be used. */
  get copiesInKernel(): boolean {
    return this.p.copyFile !== undefined
  }

  /** Open for streaming: `r` to read, `wx` to create a new file (fails with EEXIST). */
  async open(path: string, flags: 'r' | 'wx', mode = 0o666): Promise<FsStreamHandle> {
    if (flags === 'r') return (await this.p.open(path, flags, mode)) as FsStreamHandle
    return (await writing('create', path, () => this.p.open(path, flags, mode))) as FsStreamHandle
  }

  /**
   * Create the new file `path` (EEXIST if it exists) holding `data`, and return its stat
   * once written; on a failure the file is removed again. Through the synchronous twins
   * when the client has them: a small file costs four calls on this thread (open, write,
   * fstat, close) instead of four thread-pool trips, which a thousand small LFS objects
   * felt (issue 12).
   */
  async createWith(path: string, data: Uint8Array, mode = 0o666): Promise<FsStat> {
    const { openSync, writeSync, fstatSync, closeSync } = this.client
    if (!(openSync && writeSync && fstatSync && closeSync)) return this.createWithHandle(path, data, mode)
    const fd = await writing('create', path, () => openSync(path, 'wx', mode))
    let open = true
    try {
      for (let written = 0; written < data.length; ) written += writeSync(fd, data, written, data.length - written, written)
      const stat = fstatSync(fd) as FsStat
      open = false
      closeSync(fd)
      return stat
    } catch (err) {
      // Never closed twice: another thread may have been given the number since.
      if (open) closeSync(fd)
      await this.remove(path)
      throw storageFailure(err, 'write', path)
    }
  }

  private async createWithHandle(path: string, data: Uint8Array, mode: number): Promise<FsStat> {
    const handle = await this.open(path, 'wx', mode)
    try {
      try {
        await writeAll(handle, data, 0)
        return await handle.stat()
      } finally {
        await handle.close()
      }
    } catch (err) {
      await this.remove(path)
      throw storageFailure(err, 'write', path)
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await writing('rename', from, () => (this.client.renameSync ? this.client.renameSync(from, to) : this.p.rename(from, to)))
  }

  /** Remove a file or symlink; absent is fine. */
  async remove(path: string): Promise<void> {
    try {
      await this.p.unlink(path)
    } catch (err) {
      if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw storageFailure(err, 'remove', path)
    }
  }

  /** Remove a directory tree (or a file); absent is fine. */
  async removeTree(path: string): Promise<void> {
    const st = await this.lstat(path)
    if (st === null) return
    if (!st.isDirectory()) return this.remove(path)
    for (const name of (await this.readdir(path)) ?? []) await this.removeTree(`${path}/${name}`)
    await writing('remove', path, () => this.p.rmdir(path))
  }

  /** Remove an empty directory; a directory that is not empty or absent is left. */
  async removeEmptyDir(path: string): Promise<boolean> {
    try {
      await this.p.rmdir(path)
      return true
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR')) return false
      throw storageFailure(err, 'remove', path)
    }
  }

  /** `path` with symlinks resolved, as git names a repository; unchanged where the file system cannot tell. */
  async realpath(path: string): Promise<string> {
    if (!this.p.realpath) return path
    return String(await this.p.realpath(path).catch(() => path))
  }

  async readlink(path: string): Promise<string> {
    return String(await this.p.readlink(path))
  }

  async symlink(target: string, path: string): Promise<void> {
    await writing('create', path, () => this.p.symlink(target, path))
  }

  async chmod(path: string, mode: number): Promise<void> {
    await writing('change the mode of', path, () => this.p.chmod(path, mode))
  }

  createReadStream(path: string, options?: { start?: number; end?: number; highWaterMark?: number }): Readable {
    if (!this.client.createReadStream) throw new UnsupportedFileSystemError('this file system has no createReadStream: pass a file system that has one (node:fs or memfs)')
    return this.client.createReadStream(path, options) as Readable
  }

  createWriteStream(path: string, options?: { flags?: string; mode?: number }): Writable {
    if (!this.client.createWriteStream) throw new UnsupportedFileSystemError('this file system has no createWriteStream: pass a file system that has one (node:fs or memfs)')
    return this.client.createWriteStream(path, options) as Writable
  }
}

/** POSIX dirname for the slash-separated paths gmr uses everywhere. */
export function dirname(path: string): string {
  const i = path.lastIndexOf('/')
  if (i < 0) return '.'
  if (i === 0) return '/'
  return path.slice(0, i)
}
