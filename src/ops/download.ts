import { mapLimit } from '../domain/async.js'
import { InvalidInputError, TargetNotEmptyError, UnsafePathError } from '../domain/errors.js'
import { pathFilter } from '../domain/glob.js'
import { parseReference } from '../domain/reference.js'
import { symlinkEscapes, unsafePathReason } from '../domain/safePath.js'
import { tempPathFor, type FileSystem } from '../git/fs.js'
import { hashObject, readObject } from '../git/objects.js'
import type { Repo } from '../git/repo.js'
import { listTreeFiles, type TreeFile } from '../git/treeWalk.js'
import { describeChoices } from './catalog.js'
import { openRegistryContext, type RepoOptions } from './context.js'
import { resolveReference, type ResolvedVersion } from './resolve.js'

export interface DownloadOptions extends RepoOptions {
  ref: string
  /** Target folder; default `<cwd>/<name>-v<N>`. */
  to?: string
  cwd?: string
  /** Only paths matching one of these globs (gitignore-style). */
  include?: readonly string[]
  /** Overwrite files in a non-empty target that differ from the version. */
  force?: boolean
}

export interface DownloadResult {
  reference: string
  name: string
  artifact: string
  version: number
  commit: string
  dir: string
  files: number
  written: number
  unchanged: number
}

/** A file of the version, checked and ready to write. */
interface PlannedFile extends TreeFile {
  /** Symlink target, read up front so every link can be checked before anything is written. */
  linkTarget?: string
}

type FileState = 'missing' | 'same' | 'different'

const IO_CONCURRENCY = 16

/**
 * Write a version's files into a folder. Every path and link in the version is checked
 * before the first byte is written, so a crafted tree cannot reach outside the folder.
 * A new folder is filled under a temporary name and renamed into place at the end; in
 * an existing folder only missing or differing files are written, so downloading the
 * same version again writes nothing.
 */
export async function download(options: DownloadOptions): Promise<DownloadResult> {
  const reference = parseReference(options.ref)
  const { repo } = await openRegistryContext(options)
  const resolved = await resolveReference(repo, reference)
  const cwd = options.cwd ?? options.dir
  const target = absolute(options.to ?? `${resolved.name}-v${displayVersion(resolved)}`, cwd)
  const files = await planFiles(repo, resolved, options.include ?? [])
  const result = await materialise(repo, files, target, options.force ?? false)
  return {
    reference: resolved.reference,
    name: resolved.name,
    artifact: resolved.artifact,
    version: displayVersion(resolved),
    commit: resolved.commit,
    dir: target,
    files: files.length,
    ...result,
  }
}

function displayVersion(resolved: ResolvedVersion): number {
  return resolved.version
}

function absolute(path: string, cwd: string): string {
  const full = path.startsWith('/') ? path : `${cwd}/${path}`
  return full.replace(/\/+$/, '') || '/'
}

async function planFiles(repo: Repo, resolved: ResolvedVersion, include: readonly string[]): Promise<PlannedFile[]> {
  const cache = {}
  const all: PlannedFile[] = await listTreeFiles(repo, resolved.record.tree, cache)
  for (const file of all) {
    const reason = unsafePathReason(file.path)
    if (reason !== null) {
      throw new UnsafePathError(
        `refusing to download ${resolved.reference}: the version holds the path "${file.path}" and ${reason}`,
        { path: file.path },
      )
    }
    if (file.mode === '160000') {
      throw new UnsafePathError(
        `refusing to download ${resolved.reference}: "${file.path}" is a submodule link, which a version cannot hold`,
        { path: file.path },
      )
    }
    if (file.mode === '120000') file.linkTarget = (await readObject(repo, file.oid, { cache })).content.toString('utf8')
  }
  const links = new Map(all.filter((f) => f.linkTarget !== undefined).map((f) => [f.path, f.linkTarget!]))
  for (const [path, target] of links) {
    if (symlinkEscapes(path, target, links)) {
      throw new UnsafePathError(
        `refusing to download ${resolved.reference}: symlink "${path}" -> "${target}" points outside the target folder`,
        { path, target },
      )
    }
  }
  const wanted = pathFilter(include)
  const chosen = all.filter((file) => wanted(file.path))
  if (chosen.length === 0 && include.length > 0) {
    throw new InvalidInputError(
      `no file of ${resolved.reference} matches --include ${include.join(' ')}; ${describeChoices(all.map((f) => f.path), 'files')}`,
    )
  }
  return chosen
}

async function materialise(
  repo: Repo,
  files: readonly PlannedFile[],
  target: string,
  force: boolean,
): Promise<{ written: number; unchanged: number }> {
  const { fs } = repo
  const cache = {}
  const st = await fs.stat(target)
  if (st === null) {
    // All or nothing: fill a sibling folder, then rename it into place.
    const staging = tempPathFor(target)
    try {
      await fs.mkdirp(staging)
      await mapLimit(files, IO_CONCURRENCY, (file) => writeFile(repo, staging, file, cache))
      await fs.rename(staging, target)
    } catch (err) {
      await fs.removeTree(staging)
      throw err
    }
    return { written: files.length, unchanged: 0 }
  }
  if (!st.isDirectory()) {
    throw new TargetNotEmptyError(`${target} exists and is not a folder; choose another --to`, { dir: target })
  }
  const states = await mapLimit(files, IO_CONCURRENCY, (file) => compareFile(fs, target, file))
  if (!force) {
    const wanted = new Set(files.map((f) => f.path))
    const extra = (await listExisting(fs, target)).find((path) => !wanted.has(path))
    const different = files.find((_, i) => states[i] === 'different')
    const blocker = extra ?? different?.path
    if (blocker !== undefined) {
      throw new TargetNotEmptyError(
        `${target} is not empty (it holds ${blocker}, which is not this version's); use --force to overwrite, or choose an empty --to`,
        { dir: target, path: blocker },
      )
    }
  }
  const toWrite = files.filter((_, i) => states[i] !== 'same')
  await mapLimit(toWrite, IO_CONCURRENCY, (file) => writeFile(repo, target, file, cache))
  return { written: toWrite.length, unchanged: files.length - toWrite.length }
}

async function compareFile(fs: FileSystem, root: string, file: PlannedFile): Promise<FileState> {
  const path = `${root}/${file.path}`
  const st = await fs.lstat(path)
  if (st === null) return 'missing'
  if (file.linkTarget !== undefined) {
    return st.isSymbolicLink() && (await fs.readlink(path)) === file.linkTarget ? 'same' : 'different'
  }
  if (!st.isFile() || (file.mode === '100755') !== ((st.mode & 0o100) !== 0)) return 'different'
  const content = await fs.read(path)
  return content !== null && hashObject('blob', content) === file.oid ? 'same' : 'different'
}

/** Files and links below `root` (not folders), as relative paths. */
async function listExisting(fs: FileSystem, root: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const name of (await fs.readdir(prefix === '' ? root : `${root}/${prefix}`)) ?? []) {
    const path = prefix === '' ? name : `${prefix}/${name}`
    const st = await fs.lstat(`${root}/${path}`)
    if (st?.isDirectory()) out.push(...(await listExisting(fs, root, path)))
    else out.push(path)
  }
  return out
}

async function writeFile(repo: Repo, root: string, file: PlannedFile, cache: object): Promise<void> {
  const { fs } = repo
  await ensureRealDirs(fs, root, file.path)
  const path = `${root}/${file.path}`
  const existing = await fs.lstat(path)
  if (existing?.isDirectory()) await fs.removeTree(path)
  if (file.linkTarget !== undefined) {
    await fs.remove(path)
    await fs.symlink(file.linkTarget, path)
    return
  }
  const { content } = await readObject(repo, file.oid, { cache })
  // Write beside and rename: never write through a link that happens to sit at `path`.
  const temp = tempPathFor(path)
  try {
    await fs.write(temp, content, file.mode === '100755' ? 0o755 : 0o644)
    await fs.chmod(temp, file.mode === '100755' ? 0o755 : 0o644)
    await fs.rename(temp, path)
  } catch (err) {
    await fs.remove(temp)
    throw err
  }
}

/** Make each folder on the way to `path` a real folder inside `root`, replacing links or files there. */
async function ensureRealDirs(fs: FileSystem, root: string, path: string): Promise<void> {
  let dir = root
  for (const part of path.split('/').slice(0, -1)) {
    dir = `${dir}/${part}`
    const st = await fs.lstat(dir)
    if (st?.isDirectory()) continue
    if (st !== null) await fs.remove(dir)
    await fs.mkdirp(dir)
  }
}
