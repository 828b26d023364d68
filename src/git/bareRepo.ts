import { ARTIFACT_BRANCH_PREFIX, REGISTRY_DIR, REGISTRY_FILE } from '../domain/layout.js'
import type { FileSystem } from './fs.js'
import { listRefs, readRef, readSymbolicRef } from './refs.js'
import type { GitDir, Repo } from './repo.js'
import { TreeOverlayFs } from './treeFs.js'
import { commitTree, readTextAt } from './treePath.js'
import { parseRegistryConfig } from '../domain/registryConfig.js'

/**
 * A bare repository (a server, a mirror) opened for reading: its `registry/` is the
 * registry branch's, read from the object store; refs are read as anywhere. Writing a
 * manifest fails with a line that says why.
 */
export async function openBareRepo(fs: FileSystem, gitdir: string): Promise<Repo> {
  const objects: GitDir = { fs, gitdir }
  const refusal = `${gitdir} is a bare repository: there is no work tree to edit manifests in; run write commands in a clone of it ("git clone ${gitdir}")`
  const overlay = new TreeOverlayFs(fs, gitdir, REGISTRY_DIR, objects, await registryTree(objects), refusal)
  return { fs: overlay, dir: gitdir, gitdir, bare: true }
}

/**
 * The tree of the registry branch: the branch registry.yaml names, found on HEAD or,
 * when HEAD has no registry (a server whose default branch is another), on the first
 * other branch that has one. Null when no branch is a registry.
 */
async function registryTree(repo: GitDir): Promise<string | null> {
  const head = await readSymbolicRef(repo, 'HEAD')
  const branches = [...(await listRefs(repo, 'refs/heads/')).entries()].filter(([ref]) => !ref.startsWith(ARTIFACT_BRANCH_PREFIX))
  branches.sort(([a], [b]) => Number(b === head) - Number(a === head))
  for (const [, commit] of branches) {
    const tree = await commitTree(repo, commit)
    const text = await readTextAt(repo, tree, REGISTRY_FILE)
    if (text === null) continue
    const branch = (() => {
      try {
        return parseRegistryConfig(text).registryBranch
      } catch {
        return null
      }
    })()
    const tip = branch === null ? null : await readRef(repo, `refs/heads/${branch}`).catch(() => null)
    return tip === null ? tree : commitTree(repo, tip)
  }
  return null
}
