import { readGitIndex, type GitIndex } from './gitIndex.js'
import { hashObject } from './objects.js'
import type { Repo } from './repo.js'
import { commitTree } from './treePath.js'
import { listTreeFiles, treeLookup } from './treeWalk.js'

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
  const lookup = commit === null ? null : treeLookup(repo, await commitTree(repo, commit, cache), cache)
  const inIndex = indexBlobs(await readGitIndex(repo))
  return Promise.all(
    paths.map(async (path) => {
      const entry = lookup === null ? null : await lookup(path)
      return {
        path,
        head: entry === null || entry.mode === '40000' ? null : entry.oid,
        index: inIndex.get(path) ?? null,
        worktree: await workTreeBlob(repo, path),
      }
    }),
  )
}

/**
 * The paths below `folder` whose index entry is not the blob `commit` has there (staged,
 * conflicted, added or removed in the index), with their three states. One walk of the
 * commit's folder and one read of the index; only these paths' work-tree files are read.
 */
export async function stagedPathStates(repo: Repo, commit: string | null, folder: string): Promise<PathState[]> {
  const cache = {}
  const prefix = `${folder}/`
  const inHead = new Map<string, string>()
  if (commit !== null) {
    const dir = await treeLookup(repo, await commitTree(repo, commit, cache), cache)(folder)
    if (dir?.mode === '40000') for (const file of await listTreeFiles(repo, dir.oid, cache)) inHead.set(prefix + file.path, file.oid)
  }
  const inIndex = indexBlobs(await readGitIndex(repo), prefix)
  const paths = new Set<string>()
  for (const [path, oid] of inHead) if (inIndex.get(path) !== oid) paths.add(path)
  for (const path of inIndex.keys()) if (!inHead.has(path)) paths.add(path)
  return Promise.all(
    [...paths].map(async (path) => ({
      path,
      head: inHead.get(path) ?? null,
      index: inIndex.get(path) ?? null,
      worktree: await workTreeBlob(repo, path),
    })),
  )
}

/** Each path's stage-0 blob in the index (`UNMERGED` for a conflict), only those under `prefix` when given. */
function indexBlobs(index: GitIndex | null, prefix = ''): Map<string, string> {
  const blobs = new Map<string, string>()
  for (const entry of index?.entries ?? []) {
    if (!entry.path.startsWith(prefix)) continue
    if (entry.stage === 0) blobs.set(entry.path, entry.oid)
    else if (!blobs.has(entry.path)) blobs.set(entry.path, UNMERGED)
  }
  return blobs
}

/** The blob id git would give the work-tree file at `path`, or null when there is none. */
async function workTreeBlob(repo: Repo, path: string): Promise<string | null> {
  const full = `${repo.dir}/${path}`
  const st = await repo.fs.lstat(full)
  if (st === null || st.isDirectory()) return null
  const content = st.isSymbolicLink() ? Buffer.from(await repo.fs.readlink(full)) : await repo.fs.read(full)
  return content === null ? null : hashObject('blob', content)
}
