import { ARTIFACT_BRANCH_PREFIX } from '../domain/layout.js'
import { listRefs } from '../git/refs.js'
import type { Repo } from '../git/repo.js'
import { fetchRefs } from '../remote/remoteGit.js'
import { commitIdentities, openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import { integrateLedger, trackedLedger } from './support/ledgerSync.js'
import { fetchRefspecs, remoteInfo, workspace, type RemoteInfo } from './support/remotes.js'
import { integrateArtifact, type ArtifactSync } from './support/replayVersions.js'
import { retiredNotPushed } from './support/retiredRemote.js'

export interface FetchOptions extends RepoOptions {
  remote?: string
  onProgress?: (line: string) => void
}

export interface FetchResult {
  remote: string
  artifacts: ArtifactSync[]
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
  const ledgerBefore = await trackedLedger(ctx, remote)
  await fetchRefs(workspace(ctx.repo, remote.env, options.onProgress), remote.name, fetchRefspecs(remote.name))
  await integrateLedger(ctx, remote, ledgerBefore)
  return { remote: remote.name, artifacts: await integrateArtifacts(ctx, remote, { replay: false }) }
}

/** Bring every artifact branch, local or remote, up to date with the remote's. */
export async function integrateArtifacts(
  ctx: RegistryContext,
  remote: RemoteInfo,
  options: { replay: boolean },
): Promise<ArtifactSync[]> {
  const { committer } = await commitIdentities(ctx)
  const retired = await retiredNotPushed(ctx.repo, remote)
  const names = (await artifactNames(ctx.repo, remote)).filter((name) => !retired.has(name))
  const out: ArtifactSync[] = []
  for (const artifact of names) {
    const remoteRef = `${remote.trackingPrefix}artifacts/${artifact}`
    out.push(await integrateArtifact(ctx.repo, artifact, remoteRef, committer, options))
  }
  return out
}

async function artifactNames(repo: Repo, remote: RemoteInfo): Promise<string[]> {
  const local = [...(await listRefs(repo, ARTIFACT_BRANCH_PREFIX)).keys()].map((r) => r.slice(ARTIFACT_BRANCH_PREFIX.length))
  const trackedPrefix = `${remote.trackingPrefix}artifacts/`
  const tracked = [...(await listRefs(repo, trackedPrefix)).keys()].map((r) => r.slice(trackedPrefix.length))
  return [...new Set([...local, ...tracked])].sort()
}
