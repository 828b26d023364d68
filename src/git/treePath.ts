import { CorruptObjectError } from '../domain/errors.js'
import { decodeCommit } from './commit.js'
import { readObject } from './objects.js'
import type { GitDir } from './repo.js'
import { decodeTree, type TreeEntry } from './tree.js'

/** The tree a commit points at. */
export async function commitTree(repo: GitDir, commit: string, cache: object = {}): Promise<string> {
  const object = await readObject(repo, commit, { cache })
  if (object.type !== 'commit') throw new CorruptObjectError(`${commit} is a ${object.type}, not a commit`, { oid: commit })
  return decodeCommit(object.content).tree
}

/** The entry at `path` below `tree`, or null when there is none. */
export async function entryAt(repo: GitDir, tree: string, path: string, cache: object = {}): Promise<TreeEntry | null> {
  let entry: TreeEntry = { mode: '40000', name: '', oid: tree }
  for (const part of path.split('/').filter(Boolean)) {
    if (entry.mode !== '40000') return null
    const found = (await readTreeEntries(repo, entry.oid, cache)).find((e) => e.name === part)
    if (!found) return null
    entry = found
  }
  return entry
}

export async function readTreeEntries(repo: GitDir, tree: string, cache: object = {}): Promise<TreeEntry[]> {
  const object = await readObject(repo, tree, { cache })
  if (object.type !== 'tree') throw new CorruptObjectError(`${tree} is a ${object.type}, not a tree`, { oid: tree })
  return decodeTree(object.content)
}

/** The blob text at `path` in `tree`, or null. */
export async function readTextAt(repo: GitDir, tree: string, path: string, cache: object = {}): Promise<string | null> {
  const entry = await entryAt(repo, tree, path, cache)
  if (!entry || entry.mode === '40000') return null
  return (await readObject(repo, entry.oid, { cache })).content.toString('utf8')
}
