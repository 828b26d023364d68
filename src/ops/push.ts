import { InvalidInputError } from '../domain/errors.js'
import { ALIAS_REF_PREFIX, ARTIFACT_BRANCH_PREFIX } from '../domain/layout.js'
import { currentBranch } from '../git/commitFiles.js'
import { LfsStore } from '../git/lfsStore.js'
import { listRefs, readRef, updateRef, deleteRef } from '../git/refs.js'
import { loadVersions, loadVersionsOf } from '../git/versionIndex.js'
import { pushRefs, type PushUpdate } from '../remote/remoteGit.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { ledgerPushUpdate, recordPushedLedger } from './support/ledgerSync.js'
import { lfsObjectsOf, lfsTransport, type NeededObject } from './support/lfsRemote.js'
import { remoteInfo, workspace } from './support/remotes.js'
import { recordRetiredPushed, retiredPushUpdates } from './support/retiredRemote.js'

export interface PushOptions extends RepoOptions {
  remote?: string
  onProgress?: (line: string) => void
}

export interface PushResult {
  remote: string
  /** Refs sent, as `<local>:<remote>` (empty local: deleted). */
  updates: PushUpdate[]
  lfs: { objects: number; bytes: number }
}

/**
 * Push the registry: new versions of every artifact branch, the current branch, and
 * alias refs (each with a lease on the value last fetched, so an alias someone else
 * moved meanwhile refuses the push), and what `gmr artifact rm` retired (its
 * `refs/gmr/retired/` ref, and the branch's deletion with a lease). LFS objects of the
 * new versions go up first, so no ref on the remote ever names a version whose large
 * files are missing there. One atomic push: every ref moves, or none.
 */
export async function push(options: PushOptions): Promise<PushResult> {
  const ctx = await openRegistryContext(options)
  const { repo, env } = ctx
  const { registryBranch } = await ctx.config()
  const remote = await remoteInfo(repo, env, options.remote, registryBranch)
  const updates: PushUpdate[] = []
  const needed: NeededObject[] = []
  const cache = {}

  for (const [ref, tip] of await listRefs(repo, ARTIFACT_BRANCH_PREFIX)) {
    const artifact = ref.slice(ARTIFACT_BRANCH_PREFIX.length)
    const trackedRef = `${remote.trackingPrefix}artifacts/${artifact}`
    if ((await readRef(repo, trackedRef)) === tip) continue
    updates.push({ src: ref, dst: ref })
    const [local, tracked] = [await loadVersions(repo, artifact), await loadVersionsOf(repo, artifact, trackedRef)]
    const known = new Set(tracked.versions.map((v) => v.commit))
    for (const version of local.versions) {
      if (!known.has(version.commit)) needed.push(...(await lfsObjectsOf(repo, version.tree, cache)).map((o) => ({ ...o, path: `${artifact}:v${version.version}/${o.path}` })))
    }
  }

  const branch = await currentBranch(repo)
  const head = await readRef(repo, branch)
  const branchName = branch.slice('refs/heads/'.length)
  if (head !== null && (await readRef(repo, `${remote.trackingPrefix}${branchName}`)) !== head) {
    updates.push({ src: branch, dst: branch })
  }

  const aliasUpdates: PushUpdate[] = []
  const trackedAliases = await listRefs(repo, `${remote.trackingPrefix}aliases/`)
  const localAliases = await listRefs(repo, ALIAS_REF_PREFIX)
  for (const [ref, oid] of localAliases) {
    const tracked = trackedAliases.get(`${remote.trackingPrefix}aliases/${ref.slice(ALIAS_REF_PREFIX.length)}`) ?? null
    if (tracked !== oid) aliasUpdates.push({ src: ref, dst: ref, expect: tracked })
  }
  for (const [trackedRef, oid] of trackedAliases) {
    const ref = `${ALIAS_REF_PREFIX}${trackedRef.slice(`${remote.trackingPrefix}aliases/`.length)}`
    if (!localAliases.has(ref)) aliasUpdates.push({ src: '', dst: ref, expect: oid })
  }
  updates.push(...aliasUpdates)
  const ledgerUpdate = await ledgerPushUpdate(ctx, remote)
  if (ledgerUpdate !== null) updates.push(ledgerUpdate)
  const retiredUpdates = await retiredPushUpdates(repo, remote)
  updates.push(...retiredUpdates)

  const store = new LfsStore(repo)
  const missing = []
  for (const object of needed) if (!(await store.has(object))) missing.push(object)
  if (missing.length > 0) {
    const first = missing[0]!
    throw new InvalidInputError(
      `cannot push: the large file ${first.path} (LFS object ${first.oid}) is not in this clone's store; fetch it (gmr download) or push from the clone that logged it`,
      { oid: first.oid, path: first.path, missing: missing.length },
    )
  }
  const lfs = needed.length > 0 ? await (await lfsTransport(repo, remote.lfsUrl, remote.env)).upload(store, needed) : { objects: 0, bytes: 0 }
  await pushRefs(workspace(repo, remote.env, options.onProgress), remote.name, updates)

  // The remote now has what we sent: record it as the last-known remote state.
  if (ledgerUpdate !== null) await recordPushedLedger(ctx, remote)
  for (const update of aliasUpdates) {
    const tracked = `${remote.trackingPrefix}aliases/${update.dst.slice(ALIAS_REF_PREFIX.length)}`
    const current = await readRef(repo, tracked)
    if (update.src === '') {
      if (current !== null) await deleteRef(repo, tracked, current)
    } else {
      const oid = await readRef(repo, update.src)
      if (oid !== null && oid !== current) await updateRef(repo, tracked, oid, current)
    }
  }
  await recordRetiredPushed(repo, remote, retiredUpdates)
  return { remote: remote.name, updates, lfs }
}
