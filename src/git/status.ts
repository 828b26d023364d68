import { decodeCommit } from './commit.js'
import { readGitIndex, type IndexEntry } from './gitIndex.js'
import { hashObject, readObject } from './objects.js'
import { readRef } from './refs.js'
import type { Repo } from './repo.js'
import { listTreeFiles } from './treeWalk.js'

/**
 * Whether tracked files differ from HEAD, staged or not, as `git describe --dirty`
 * judges it; untracked files do not count. Read-only: the index is never rewritten.
 */
export async function isWorkTreeDirty(repo: Repo): Promise<boolean> {
  const head = await readRef(repo, 'HEAD')
  const index = await readGitIndex(repo)
  if (head === null || index === null) return index !== null && index.entries.length > 0
  const cache = {}
  const tree = decodeCommit((await readObject(repo, head, { cache })).content).tree
  const committed = new Map((await listTreeFiles(repo, tree, cache)).map((f) => [f.path, f]))
  if (committed.size !== index.entries.length) return true
  for (const entry of index.entries) {
    const inHead = committed.get(entry.path)
    if (!inHead || entry.stage !== 0 || entry.intentToAdd) return true
    if (inHead.oid !== entry.oid || Number.parseInt(inHead.mode, 8) !== entry.mode) return true
  }
  for (const entry of index.entries) {
    if (await differsFromIndex(repo, entry, index.mtimeMs)) return true
  }
  return false
}

/** git's stat check: equal size and mtime mean unchanged, unless racily clean; then hash. */
async function differsFromIndex(repo: Repo, entry: IndexEntry, indexMtimeMs: number): Promise<boolean> {
  if (entry.skipWorktree || entry.mode === 0o160000) return false
  const path = `${repo.dir}/${entry.path}`
  const st = await repo.fs.lstat(path)
  if (st === null) return true
  if (entry.mode === 0o120000) {
    return !st.isSymbolicLink() || hashObject('blob', Buffer.from(await repo.fs.readlink(path))) !== entry.oid
  }
  if (!st.isFile()) return true
  if (((st.mode & 0o100) !== 0) !== (entry.mode === 0o100755)) return true
  if (st.size !== entry.size) return true
  const mtimeMs = entry.mtimeSeconds * 1000 + entry.mtimeNanoseconds / 1e6
  const racy = mtimeMs >= indexMtimeMs - 1
  if (Math.floor(st.mtimeMs) === Math.floor(mtimeMs) && !racy) return false
  const content = await repo.fs.read(path)
  return content === null || hashObject('blob', content) !== entry.oid
}
