import { CorruptObjectError } from '../domain/errors.js'
import { treeEntryProblems, type TreeEntryProblem } from '../domain/treeShape.js'
import { readObject, type ReadObjectResult } from './objects.js'
import type { GitDir } from './repo.js'
import { decodeTree, type TreeEntry, type TreeMode } from './tree.js'

/** A file (or symlink, or submodule entry) in a tree, by its full path. */
export interface TreeFile {
  path: string
  mode: TreeMode
  oid: string
}

/**
 * Every non-tree entry below `tree`, depth first, in git's order. `read` reads one
 * object (default: readObject); a reader that also verifies each object can stand in.
 */
export async function listTreeFiles(
  repo: GitDir,
  tree: string,
  cache: object = {},
  read: (oid: string) => Promise<ReadObjectResult> = (oid) => readObject(repo, oid, { cache }),
): Promise<TreeFile[]> {
  return (await walkTree(repo, tree, cache, read)).files
}

/** The files below `tree`, and the entries git fsck --strict would flag (a `/` in a name, duplicate names). */
export async function walkTree(
  repo: GitDir,
  tree: string,
  cache: object = {},
  read: (oid: string) => Promise<ReadObjectResult> = (oid) => readObject(repo, oid, { cache }),
): Promise<{ files: TreeFile[]; problems: TreeEntryProblem[] }> {
  const files: TreeFile[] = []
  const problems: TreeEntryProblem[] = []
  const visit = async (oid: string, prefix: string): Promise<void> => {
    const object = await read(oid)
    if (object.type !== 'tree') {
      throw new CorruptObjectError(`${oid} should be a tree but is a ${object.type}`, { oid })
    }
    const entries = decodeTree(object.content)
    problems.push(...treeEntryProblems(prefix, entries.map((e) => e.name)))
    for (const entry of entries) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`
      if (entry.mode === '40000') await visit(entry.oid, path)
      else files.push({ path, mode: entry.mode, oid: entry.oid })
    }
  }
  await visit(tree, '')
  return { files, problems }
}

/**
 * Looks up paths below one tree, reading and decoding each folder once however many
 * paths share it (a thousand manifests in one folder: one decode, not a thousand).
 */
export function treeLookup(
  repo: GitDir,
  tree: string,
  cache: object = {},
): (path: string) => Promise<TreeEntry | null> {
  const folders = new Map<string, Promise<Map<string, TreeEntry>>>()
  const folder = (oid: string): Promise<Map<string, TreeEntry>> => {
    let entries = folders.get(oid)
    if (!entries) {
      entries = readObject(repo, oid, { cache }).then((object) => {
        if (object.type !== 'tree') throw new CorruptObjectError(`${oid} should be a tree but is a ${object.type}`, { oid })
        return new Map(decodeTree(object.content).map((e) => [e.name, e]))
      })
      folders.set(oid, entries)
    }
    return entries
  }
  return async (path) => {
    let entry: TreeEntry = { mode: '40000', name: '', oid: tree }
    for (const part of path.split('/').filter(Boolean)) {
      if (entry.mode !== '40000') return null
      const found = (await folder(entry.oid)).get(part)
      if (!found) return null
      entry = found
    }
    return entry
  }
}
