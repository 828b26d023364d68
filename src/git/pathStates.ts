import { readGitIndex } from './gitIndex.js'
import { hashObject } from './objects.js'
import type { Repo } from './repo.js'
import { commitTree, entryAt } from './treePath.js'

/** The index's entry for a path that is in conflict (it has stages 1–3, no stage 0). */
const UNMERGED = 'unmerged'

/**
 * One path as git sees it three ways: the blob id in HEAD's commit, in the index, and
 * of the file in the work tree (null where it is absent; the index value is
 * `UNMERGED` for a conflicted path).
 */
export interface PathState {
  path: string
  head: string | null
  index: string | null
  worktree: string | null
}

/** The three states of each path, `commit` standing for HEAD (null: no commit yet). */
export async function readPathStates(repo: Repo, commit: string | null, paths: readonly string[]): Promise<PathState[]> {
  const cache = {}
  const tree = commit === null ? null : await commitTree(repo, commit, cache)
  const index = await readGitIndex(repo)
  const inIndex = new Map<string, string>()
  for (const entry of index?.entries ?? []) {
    if (entry.stage === 0) inIndex.set(entry.path, entry.oid)
    else if (!inIndex.has(entry.path)) inIndex.set(entry.path, UNMERGED)
  }
  return Promise.all(
    paths.map(async (path) => {
      const entry = tree === null ? null : await entryAt(repo, tree, path, cache)
      return {
        path,
        head: entry === null || entry.mode === '40000' ? null : entry.oid,
        index: inIndex.get(path) ?? null,
        worktree: await workTreeBlob(repo, path),
      }
    }),
  )
}

/** The blob id git would give the work-tree file at `path`, or null when there is none. */
async function workTreeBlob(repo: Repo, path: string): Promise<string | null> {
  const full = `${repo.dir}/${path}`
  const st = await repo.fs.lstat(full)
  if (st === null || st.isDirectory()) return null
  const content = st.isSymbolicLink() ? Buffer.from(await repo.fs.readlink(full)) : await repo.fs.read(full)
  return content === null ? null : hashObject('blob', content)
}
