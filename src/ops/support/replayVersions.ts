import { ARTIFACT_BRANCH_PREFIX, artifactRef } from '../../domain/layout.js'
import type { ReplayedVersion } from '../../domain/manifestMerge.js'
import { formatVersionMessage } from '../../domain/versionMessage.js'
import { decodeCommit, encodeCommit, formatIdentity, type GitIdentity } from '../../git/commit.js'
import { readObject, writeLooseObject } from '../../git/objects.js'
import { listRefs, readRef, updateRef } from '../../git/refs.js'
import type { GitDir, Repo } from '../../git/repo.js'
import { loadVersions, loadVersionsOf, type VersionRecord } from '../../git/versionIndex.js'
import { commitIdentities, type RegistryContext } from './context.js'
import type { RemoteInfo } from './remotes.js'
import { retiredNotPushed } from './retiredRemote.js'

/** How a local artifact branch relates to the remote's. */
export type BranchRelation = 'same' | 'behind' | 'ahead' | 'diverged' | 'new-remote' | 'local-only'

export interface ArtifactSync {
  artifact: string
  relation: BranchRelation
  localTip: string | null
  remoteTip: string | null
  /** Versions renumbered on top of the remote's (only when they had diverged). */
  replayed: ReplayedVersion[]
}

/**
 * Bring a local artifact branch up to date with the remote-tracking one: create or
 * fast-forward it, or — when both sides logged new versions — replay the local-only
 * versions on top of the remote tip with the next numbers. A local version whose files
 * the remote already has maps to that remote version instead of being copied. The
 * branch moves by compare-and-swap; nothing is lost.
 */
export async function integrateArtifact(
  repo: GitDir,
  artifact: string,
  remoteRef: string,
  committer: GitIdentity,
  options: { replay: boolean },
): Promise<ArtifactSync> {
  // The tips decide most cases; only branches that differ need their versions (a fresh
  // clone's branches are all new, and indexing them here would redo what clone just fetched).
  const [localTip, remoteTip] = [await readRef(repo, artifactRef(artifact)), await readRef(repo, remoteRef)]
  const result: ArtifactSync = { artifact, relation: 'same', localTip, remoteTip, replayed: [] }
  if (remoteTip === null) return { ...result, relation: localTip === null ? 'same' : 'local-only' }
  if (localTip === null) {
    await updateRef(repo, artifactRef(artifact), remoteTip, null)
    return { ...result, relation: 'new-remote' }
  }
  if (localTip === remoteTip) return result
  const local = await loadVersions(repo, artifact)
  const remote = await loadVersionsOf(repo, artifact, remoteRef)
  const base = commonPrefix(local.versions, remote.versions)
  if (base === local.versions.length) {
    await updateRef(repo, artifactRef(artifact), remoteTip, localTip)
    return { ...result, relation: 'behind' }
  }
  if (base === remote.versions.length) return { ...result, relation: 'ahead' }
  if (!options.replay) return { ...result, relation: 'diverged' }

  const replayed: ReplayedVersion[] = []
  const byTree = new Map(remote.versions.map((v) => [v.tree, v]))
  let tip = remoteTip
  let number = remote.versions.length
  for (const version of local.versions.slice(base)) {
    const existing = byTree.get(version.tree)
    if (existing) {
      replayed.push({ artifact, fromCommit: version.commit, fromVersion: version.version, commit: existing.commit, version: existing.version })
      continue
    }
    const original = decodeCommit((await readObject(repo, version.commit)).content)
    const message = formatVersionMessage({
      artifact,
      version: number,
      metadata: version.metadata,
      ...(version.source && { source: version.source }),
    })
    const commit = { tree: version.tree, parents: [tip], author: original.author, committer, message }
    const oid = await writeLooseObject(repo, 'commit', encodeCommit(commit))
    replayed.push({ artifact, fromCommit: version.commit, fromVersion: version.version, commit: oid, version: number })
    byTree.set(version.tree, { ...version, commit: oid, version: number })
    tip = oid
    number++
  }
  await updateRef(repo, artifactRef(artifact), tip, localTip, {
    reflog: { message: `gmr pull: replay ${replayed.length} version(s) of ${artifact} on ${remoteRef}`, identity: formatIdentity(committer) },
  })
  return { ...result, relation: 'diverged', replayed }
}

/** How many versions, from v0, two chains share. */
function commonPrefix(a: readonly VersionRecord[], b: readonly VersionRecord[]): number {
  let i = 0
  while (i < a.length && i < b.length && a[i]!.commit === b[i]!.commit) i++
  return i
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

/** The artifacts with a local branch or a branch at `remote`, sorted. */
export async function artifactNames(repo: Repo, remote: RemoteInfo): Promise<string[]> {
  const local = [...(await listRefs(repo, ARTIFACT_BRANCH_PREFIX)).keys()].map((r) => r.slice(ARTIFACT_BRANCH_PREFIX.length))
  const trackedPrefix = `${remote.trackingPrefix}artifacts/`
  const tracked = [...(await listRefs(repo, trackedPrefix)).keys()].map((r) => r.slice(trackedPrefix.length))
  return [...new Set([...local, ...tracked])].sort()
}
