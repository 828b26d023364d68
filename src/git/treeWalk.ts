import { CorruptObjectError } from '../domain/errors.js'
import { readObject } from './objects.js'
import type { GitDir } from './repo.js'
import { decodeTree, type TreeMode } from './tree.js'

/** A file (or symlink, or submodule entry) in a tree, by its full path. */
export interface TreeFile {
  path: string
  mode: TreeMode
  oid: string
}

/**
 * Every non-tree entry below `tree`, depth first, in git's order.
 */
export async function listTreeFiles(
  repo: GitDir,
  tree: string,
  cache: object = {},
): Promise<TreeFile[]> {
  const out: TreeFile[] = []
  const visit = async (oid: string, prefix: string): Promise<void> => {
    const object = await readObject(repo, oid, { cache })
    if (object.type !== 'tree') {
      throw new CorruptObjectError(`${oid} should be a tree but is a ${object.type}`, { oid })
    }
    for (const entry of decodeTree(object.content)) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`
      if (entry.mode === '40000') await visit(entry.oid, path)
      else out.push({ path, mode: entry.mode, oid: entry.oid })
    }
  }
  await visit(tree, '')
  return out
}
