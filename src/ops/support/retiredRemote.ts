import { artifactRef, parseRetiredArtifactRef, RETIRED_ARTIFACT_PREFIX } from '../../domain/layout.js'
import { deleteRef, listRefs, readRef, updateRef } from '../../git/refs.js'
import type { GitDir } from '../../git/repo.js'
import type { PushUpdate } from '../../remote/remoteGit.js'
import type { RemoteInfo } from './remotes.js'

/**
 * The remote side of `gmr artifact rm`: the refs under `refs/gmr/retired/` go to the
 * remote (they keep the versions reachable there too), the branch they replace leaves
 * it, and a fetch does not bring back a branch this clone retired. What the remote has
 * of them is tracked under `refs/gmr/remotes/<remote>/retired/`, as fetch writes it.
 */

const RETIRED_PREFIX = 'refs/gmr/retired/'

/** Where fetch keeps the remote's retired refs, as last seen. */
export function retiredTrackingPrefix(remote: string): string {
  return `refs/gmr/remotes/${remote}/retired/`
}

function trackedRetiredRef(remote: string, ref: string): string {
  return `${retiredTrackingPrefix(remote)}${ref.slice(RETIRED_PREFIX.length)}`
}

/**
 * What a push sends for retired artifacts: each retired ref the remote does not have yet
 * (its name holds its value, so no lease is needed), and the deletion of a branch this
 * clone retired, leased on the tip it retired so that versions someone pushed there
 * meanwhile refuse the push instead of being dropped.
 */
export async function retiredPushUpdates(repo: GitDir, remote: RemoteInfo): Promise<PushUpdate[]> {
  const updates: PushUpdate[] = []
  for (const [ref, oid] of await listRefs(repo, RETIRED_ARTIFACT_PREFIX)) {
    const retired = parseRetiredArtifactRef(ref)
    if (retired === null || retired.tip !== oid) continue
    // A retired ref the remote has came with its branch's deletion, in one atomic push: a
    // remote-tracking branch still at the tip is stale (fetch does not prune), not a branch to delete.
    if ((await readRef(repo, trackedRetiredRef(remote.name, ref))) === oid) continue
    updates.push({ src: ref, dst: ref })
    if (await retiredHereOnly(repo, remote, retired.artifact, oid)) updates.push({ src: '', dst: artifactRef(retired.artifact), expect: oid })
  }
  return updates
}

/** After the push: the remote has what was sent; record it as the last-known remote state. */
export async function recordRetiredPushed(repo: GitDir, remote: RemoteInfo, updates: readonly PushUpdate[]): Promise<void> {
  for (const update of updates) {
    const tracked = update.src === '' ? `${remote.trackingPrefix}${update.dst.slice('refs/heads/'.length)}` : trackedRetiredRef(remote.name, update.dst)
    const current = await readRef(repo, tracked)
    const oid = update.src === '' ? null : await readRef(repo, update.src)
    if (oid === current) continue
    if (oid === null) await deleteRef(repo, tracked, current!)
    else await updateRef(repo, tracked, oid, current)
  }
}

/** Artifacts this clone retired whose branch the remote still has at the retired tip: a fetch leaves them retired. */
export async function retiredNotPushed(repo: GitDir, remote: RemoteInfo): Promise<Set<string>> {
  const names = new Set<string>()
  for (const [ref, oid] of await listRefs(repo, RETIRED_ARTIFACT_PREFIX)) {
    const retired = parseRetiredArtifactRef(ref)
    if (retired !== null && (await retiredHereOnly(repo, remote, retired.artifact, oid))) names.add(retired.artifact)
  }
  return names
}

async function retiredHereOnly(repo: GitDir, remote: RemoteInfo, artifact: string, tip: string): Promise<boolean> {
  return (await readRef(repo, artifactRef(artifact))) === null && (await readRef(repo, `${remote.trackingPrefix}artifacts/${artifact}`)) === tip
}
