import { commitTree } from '../git/treePath.js'
import { lfsToLookUp } from '../domain/registrySnapshot.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { fetchLfsObjects, lfsObjectsOf, type NeededObject } from './support/lfsRemote.js'
import { SnapshotLoader, WORK_TREE } from './support/registryStateLoader.js'
import { remoteInfo } from './support/remotes.js'

export interface FetchProposalLfsOptions extends RepoOptions {
  /** The state the work tree is proposed against (e.g. `origin/main`). */
  base: string
  /** Default: the registry branch's remote, else `origin`. */
  remote?: string
}

export interface FetchProposalLfsResult {
  remote: string
  /** The versions the proposal newly links or aliases, as commits. */
  versions: string[]
  objects: number
  bytes: number
}

/**
 * Download the Git LFS objects of only the versions a proposal newly links or aliases —
 * the ones `gmr check --base` looks up — instead of every version's (`git lfs fetch
 * --all`), so a pull request's CI job moves what the change is about and nothing more.
 */
export async function fetchProposalLfs(options: FetchProposalLfsOptions): Promise<FetchProposalLfsResult> {
  const ctx = await openRegistryContext(options)
  const loader = new SnapshotLoader(ctx.repo)
  const base = await loader.load(await loader.files(await loader.resolve(options.base)))
  const head = await loader.load(await loader.files(WORK_TREE))
  const versions = lfsToLookUp(head, base)
  const remote = await remoteInfo(ctx.repo, ctx.env, options.remote, (await ctx.config()).registryBranch)
  const cache = {}
  const objects = new Map<string, NeededObject>()
  for (const commit of versions) {
    for (const object of await lfsObjectsOf(ctx.repo, await commitTree(ctx.repo, commit, cache), cache)) objects.set(object.oid, object)
  }
  const fetched = objects.size === 0 ? { objects: 0, bytes: 0 } : await fetchLfsObjects(ctx.repo, remote.lfsUrl, ctx.env, [...objects.values()])
  return { remote: remote.name, versions, objects: fetched.objects, bytes: fetched.bytes }
}
