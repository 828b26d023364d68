import { mapLimit } from '../domain/async.js'
import { InvalidInputError } from '../domain/errors.js'
import { isAttributesPath, planLfsAttributes, type LfsAttributesPlan } from '../domain/lfsAttributes.js'
import { formatLfsPointer, LFS_POINTER_MAX_SIZE, parseLfsPointer, type LfsPointer } from '../domain/lfsPointer.js'
import { changedWhileLogging, guard, type InputFile } from './collectFiles.js'
import { HashOnlyLfsStore } from './hashOnlyLfsStore.js'
import { LfsStore, type LfsProgressCallback, type StagedLfsObject } from './lfsStore.js'
import { hashObject, hasObjects, ObjectWriter } from './objects.js'
import type { GitDir } from './repo.js'
import type { StatCache } from './statCache.js'
import { encodeTree, type TreeEntry, type TreeMode } from './tree.js'

/** A file as it stands in a version's tree. */
export interface SnapshotEntry {
  path: string
  mode: TreeMode
  /** The blob in the tree: for a file in Git LFS, its pointer's. */
  oid: string
  /** The file's size in bytes (for a file in Git LFS, the size its pointer records). */
  size: number
  /** Set when the file is stored in Git LFS. */
  lfs?: LfsPointer
}

/** A version's tree, hashed but not yet written: logging an unchanged tree writes nothing. */
export interface Snapshot {
  tree: string
  entries: SnapshotEntry[]
  /**
   * Write what the tree needs that the repository lacks: staged LFS objects into the
   * store, then the git objects. Returns how many of each were new.
   */
  write(): Promise<{ objects: number; lfsObjects: number }>
  /** Only move staged LFS objects into the store (an unchanged version whose objects had gone missing). */
  writeLfs(): Promise<number>
  /** Remove the temporary files of LFS objects that were not written; always safe to call. */
  discard(): Promise<void>
}

export interface SnapshotOptions {
  /** Bytes of file content kept in memory between hashing and writing (default 256 MiB). */
  memoryBudget?: number
  /** Files of at least this many bytes are stored in Git LFS (default: none by size). */
  largeFileThreshold?: number
  /** Known hashes of large files, so that an unchanged one is not read again. */
  statCache?: StatCache
  onProgress?: LfsProgressCallback
  /** Only hash: stage nothing in the LFS store (a dry run); `write` then must not be called. */
  hashOnly?: boolean
}

const READ_CONCURRENCY = 16
const DEFAULT_BUDGET = 256 * 1024 * 1024
// Node reads at most 2 GiB into one buffer; a plain git object must fit in one.
const MAX_PLAIN_FILE = 2 ** 31 - 1
const MODES: Record<InputFile['kind'], TreeMode> = { file: '100644', executable: '100755', symlink: '120000' }

interface HashedFile extends SnapshotEntry {
  /** Where the content comes from; null for a `.gitattributes` gmr writes itself. */
  input: InputFile | null
  content: Buffer | null
}

/**
 * Hash the files of one version into a tree. Files at or above the threshold, files
 * that already are LFS pointers, and files the version's own `.gitattributes` mark
 * `filter=lfs` become pointers, their bytes staged in the LFS store in the same pass
 * that hashes them; the tree gets the `.gitattributes` lines git-lfs needs. Other
 * contents are kept in memory up to a budget so that writing does not read them twice;
 * beyond it they are read again at write time and checked against the first hash.
 */
export async function snapshotFiles(
  repo: GitDir,
  files: readonly InputFile[],
  options: SnapshotOptions = {},
): Promise<Snapshot> {
  const store = options.hashOnly ? new HashOnlyLfsStore(repo) : new LfsStore(repo)
  const staged: StagedLfsObject[] = []
  try {
    const hashed = await hashFiles(repo, store, files, staged, options)
    const trees = buildTrees(hashed)
    const budget = options.memoryBudget ?? DEFAULT_BUDGET
    return {
      tree: trees[trees.length - 1]!.oid,
      entries: hashed.map(({ path, mode, oid, size, lfs }) => ({ path, mode, oid, size, ...(lfs && { lfs }) })),
      write: async () => {
        const lfsObjects = await store.commit(staged)
        return { objects: await writeSnapshot(repo, hashed, trees, budget), lfsObjects }
      },
      writeLfs: () => store.commit(staged),
      discard: () => store.discard(staged),
    }
  } catch (err) {
    await store.discard(staged)
    throw err
  }
}

function isAttributesFile(input: InputFile): boolean {
  return input.kind !== 'symlink' && isAttributesPath(input.path)
}

async function hashFiles(
  repo: GitDir,
  store: LfsStore,
  files: readonly InputFile[],
  staged: StagedLfsObject[],
  options: SnapshotOptions,
): Promise<HashedFile[]> {
  const threshold = options.largeFileThreshold ?? Infinity
  const isLarge = (f: InputFile) => f.kind !== 'symlink' && f.size > 0 && f.size >= threshold && !isAttributesFile(f)
  const oversized = files.find((f) => !isLarge(f) && f.size > MAX_PLAIN_FILE)
  if (oversized) {
    throw new InvalidInputError(
      `${oversized.source} is ${oversized.size} bytes, too large for a plain git object; lower largeFileThreshold (registry/registry.yaml or --large-file-threshold) so that it goes to Git LFS`,
      { path: oversized.source },
    )
  }
  const small = await hashSmallFiles(repo, files.filter((f) => !isLarge(f)), options.memoryBudget ?? DEFAULT_BUDGET)
  const pointers = new Map<string, LfsPointer>()
  for (const file of small) {
    if (file.input === null || file.input.kind === 'symlink' || isAttributesFile(file.input)) continue
    const pointer = file.content && file.content.length <= LFS_POINTER_MAX_SIZE ? parseLfsPointer(file.content) : null
    if (pointer) pointers.set(file.path, pointer)
  }
  const large = files.filter(isLarge)
  const plan = planLfsAttributes({
    attributes: new Map(small.filter((f) => isAttributesFile(f.input!)).map((f) => [f.path, f.content!.toString('utf8')])),
    required: large.map((f) => f.path),
    pointers: [...pointers.keys()],
    files: files.filter((f) => f.kind !== 'symlink' && !isAttributesFile(f)).map((f) => f.path),
  })

  const out: HashedFile[] = []
  // One large file at a time: hashing is bound to one core, and progress reads in order.
  for (const input of large) out.push(toPointerFile(input, await stageLargeFile(repo, store, input, staged, options)))
  for (const file of small) out.push(await finishSmallFile(repo, store, file, plan, pointers, staged))
  out.push(...newAttributesFiles(plan.additions, files))
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** A small file as the tree holds it: extended `.gitattributes`, a pointer, or as it is. */
async function finishSmallFile(
  repo: GitDir,
  store: LfsStore,
  file: HashedFile,
  plan: LfsAttributesPlan,
  pointers: ReadonlyMap<string, LfsPointer>,
  staged: StagedLfsObject[],
): Promise<HashedFile> {
  const input = file.input!
  if (isAttributesFile(input)) {
    const addition = plan.additions.get(file.path)
    return addition === undefined ? file : withContent(file, Buffer.concat([file.content!, Buffer.from(addition)]))
  }
  if (!plan.lfs.has(file.path)) return file
  const pointer = pointers.get(file.path)
  if (pointer) return toPointerFile(input, pointer)
  // An empty file is its own pointer (the spec says so): it stays an empty blob.
  if (file.size === 0) return file
  const object = await store.stageBytes(file.content ?? (await readInput(repo, input)), input.source)
  staged.push(object)
  return toPointerFile(input, object)
}

/** The `.gitattributes` files the plan adds where the version had none. */
function newAttributesFiles(additions: ReadonlyMap<string, string>, files: readonly InputFile[]): HashedFile[] {
  const byPath = new Map(files.map((f) => [f.path, f]))
  const out: HashedFile[] = []
  for (const [path, text] of additions) {
    const existing = byPath.get(path)
    if (existing === undefined) {
      const content = Buffer.from(text)
      out.push({ path, mode: '100644', oid: hashObject('blob', content), size: content.length, input: null, content })
    } else if (existing.kind === 'symlink') {
      throw new InvalidInputError(
        `${existing.source} is a symlink, which git does not read as .gitattributes, and gmr must add Git LFS entries there; replace it with a regular file`,
        { path: existing.source },
      )
    }
    // A regular file there was extended where it stands.
  }
  return out
}

async function hashSmallFiles(repo: GitDir, files: readonly InputFile[], memoryBudget: number): Promise<HashedFile[]> {
  let budget = memoryBudget
  return mapLimit(files, READ_CONCURRENCY, async (input): Promise<HashedFile> => {
    const content = await readInput(repo, input)
    const oid = hashObject('blob', content)
    // Pointers and .gitattributes are needed again when the tree is planned; both are small.
    const keep = content.length <= budget || content.length <= LFS_POINTER_MAX_SIZE || isAttributesFile(input)
    if (keep) budget -= content.length
    return { path: input.path, mode: MODES[input.kind], oid, size: content.length, input, content: keep ? content : null }
  })
}

async function stageLargeFile(
  repo: GitDir,
  store: LfsStore,
  input: InputFile,
  staged: StagedLfsObject[],
  options: SnapshotOptions,
): Promise<LfsPointer> {
  const cache = options.statCache
  if (cache) {
    const st = await guard(input.source, () => repo.fs.stat(input.source))
    const oid = st && st.size === input.size && st.mtimeMs === input.mtimeMs ? cache.lookup(input.source, st) : null
    if (oid !== null && (await store.has({ oid, size: input.size }))) return { oid, size: input.size }
  }
  const object = await store.stageFile(input.source, {
    expected: input,
    label: input.path,
    ...(options.onProgress && { onProgress: options.onProgress }),
  })
  staged.push(object)
  cache?.record(input.source, object.stat, object.oid, object.verifiedAt)
  return { oid: object.oid, size: object.size }
}

function toPointerFile(input: InputFile, pointer: LfsPointer): HashedFile {
  const content = Buffer.from(formatLfsPointer({ oid: pointer.oid, size: pointer.size }))
  return {
    path: input.path,
    mode: MODES[input.kind],
    oid: hashObject('blob', content),
    size: pointer.size,
    lfs: { oid: pointer.oid, size: pointer.size },
    input,
    content,
  }
}

function withContent(file: HashedFile, content: Buffer): HashedFile {
  return { ...file, oid: hashObject('blob', content), size: content.length, content }
}

async function readInput(repo: GitDir, input: InputFile): Promise<Buffer> {
  if (input.kind === 'symlink') return Buffer.from(input.linkTarget ?? '')
  const content = await guard(input.source, async () => {
    const data = await repo.fs.read(input.source)
    if (data === null) throw new InvalidInputError(`path not found: ${input.source} (removed while logging)`)
    return data
  })
  if (content.length !== input.size) throw changedWhileLogging(input.source)
  return content
}

interface BuiltTree {
  oid: string
  content: Buffer
}

/** Encode every folder bottom-up; the last tree returned is the root. */
function buildTrees(files: readonly SnapshotEntry[]): BuiltTree[] {
  interface Dir {
    entries: TreeEntry[]
    dirs: Map<string, Dir>
  }
  const root: Dir = { entries: [], dirs: new Map() }
  for (const file of files) {
    const parts = file.path.split('/')
    let dir = root
    for (const part of parts.slice(0, -1)) {
      let child = dir.dirs.get(part)
      if (!child) dir.dirs.set(part, (child = { entries: [], dirs: new Map() }))
      dir = child
    }
    dir.entries.push({ mode: file.mode, name: parts[parts.length - 1]!, oid: file.oid })
  }
  const out: BuiltTree[] = []
  const encode = (dir: Dir): string => {
    const entries = [...dir.entries]
    for (const [name, child] of dir.dirs) entries.push({ mode: '40000', name, oid: encode(child) })
    const content = encodeTree(entries)
    const oid = hashObject('tree', content)
    out.push({ oid, content })
    return oid
  }
  encode(root)
  return out
}

async function writeSnapshot(
  repo: GitDir,
  files: readonly HashedFile[],
  trees: readonly BuiltTree[],
  budget: number,
): Promise<number> {
  const writer = new ObjectWriter(repo)
  let written = 0
  let queued = 0
  const reread = files.filter((file) => file.content === null)
  const present = reread.length > 0 ? await hasObjects(repo, reread.map((f) => f.oid)) : new Set<string>()
  for (const file of files) {
    if (file.content === null && present.has(file.oid)) continue
    const content = file.content ?? (await readInput(repo, file.input!))
    if (file.content === null && hashObject('blob', content) !== file.oid) throw changedWhileLogging(file.input!.source)
    writer.add('blob', content)
    queued += content.length
    if (queued >= budget) {
      written += (await writer.flush()).written
      queued = 0
    }
  }
  for (const tree of trees) writer.add('tree', tree.content)
  written += (await writer.flush()).written
  return written
}
