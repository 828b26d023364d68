import { mapLimit } from '../../domain/async.js'
import { CorruptObjectError, InvalidInputError, MissingLfsObjectError, TargetNotEmptyError, UnsafePathError } from '../../domain/errors.js'
import { pathFilter } from '../../domain/glob.js'
import { isAttributesPath, userAttributesText } from '../../domain/lfsAttributes.js'
import { lfsSizeMismatch, type LfsPointer } from '../../domain/lfsPointer.js'
import { symlinkEscapes, unsafePathReason } from '../../domain/safePath.js'
import { dirname, tempPathFor, type FileSystem } from '../../git/fs.js'
import { crashPoint } from '../../git/crashPoint.js'
import { findLfsFiles } from '../../git/lfsFiles.js'
import { hashFile, LfsStore, type CopyOutRequest, type LfsProgressCallback } from '../../git/lfsStore.js'
import { hashObject, readObject } from '../../git/objects.js'
import type { GitDir } from '../../git/repo.js'
import { StatCache } from '../../git/statCache.js'
import { VerifiedLfsRecord } from '../../git/verifiedLfs.js'
import { isAbandonedTemp, sweepTempFiles } from '../../git/tempFiles.js'
import { walkTree, type TreeFile } from '../../git/treeWalk.js'
import { describeChoices } from './catalog.js'
import { describeDeployedFiles, type DeployedFile } from './deployedFiles.js'
import type { VersionFile } from './versionFiles.js'


interface PlannedFile extends DeployedFile {
  /** Symlink target, read up front so every link can be checked before anything is written. */
  linkTarget?: string
}

type FileState = 'missing' | 'same' | 'different'

/** What writing needs besides the repository: the LFS store and what is known of files on disk. */
interface Writer {
  repo: GitDir
  store: LfsStore
  statCache: StatCache
  /** LFS objects of the store known good: copied without hashing while their files are as recorded. */
  verified: VerifiedLfsRecord
  cache: object
  onProgress: LfsProgressCallback | undefined
  /** How the version is named in errors (`churn:v3`). */
  label: string
  /** What to do about a missing LFS object, for its error message. */
  missingHint: string
  fetchLfs: LfsFetcher | undefined
}

export interface MaterialiseOptions {
  /** Where the version's objects are: a repository, or a bare cache of a remote. */
  repo: GitDir
  /** The version's tree. */
  tree: string
  /** How errors name the version (`churn:v3`). */
  label: string
  /** The folder to write, absolute. */
  target: string
  include?: readonly string[]
  force?: boolean
  onProgress?: LfsProgressCallback
  /** What to do about a missing LFS object (default: fetch it with git lfs fetch). */
  missingHint?: string
  /** Fetch LFS objects the store lacks (from a remote) before giving up on them. */
  fetchLfs?: LfsFetcher
  /** Also list the files with their SHA-256 (`download --json`). */
  listFiles?: boolean
}

/** Brings missing LFS objects into the store; `path` names the file each is for. */
export type LfsFetcher = (objects: ReadonlyArray<LfsPointer & { path: string }>) => Promise<void>

export interface MaterialiseResult {
  dir: string
  files: number
  written: number
  unchanged: number
  /** With `listFiles`: the files written or checked, with their SHA-256. */
  fileList?: VersionFile[]
}

/** The files downloading the version with tree `tree` writes, checked as a download checks them, without writing. */
export function deployedFiles(repo: GitDir, tree: string, label: string): Promise<DeployedFile[]> {
  return planFiles(repo, tree, label, [])
}

const IO_CONCURRENCY = 16

/** Write the files of the version with tree `tree` into `target` (the step `download` and remote downloads share). */
export async function materialiseVersion(options: MaterialiseOptions): Promise<MaterialiseResult> {
  const files = await planFiles(options.repo, options.tree, options.label, options.include ?? [])
  const writer: Writer = {
    repo: options.repo,
    store: new LfsStore(options.repo),
    statCache: await StatCache.open(options.repo),
    verified: await VerifiedLfsRecord.open(options.repo),
    cache: {},
    onProgress: options.onProgress,
    label: options.label,
    missingHint: options.missingHint ?? 'fetch it ("git lfs fetch") and download again',
    fetchLfs: options.fetchLfs,
  }
  try {
    const result = await materialise(writer, files, options.target, options.force ?? false)
    const fileList = options.listFiles ? await describeDeployedFiles(options.repo, files) : undefined
    return { dir: options.target, files: files.length, ...result, ...(fileList && { fileList }) }
  } finally {
    await writer.statCache.save()
    await writer.verified.save()
  }
}



async function planFiles(repo: GitDir, tree: string, label: string, include: readonly string[]): Promise<PlannedFile[]> {
  const cache = {}
  const walked = await walkTree(repo, tree, cache)
  const all: PlannedFile[] = walked.files
  const [shape] = walked.problems
  if (shape !== undefined) {
    throw new UnsafePathError(
      `refusing to download ${label}: at "${shape.path}" ${shape.reason}, which git never writes (git fsck --strict: ${shape.rule}); the version was crafted or damaged`,
      { path: shape.path, rule: shape.rule },
    )
  }
  for (const file of all) {
    const reason = unsafePathReason(file.path)
    if (reason !== null) {
      throw new UnsafePathError(
        `refusing to download ${label}: the version holds the path "${file.path}" and ${reason}`,
        { path: file.path },
      )
    }
    if (file.mode === '160000') {
      throw new UnsafePathError(
        `refusing to download ${label}: "${file.path}" is a submodule link, which a version cannot hold`,
        { path: file.path },
      )
    }
    if (file.mode === '120000') file.linkTarget = (await readObject(repo, file.oid, { cache })).content.toString('utf8')
  }
  const links = new Map(all.filter((f) => f.linkTarget !== undefined).map((f) => [f.path, f.linkTarget!]))
  for (const [path, target] of links) {
    if (symlinkEscapes(path, target, links)) {
      throw new UnsafePathError(
        `refusing to download ${label}: symlink "${path}" -> "${target}" points outside the target folder`,
        { path, target },
      )
    }
  }
  const wanted = pathFilter(include)
  const chosen = all.filter((file) => wanted(file.path))
  if (chosen.length === 0 && include.length > 0) {
    throw new InvalidInputError(
      `no file of ${label} matches --include ${include.join(' ')}; ${describeChoices(all.map((f) => f.path), 'files')}`,
    )
  }
  // Whether a file is in LFS depends on the whole version's .gitattributes, not just the chosen files.
  const { pointers, malformed } = await findLfsFiles(repo, all, cache)
  const [bad] = malformed
  if (bad !== undefined) {
    throw new CorruptObjectError(
      `refusing to download ${label}: ${bad[0]} is stored in Git LFS but its pointer is malformed (${bad[1]}); log the version again from its files`,
      { path: bad[0] },
    )
  }
  for (const file of chosen) {
    const pointer = pointers.get(file.path)
    if (pointer) file.pointer = pointer
  }
  return withoutGmrAttributes(repo, all, chosen, [...pointers.keys()], cache)
}

/**
 * The model's files only: the `.gitattributes` lines gmr adds for Git LFS stay in the
 * version's tree (plain git needs them) but are not deployed; a `.gitattributes` the user
 * logged is written as they logged it, and one gmr wrote on its own is not written at all.
 */
async function withoutGmrAttributes(
  repo: GitDir,
  all: readonly TreeFile[],
  chosen: PlannedFile[],
  lfsPaths: readonly string[],
  cache: object,
): Promise<PlannedFile[]> {
  const isAttributes = (file: TreeFile) => (file.mode === '100644' || file.mode === '100755') && isAttributesPath(file.path)
  const attributeFiles = all.filter(isAttributes).map((f) => f.path)
  const out: PlannedFile[] = []
  for (const file of chosen) {
    if (isAttributes(file)) {
      const text = (await readObject(repo, file.oid, { cache })).content.toString('utf8')
      const user = userAttributesText(file.path, text, lfsPaths, attributeFiles)
      if (user === null) continue
      if (user !== text) {
        file.content = Buffer.from(user)
        file.oid = hashObject('blob', file.content)
      }
    }
    out.push(file)
  }
  return out
}

async function materialise(
  writer: Writer,
  files: readonly PlannedFile[],
  target: string,
  force: boolean,
): Promise<{ written: number; unchanged: number }> {
  const { fs } = writer.repo
  // A killed download's staging folder beside the target: nobody will finish it.
  await sweepTempFiles(fs, dirname(target), `${target.slice(dirname(target).length + 1)}.tmp-`)
  const st = await fs.stat(target)
  if (st === null) {
    await assertLfsObjects(writer, files)
    // All or nothing: fill a sibling folder, then rename it into place.
    const staging = tempPathFor(target)
    const started = Date.now()
    try {
      await fs.mkdirp(staging)
      await writeFiles(writer, staging, files)
      crashPoint('download-staged')
      await fs.rename(staging, target)
    } catch (err) {
      await fs.removeTree(staging)
      throw err
    }
    await recordWritten(writer, target, files, started)
    return { written: files.length, unchanged: 0 }
  }
  if (!st.isDirectory()) {
    throw new TargetNotEmptyError(`${target} exists and is not a folder; choose another --to`, { dir: target })
  }
  const existing = await listExisting(fs, target)
  const states = await mapFiles(files, (file) => compareFile(writer, target, file))
  if (!force) {
    const wanted = new Set(files.map((f) => f.path))
    const extra = existing.find((path) => !wanted.has(path))
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
  await assertLfsObjects(writer, toWrite)
  const started = Date.now()
  await writeFiles(writer, target, toWrite)
  await recordWritten(writer, target, toWrite, started)
  return { written: toWrite.length, unchanged: files.length - toWrite.length }
}

/**
 * Run `fn` over the files, keeping input order: ordinary files several at a time, LFS
 * files one at a time, since each streams a large file through its own buffers.
 */
async function mapFiles<R>(files: readonly PlannedFile[], fn: (file: PlannedFile) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(files.length)
  const indexed = files.map((file, index) => ({ file, index }))
  await mapLimit(
    indexed.filter(({ file }) => file.pointer === undefined),
    IO_CONCURRENCY,
    async ({ file, index }) => void (results[index] = await fn(file)),
  )
  for (const { file, index } of indexed) if (file.pointer !== undefined) results[index] = await fn(file)
  return results
}

/**
 * LFS files go first, into temporary files beside their places, and are renamed in only
 * after every other file is written: a corrupt object stops the download before anything
 * in the folder changed.
 */
async function writeFiles(writer: Writer, root: string, files: readonly PlannedFile[]): Promise<void> {
  const { fs } = writer.repo
  const staged: Array<{ temp: string; path: string }> = []
  const created: string[] = []
  try {
    const copies: CopyOutRequest[] = []
    for (const file of files) {
      if (!file.pointer) continue
      created.push(...(await ensureRealDirs(fs, root, file.path)))
      const path = `${root}/${file.path}`
      const temp = tempPathFor(path)
      staged.push({ temp, path })
      copies.push({ pointer: file.pointer, dest: temp, label: file.path, mode: fileMode(file) })
    }
    await writer.store.copyOutEach(copies, { verified: writer.verified, ...(writer.onProgress && { onProgress: writer.onProgress }) })
    crashPoint('download-lfs-staged')
    await mapLimit(files.filter((file) => !file.pointer), IO_CONCURRENCY, (file) => writeFile(writer, root, file))
    for (const { temp, path } of staged) {
      if ((await fs.lstat(path))?.isDirectory()) await fs.removeTree(path)
      await fs.rename(temp, path)
    }
  } catch (err) {
    for (const { temp } of staged) await fs.remove(temp)
    for (const dir of created.reverse()) await fs.removeEmptyDir(dir)
    throw err
  }
}

function fileMode(file: PlannedFile): number {
  return file.mode === '100755' ? 0o755 : 0o644
}

/**
 * Every LFS object the files need must be in the store before the first byte is
 * written; missing ones are fetched first when a fetcher is given.
 */
async function assertLfsObjects(writer: Writer, files: readonly PlannedFile[]): Promise<void> {
  const lacking = async () => {
    const out: PlannedFile[] = []
    for (const file of files) if (file.pointer && !(await writer.store.has(file.pointer))) out.push(file)
    return out
  }
  let missing = await lacking()
  if (missing.length > 0 && writer.fetchLfs) {
    await writer.fetchLfs(missing.map((file) => ({ ...file.pointer!, path: file.path })))
    // The fetch recorded the objects it wrote as known good.
    await writer.verified.reload()
    missing = await lacking()
  }
  if (missing.length === 0) return
  const first = missing[0]!
  const stored = await writer.store.storedSize(first.pointer!.oid)
  if (stored !== null) {
    throw new CorruptObjectError(`cannot download ${writer.label}: ${lfsSizeMismatch(first.path, first.pointer!, stored)}; log the version again from its files`, {
      path: first.path,
      oid: first.pointer!.oid,
      declared: first.pointer!.size,
      stored,
    })
  }
  const more = missing.length > 1 ? ` and ${missing.length - 1} more` : ''
  throw new MissingLfsObjectError(
    `cannot download ${writer.label}: the Git LFS object of ${first.path} (${first.pointer!.oid})${more} is not in ${writer.store.root}/objects; ${writer.missingHint}`,
    { path: first.path, oid: first.pointer!.oid, missing: missing.length },
  )
}

/** Remember the hashes of the LFS files just written, so that the next download need not read them. */
async function recordWritten(writer: Writer, root: string, files: readonly PlannedFile[], started: number): Promise<void> {
  for (const file of files) {
    if (!file.pointer) continue
    const path = `${root}/${file.path}`
    const st = await writer.repo.fs.stat(path)
    if (st?.isFile()) writer.statCache.record(path, st, file.pointer.oid, started)
  }
}

async function compareFile(writer: Writer, root: string, file: PlannedFile): Promise<FileState> {
  const { fs } = writer.repo
  const path = `${root}/${file.path}`
  const st = await fs.lstat(path)
  if (st === null) return 'missing'
  if (file.linkTarget !== undefined) {
    return st.isSymbolicLink() && (await fs.readlink(path)) === file.linkTarget ? 'same' : 'different'
  }
  if (!st.isFile() || (file.mode === '100755') !== ((st.mode & 0o100) !== 0)) return 'different'
  if (file.pointer) return compareLfsFile(writer, path, st.size, file)
  const content = await fs.read(path)
  return content !== null && hashObject('blob', content) === file.oid ? 'same' : 'different'
}

/** Size first, then the stat cache, and only then the bytes. */
async function compareLfsFile(writer: Writer, path: string, size: number, file: PlannedFile): Promise<FileState> {
  const pointer = file.pointer!
  if (size !== pointer.size) return 'different'
  const st = await writer.repo.fs.stat(path)
  const known = st && writer.statCache.lookup(path, st)
  if (known) return known === pointer.oid ? 'same' : 'different'
  const hashed = await hashFile(writer.repo, path, {
    label: file.path,
    ...(writer.onProgress && { onProgress: writer.onProgress }),
  })
  if (hashed.stat) writer.statCache.record(path, hashed.stat, hashed.pointer.oid, hashed.verifiedAt)
  return hashed.pointer.oid === pointer.oid && hashed.pointer.size === pointer.size ? 'same' : 'different'
}

/** Files and links below `root` (not folders), as relative paths; a killed download's temporary files are removed, not listed. */
async function listExisting(fs: FileSystem, root: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const name of (await fs.readdir(prefix === '' ? root : `${root}/${prefix}`)) ?? []) {
    const path = prefix === '' ? name : `${prefix}/${name}`
    if (isAbandonedTemp(name)) {
      await fs.removeTree(`${root}/${path}`)
      continue
    }
    const st = await fs.lstat(`${root}/${path}`)
    if (st?.isDirectory()) out.push(...(await listExisting(fs, root, path)))
    else out.push(path)
  }
  return out
}

async function writeFile(writer: Writer, root: string, file: PlannedFile): Promise<void> {
  const { fs } = writer.repo
  await ensureRealDirs(fs, root, file.path)
  const path = `${root}/${file.path}`
  const existing = await fs.lstat(path)
  if (existing?.isDirectory()) await fs.removeTree(path)
  if (file.linkTarget !== undefined) {
    await fs.remove(path)
    await fs.symlink(file.linkTarget, path)
    return
  }
  const content = file.content ?? (await readObject(writer.repo, file.oid, { cache: writer.cache })).content
  // Write beside and rename: never write through a link that happens to sit at `path`.
  const temp = tempPathFor(path)
  try {
    await fs.write(temp, content, fileMode(file))
    await fs.chmod(temp, fileMode(file))
    await fs.rename(temp, path)
  } catch (err) {
    await fs.remove(temp)
    throw err
  }
}

/** Make each folder on the way to `path` a real folder inside `root`, replacing links or files there. */
async function ensureRealDirs(fs: FileSystem, root: string, path: string): Promise<string[]> {
  const created: string[] = []
  let dir = root
  for (const part of path.split('/').slice(0, -1)) {
    dir = `${dir}/${part}`
    const st = await fs.lstat(dir)
    if (st?.isDirectory()) continue
    if (st !== null) await fs.remove(dir)
    await fs.mkdirp(dir)
    created.push(dir)
  }
  return created
}
