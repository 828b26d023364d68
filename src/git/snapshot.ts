import { mapLimit } from '../domain/async.js'
import { InvalidInputError } from '../domain/errors.js'
import { guard, type InputFile } from './collectFiles.js'
import { hashObject, hasObjects, ObjectWriter } from './objects.js'
import type { GitDir } from './repo.js'
import { encodeTree, type TreeEntry, type TreeMode } from './tree.js'

/** A file as it stands in a version's tree. */
export interface SnapshotEntry {
  path: string
  mode: TreeMode
  oid: string
  size: number
}

/** A version's tree, hashed but not yet written: logging an unchanged tree writes nothing. */
export interface Snapshot {
  tree: string
  entries: SnapshotEntry[]
  /** Write every object the tree needs that the store lacks; returns how many were written. */
  write(): Promise<number>
}

export interface SnapshotOptions {
  /** Bytes of file content kept in memory between hashing and writing (default 256 MiB). */
  memoryBudget?: number
}

const READ_CONCURRENCY = 16
const DEFAULT_BUDGET = 256 * 1024 * 1024
const MODES: Record<InputFile['kind'], TreeMode> = { file: '100644', executable: '100755', symlink: '120000' }

interface HashedFile extends SnapshotEntry {
  input: InputFile
  content: Buffer | null
}

/**
 * Hash the files of one version into a tree. Contents are kept in memory up to a
 * budget so that writing does not read them twice; beyond it they are read again
 * at write time and checked against the hash taken first.
 */
export async function snapshotFiles(
  repo: GitDir,
  files: readonly InputFile[],
  options: SnapshotOptions = {},
): Promise<Snapshot> {
  let budget = options.memoryBudget ?? DEFAULT_BUDGET
  const hashed = await mapLimit(files, READ_CONCURRENCY, async (input): Promise<HashedFile> => {
    const content = await readInput(repo, input)
    const oid = hashObject('blob', content)
    const keep = content.length <= budget
    if (keep) budget -= content.length
    return { path: input.path, mode: MODES[input.kind], oid, size: content.length, input, content: keep ? content : null }
  })
  const trees = buildTrees(hashed)
  const root = trees[trees.length - 1]!
  return {
    tree: root.oid,
    entries: hashed.map(({ path, mode, oid, size }) => ({ path, mode, oid, size })),
    write: () => writeSnapshot(repo, hashed, trees, options.memoryBudget ?? DEFAULT_BUDGET),
  }
}

async function readInput(repo: GitDir, input: InputFile): Promise<Buffer> {
  if (input.kind === 'symlink') return Buffer.from(input.linkTarget ?? '')
  const content = await guard(input.source, async () => {
    const data = await repo.fs.read(input.source)
    if (data === null) throw new InvalidInputError(`path not found: ${input.source} (removed while logging)`)
    return data
  })
  if (content.length !== input.size) throw changedWhileLogging(input)
  return content
}

function changedWhileLogging(input: InputFile): InvalidInputError {
  return new InvalidInputError(
    `${input.source} changed while it was being logged; wait until it is written completely and log again`,
    { path: input.source },
  )
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
    const content = file.content ?? (await readInput(repo, file.input))
    if (file.content === null && hashObject('blob', content) !== file.oid) throw changedWhileLogging(file.input)
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
