import { GmrError, InvalidInputError } from '../domain/errors.js'
import { isGitDirName, symlinkEscapes } from '../domain/safePath.js'
import { isErrno, type FileSystem, type FsStat } from './fs.js'

export type InputKind = 'file' | 'executable' | 'symlink'

/** One file to log: where it is on disk and where it goes in the version's tree. */
export interface InputFile {
  /** Path inside the version (slash-separated, relative). */
  path: string
  /** Absolute path on disk. */
  source: string
  kind: InputKind
  size: number
  mtimeMs: number
  ino: number | bigint
  /** The link's content, for symlinks. */
  linkTarget?: string
}

/**
 * Expand the paths given to `gmr log` into the files of one version. A folder
 * contributes its contents (so `gmr log m ./out` puts out/model.bin at model.bin), a
 * file its base name. Symlinks inside a folder are kept as links, but only when they
 * stay inside that folder; `.git` folders are never included.
 */
export async function collectFiles(fs: FileSystem, inputs: readonly string[]): Promise<InputFile[]> {
  if (inputs.length === 0) throw new InvalidInputError('nothing to log: give at least one file or folder')
  const byPath = new Map<string, InputFile>()
  for (const input of inputs) {
    const files = await collectInput(fs, input)
    if (files.length === 0) {
      throw new InvalidInputError(`nothing to log: ${input} holds no files (empty folders are not recorded)`, {
        path: input,
      })
    }
    for (const file of files) {
      const other = byPath.get(file.path)
      if (other) {
        throw new InvalidInputError(
          `two inputs both give "${file.path}": ${other.source} and ${file.source}; log them from one folder instead`,
          { path: file.path },
        )
      }
      byPath.set(file.path, file)
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

async function collectInput(fs: FileSystem, input: string): Promise<InputFile[]> {
  // The named path itself is followed if it is a link, as `cp -r` follows its arguments.
  const st = await statInput(fs, input)
  const name = input.replace(/\/+$/, '').split('/').pop() ?? input
  if (st.isDirectory()) {
    const files: InputFile[] = []
    await walk(fs, input, '', files)
    const links = new Map(files.filter((f) => f.kind === 'symlink').map((f) => [f.path, f.linkTarget!]))
    for (const file of files) {
      if (file.kind === 'symlink' && symlinkEscapes(file.path, file.linkTarget!, links)) {
        throw new InvalidInputError(
          `symlink ${file.source} -> ${file.linkTarget} points outside ${input}; a version may only link to its own files`,
          { path: file.source },
        )
      }
    }
    return files
  }
  if (isGitDirName(name)) throw new InvalidInputError(`refusing to log ${input}: .git files are never part of a version`)
  return [toInputFile(name, input, st)]
}

async function statInput(fs: FileSystem, input: string): Promise<FsStat> {
  const st = await guard(input, () => fs.stat(input))
  if (st === null) {
    const dangling = await fs.lstat(input)
    throw new InvalidInputError(
      dangling ? `${input} is a symlink to a missing file` : `path not found: ${input}`,
      { path: input },
    )
  }
  return st
}

async function walk(fs: FileSystem, root: string, prefix: string, out: InputFile[]): Promise<void> {
  const dir = prefix === '' ? root : `${root}/${prefix}`
  const names = await guard(dir, () => fs.readdir(dir))
  for (const name of names ?? []) {
    if (isGitDirName(name)) continue
    const path = prefix === '' ? name : `${prefix}/${name}`
    const source = `${root}/${path}`
    const st = await guard(source, () => fs.lstat(source))
    if (st === null) continue // removed while we walked
    if (st.isDirectory()) await walk(fs, root, path, out)
    else if (st.isSymbolicLink()) {
      const file = toInputFile(path, source, st)
      file.linkTarget = await guard(source, () => fs.readlink(source))
      file.size = Buffer.byteLength(file.linkTarget)
      out.push(file)
    } else out.push(toInputFile(path, source, st))
  }
}

function toInputFile(path: string, source: string, st: FsStat): InputFile {
  let kind: InputKind
  if (st.isSymbolicLink()) kind = 'symlink'
  else if (st.isFile()) kind = (st.mode & 0o100) !== 0 ? 'executable' : 'file'
  else {
    throw new InvalidInputError(`cannot log ${source}: only regular files, folders and symlinks can be logged`, {
      path: source,
    })
  }
  return { path, source, kind, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }
}

/** Turn file-system failures into one line that names the path. */
export async function guard<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof GmrError) throw err
    if (isErrno(err, 'EACCES', 'EPERM')) {
      throw new InvalidInputError(`cannot read ${path}: permission denied`, { path })
    }
    if (isErrno(err, 'ENOENT')) throw new InvalidInputError(`path not found: ${path}`, { path })
    if (isErrno(err, 'EISDIR', 'ENOTDIR', 'ELOOP', 'EIO')) {
      throw new InvalidInputError(`cannot read ${path}: ${(err as Error).message}`, { path })
    }
    throw err
  }
}

/** A file whose size or modification time moved between being listed and being read. */
export function changedWhileLogging(source: string): InvalidInputError {
  return new InvalidInputError(
    `${source} changed while it was being logged; wait until it is written completely and log again`,
    { path: source },
  )
}
