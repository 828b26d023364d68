import { ALIAS_REF_PREFIX, artifactRef } from '../domain/layout.js'
import { readRef } from '../git/refs.js'
import type { Repo } from '../git/repo.js'
import { openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import { unpushedAliasRefs } from './support/ledgerSync.js'
import { ancestry, hasCommit, movesTo, refsAfterFetch, versionsNotIn, type PlannedRefChange } from './support/remotePlan.js'
import { fetchRegistryRefs, remoteInfo, type RemoteInfo } from './support/remotes.js'
import { artifactNames, integrateArtifacts, type ArtifactSync, type BranchRelation } from './support/replayVersions.js'
import { retiredNotPushed } from './support/retiredRemote.js'

export interface FetchOptions extends RepoOptions {
  remote?: string
  onProgress?: (line: string) => void
}

export interface FetchResult {
  remote: string
  artifacts: ArtifactSync[]
}

/** What a fetch would do, from the remote's listing; nothing fetched, nothing written. */
export interface FetchPlan {
  remote: string
  /** Refs that would be created or move here: remote-tracking refs, alias refs, artifact branches fast-forwarded or created. */
  refs: PlannedRefChange[]
  artifacts: PlannedArtifactSync[]
}

/** What would happen to one artifact branch. */
export interface PlannedArtifactSync {
  artifact: string
  relation: BranchRelation
  localTip: string | null
  remoteTip: string | null
  /** Diverged: the local versions the remote lacks, which a pull would replay after the remote's (fewer when the remote has the same files). */
  localOnly: number
}

/**
 * Fetch the registry from a remote with git: its branches (registry branch, artifact
 * branches) into `refs/remotes/<remote>/`, its alias refs into `refs/aliases/`. Local
 * artifact branches are created or fast-forwarded; one that has diverged is left for
 * `gmr pull`. The work tree is not touched, and LFS objects come later, when needed.
 */
export async function fetchRegistry(options: FetchOptions): Promise<FetchResult> {
  const ctx = await openRegistryContext(options)
  const { registryBranch } = await ctx.config()
  const remote = await remoteInfo(ctx.repo, ctx.env, options.remote, registryBranch)
  await fetchRegistryRefs(ctx, remote, options.onProgress)
  return { remote: remote.name, artifacts: await integrateArtifacts(ctx, remote, { replay: false }) }
}

/**
 * `gmr fetch --dry-run`: the remote listed (`git ls-remote`), mapped through gmr's
 * refspecs; what would move, and what would become of each artifact branch, like
 * `git fetch --dry-run` but without downloading anything.
 */
export async function planFetch(options: FetchOptions): Promise<FetchPlan> {
  const ctx = await openRegistryContext(options)
  const { registryBranch } = await ctx.config()
  const { after: _listed, ...plan } = await planFetchIn(ctx, await remoteInfo(ctx.repo, ctx.env, options.remote, registryBranch))
  return plan
}

/** The fetch plan, and every ref the fetch would write with its value. */
export async function planFetchIn(ctx: RegistryContext, remote: RemoteInfo): Promise<FetchPlan & { after: Map<string, string> }> {
  const { repo } = ctx
  const after = await refsAfterFetch(repo, remote)
  const refs = await withoutKeptAliasMoves(repo, remote, after, await movesTo(repo, after))
  const retired = await retiredNotPushed(repo, remote)
  const trackedPrefix = `${remote.trackingPrefix}artifacts/`
  const listed = [...after.keys()].filter((r) => r.startsWith(trackedPrefix)).map((r) => r.slice(trackedPrefix.length))
  const names = [...new Set([...(await artifactNames(repo, remote)), ...listed])].sort().filter((name) => !retired.has(name))
  const artifacts: PlannedArtifactSync[] = []
  for (const artifact of names) {
    const trackedRef = `${trackedPrefix}${artifact}`
    const [localTip, tracked] = [await readRef(repo, artifactRef(artifact)), await readRef(repo, trackedRef)]
    const remoteTip = after.get(trackedRef) ?? tracked
    const relation = await predictRelation(repo, localTip, remoteTip, tracked)
    if (relation === 'new-remote' || relation === 'behind') refs.push({ ref: artifactRef(artifact), old: localTip, new: remoteTip! })
    const known = remoteTip !== null && (await hasCommit(repo, remoteTip)) ? remoteTip : tracked
    const localOnly = relation === 'diverged' ? (await versionsNotIn(repo, ctx.env, artifact, localTip!, known)).length : 0
    artifacts.push({ artifact, relation, localTip, remoteTip, localOnly })
  }
  return { remote: remote.name, refs, artifacts, after }
}

/**
 * The planned moves, less those of alias refs the fetch will leave alone: moved here and
 * not pushed, while the remote still has the value last fetched. (One the remote moved
 * too goes whichever way the two ledgers' later record says, which the listing cannot tell.)
 */
async function withoutKeptAliasMoves(repo: Repo, remote: RemoteInfo, after: ReadonlyMap<string, string>, moves: PlannedRefChange[]): Promise<PlannedRefChange[]> {
  const unpushed = await unpushedAliasRefs(repo, remote)
  if (unpushed.size === 0) return moves
  const kept = new Set<string>()
  for (const ref of unpushed) {
    const tracked = `${remote.trackingPrefix}aliases/${ref.slice(ALIAS_REF_PREFIX.length)}`
    if ((after.get(tracked) ?? null) === (await readRef(repo, tracked))) kept.add(ref)
  }
  return moves.filter((move) => !kept.has(move.ref))
}

/**
 * Where a local tip stands against the remote's, as integrateArtifact would find after the
 * fetch. A remote tip this clone lacks holds commits it has not seen: the branch is behind
 * when it holds nothing past the last fetch, else the two diverged.
 */
async function predictRelation(repo: Repo, local: string | null, remote: string | null, tracked: string | null): Promise<BranchRelation> {
  if (remote === null) return local === null ? 'same' : 'local-only'
  if (local === null) return 'new-remote'
  if (local === remote) return 'same'
  return ancestry(repo, local, remote, tracked)
}
