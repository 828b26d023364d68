import { sleep } from '../domain/async.js'
import { InvalidInputError } from '../domain/errors.js'
import { ALIAS_REF_PREFIX, ARTIFACT_BRANCH_PREFIX } from '../domain/layout.js'
import { currentBranch } from '../git/commitFiles.js'
import { LfsStore } from '../git/lfsStore.js'
import { listRefs, readRef, updateRef, deleteRef } from '../git/refs.js'
import type { Env } from '../git/config.js'
import type { Repo } from '../git/repo.js'
import { listRemoteRefs, pushRefs, pushRefusal, type PushUpdate } from '../remote/remoteGit.js'
import { openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import { assertUnpushedAliasMovesHeld, ledgerPushUpdate, recordPushedLedger } from './support/ledgerSync.js'
import { lfsObjectsOf, startUpload, type NeededObject, type StartedUpload } from './support/lfsRemote.js'
import { contains, versionsNotIn } from './support/remotePlan.js'
import { remoteInfo, workspace, type RemoteInfo } from './support/remotes.js'
import { recordRetiredPushed, retiredPushUpdates } from './support/retiredRemote.js'

export interface PushOptions extends RepoOptions {
  remote?: string
  onProgress?: (line: string) => void
  /** Only plan: list the remote, say what would move and upload, write nothing anywhere. */
  dryRun?: boolean
}

/** One ref a push moves on the remote. */
export interface PlannedRefUpdate extends PushUpdate {
  /** What the remote holds: as last fetched, or (a dry run) as the remote lists it now; null when it has none. */
  old: string | null
  /** What it will hold; null: the push deletes it. */
  new: string | null
  /** Whether `new` contains `old`; null when the ref is created or deleted. */
  fastForward: boolean | null
}

/** A version the remote does not have yet. */
export interface PlannedVersion {
  artifact: string
  version: number
  commit: string
}

/**
 * What a push would do, computed without writing anything: every ref it moves (with its
 * lease), the versions new to the remote, and the LFS objects they need uploaded.
 */
export interface PushPlan {
  remote: RemoteInfo
  /** Every ref, in the order the push sends them. */
  refs: PlannedRefUpdate[]
  /** Of `refs`: the alias refs, the ledger, and what `gmr artifact rm` retired (recorded as pushed afterwards). */
  aliases: PlannedRefUpdate[]
  ledger: PlannedRefUpdate | null
  retired: PlannedRefUpdate[]
  versions: PlannedVersion[]
  /** LFS objects of the new versions, each once (the server skips those it already has). */
  lfsObjects: NeededObject[]
  lfsBytes: number
  /** Whether `old` of each ref is the remote's listing now (a dry run) rather than the last fetch. */
  listed: boolean
}

export interface PushResult {
  remote: string
  /** Refs sent, as `<local>:<remote>` (empty local: deleted). */
  updates: PushUpdate[]
  lfs: { objects: number; bytes: number }
  /** What was planned and then done. */
  plan: PushPlan
}

/**
 * Push the registry: new versions of every artifact branch, the current branch, and
 * alias refs (each with a lease on the value last fetched, so an alias someone else
 * moved meanwhile refuses the push), and what `gmr artifact rm` retired (its
 * `refs/gmr/retired/` ref, and the branch's deletion with a lease). LFS objects of the
 * new versions go up first, so no ref on the remote ever names a version whose large
 * files are missing there; they start as soon as they are known, while the rest of the
 * plan is made and checked, and a refusal stops them. One atomic push: every ref moves,
 * or none.
 *
 * With `dryRun` the plan is returned instead: the remote is listed (`git ls-remote`) and
 * every refusal the push would meet is raised now, with the same message; nothing is
 * written locally or remotely.
 */
export async function push<O extends PushOptions>(options: O): Promise<PushOutcome<O>> {
  const ctx = await openRegistryContext(options)
  if (options.dryRun) return (await checkAgainstRemote(ctx.repo, await planPush(ctx, options.remote))) as PushOutcome<O>
  // The LFS objects go up while the rest of the plan is made and checked: a refusal
  // stops them (uploaded objects harm nothing, being addressed by their content) before
  // any ref moves.
  let upload: StartedUpload | null = null
  let plan: PushPlan
  try {
    plan = await planPush(ctx, options.remote, async (remote, objects) => {
      upload = startUpload(ctx.repo, remote.lfsUrl, remote.env, objects)
      // The rest of the plan reads refs and stats files without waiting on a socket: let
      // the event loop connect and send the first batch request before it goes on.
      await sleep(1)
    })
  } catch (err) {
    await (upload as StartedUpload | null)?.stop()
    throw err
  }
  return (await applyPush(ctx, plan, upload, options.onProgress)) as PushOutcome<O>
}

/** What `push` returns: the plan for a dry run, else what was pushed. */
export type PushOutcome<O extends Pick<PushOptions, 'dryRun'>> = O extends { dryRun: true }
  ? PushPlan
  : 'dryRun' extends keyof O
    ? O['dryRun'] extends false | undefined
      ? PushResult
      : PushPlan | PushResult
    : PushResult

/**
 * The push as a value: what would move on the remote (leased on the values last
 * fetched), what it lacks of the new versions, and the refusal when this clone's LFS
 * store lacks an object to upload. Reads refs and objects; writes nothing.
 * `onLfsObjects` is told the LFS objects as soon as they are known, before the rest
 * of the plan is made and checked (when there are any).
 */
async function planPush(
  ctx: RegistryContext,
  remoteName?: string,
  onLfsObjects?: (remote: RemoteInfo, objects: NeededObject[]) => Promise<void>,
): Promise<PushPlan> {
  const { repo, env } = ctx
  const { registryBranch } = await ctx.config()
  const remote = await remoteInfo(repo, env, remoteName, registryBranch)
  const refs: PlannedRefUpdate[] = []
  const versions: PlannedVersion[] = []
  const needed: NeededObject[] = []
  const cache = {}
  const planned = (update: PushUpdate, old: string | null, next: string | null) => plannedRef(repo, update, old, next, cache)

  for (const [ref, tip] of await listRefs(repo, ARTIFACT_BRANCH_PREFIX)) {
    const artifact = ref.slice(ARTIFACT_BRANCH_PREFIX.length)
    const tracked = await readRef(repo, `${remote.trackingPrefix}artifacts/${artifact}`)
    if (tracked === tip) continue
    refs.push(await planned({ src: ref, dst: ref }, tracked, tip))
    for (const version of await versionsNotIn(repo, env, artifact, tip, tracked)) {
      versions.push({ artifact, version: version.version, commit: version.commit })
      needed.push(...(await lfsObjectsOf(repo, version.tree, cache)).map((o) => ({ ...o, path: `${artifact}:v${version.version}/${o.path}` })))
    }
  }
  const lfsObjects = uniqueObjects(needed)
  if (lfsObjects.length > 0) await onLfsObjects?.(remote, lfsObjects)

  const branch = await currentBranch(repo)
  const head = await readRef(repo, branch)
  const trackedHead = await readRef(repo, `${remote.trackingPrefix}${branch.slice('refs/heads/'.length)}`)
  if (head !== null && trackedHead !== head) refs.push(await planned({ src: branch, dst: branch }, trackedHead, head))

  await assertUnpushedAliasMovesHeld(repo, remote)
  const aliases: PlannedRefUpdate[] = []
  const trackedAliases = await listRefs(repo, `${remote.trackingPrefix}aliases/`)
  const localAliases = await listRefs(repo, ALIAS_REF_PREFIX)
  for (const [ref, oid] of localAliases) {
    const tracked = trackedAliases.get(`${remote.trackingPrefix}aliases/${ref.slice(ALIAS_REF_PREFIX.length)}`) ?? null
    if (tracked !== oid) aliases.push(await planned({ src: ref, dst: ref, expect: tracked }, tracked, oid))
  }
  for (const [trackedRef, oid] of trackedAliases) {
    const ref = `${ALIAS_REF_PREFIX}${trackedRef.slice(`${remote.trackingPrefix}aliases/`.length)}`
    if (!localAliases.has(ref)) aliases.push(await planned({ src: '', dst: ref, expect: oid }, oid, null))
  }
  refs.push(...aliases)
  const ledgerUpdate = await ledgerPushUpdate(ctx, remote)
  const ledger = ledgerUpdate === null ? null : await planned(ledgerUpdate, ledgerUpdate.expect ?? null, await readRef(repo, ledgerUpdate.src))
  if (ledger !== null) refs.push(ledger)
  const retired: PlannedRefUpdate[] = []
  for (const update of await retiredPushUpdates(repo, remote)) {
    retired.push(await planned(update, update.src === '' ? (update.expect ?? null) : null, update.src === '' ? null : await readRef(repo, update.src)))
  }
  refs.push(...retired)

  await assertUploadable(repo, needed)
  return { remote, refs, aliases, ledger, retired, versions, lfsObjects, lfsBytes: lfsObjects.reduce((n, o) => n + o.size, 0), listed: false }
}

/**
 * Carry out a plan exactly as planned: finish uploading the LFS objects (`upload`, started
 * while the plan was made), push every ref in one atomic push, then record what the remote
 * now has as last fetched.
 */
async function applyPush(ctx: RegistryContext, plan: PushPlan, upload: StartedUpload | null, onProgress?: (line: string) => void): Promise<PushResult> {
  const { repo } = ctx
  const { remote } = plan
  const updates = plan.refs.map(toPushUpdate)
  const lfs = upload !== null ? await upload.done : { objects: 0, bytes: 0 }
  await pushRefs(workspace(repo, refPushEnv(plan), onProgress), remote.name, updates)

  // The remote now has what we sent: record it as the last-known remote state.
  if (plan.ledger !== null) await recordPushedLedger(ctx, remote)
  for (const update of plan.aliases) {
    const tracked = `${remote.trackingPrefix}aliases/${update.dst.slice(ALIAS_REF_PREFIX.length)}`
    const current = await readRef(repo, tracked)
    if (update.src === '') {
      if (current !== null) await deleteRef(repo, tracked, current)
    } else {
      const oid = await readRef(repo, update.src)
      if (oid !== null && oid !== current) await updateRef(repo, tracked, oid, current)
    }
  }
  await recordRetiredPushed(repo, remote, plan.retired.map(toPushUpdate))
  return { remote: remote.name, updates, lfs, plan }
}

/**
 * The environment of the `git push` that moves the refs. git-lfs's pre-push hook (installed
 * by `git lfs install` in a repository, or by a `git clone` where git-lfs is installed)
 * would scan the pushed commits again and ask the LFS server about each object gmr has just
 * uploaded (10 objects: 100-130 ms more per push, measured); it is told to skip
 * (GIT_LFS_SKIP_PUSH) when every ref sent is one whose LFS objects gmr took care of. Any
 * other ref (the current branch, a retired artifact's ref) leaves the hook its work, as before.
 */
function refPushEnv(plan: PushPlan): Env {
  const { env } = plan.remote
  return plan.refs.every((ref) => lfsObjectsUploaded(plan, ref)) ? { ...env, GIT_LFS_SKIP_PUSH: '1' } : env
}

/**
 * Whether gmr has uploaded the LFS objects `ref` needs on the remote: a deletion needs
 * none; an artifact branch's new versions are the plan's; an alias names a version of an
 * artifact branch, and the ledger holds no large file.
 */
function lfsObjectsUploaded(plan: PushPlan, ref: PlannedRefUpdate): boolean {
  if (ref.new === null || ref === plan.ledger || plan.aliases.includes(ref)) return true
  return ref.dst.startsWith(ARTIFACT_BRANCH_PREFIX) && !plan.retired.includes(ref)
}

/**
 * The plan against the remote as it is now (`git ls-remote`, which writes nothing): each
 * ref's `old` becomes what the remote holds, and a push the remote would refuse — a leased
 * ref someone moved, a ref holding commits this clone lacks — is refused here, in the
 * words the refused push would use.
 */
async function checkAgainstRemote(repo: Repo, plan: PushPlan): Promise<PushPlan> {
  const { remote } = plan
  // Patterns keep the answer short; past a few dozen refs, one full listing is cheaper than a long command line.
  const patterns = plan.refs.length <= LISTED_PATTERNS ? plan.refs.map((r) => r.dst) : []
  const listed = plan.refs.length === 0 ? new Map<string, string>() : await listRemoteRefs(workspace(repo, remote.env), remote.name, patterns)
  const cache = {}
  const stale: string[] = []
  const behind: string[] = []
  const relisted = new Map<PlannedRefUpdate, PlannedRefUpdate>()
  for (const ref of plan.refs) {
    const now = listed.get(ref.dst) ?? null
    const update = await plannedRef(repo, ref, now, ref.new, cache)
    relisted.set(ref, update)
    if (ref.expect !== undefined) {
      if (now !== ref.expect) stale.push(ref.dst)
    } else if (now !== null && now !== ref.new && update.fastForward !== true) behind.push(ref.dst)
  }
  if (stale.length > 0) throw pushRefusal(remote.name, 'stale', stale)
  if (behind.length > 0) throw pushRefusal(remote.name, 'behind', behind)
  const again = (refs: readonly PlannedRefUpdate[]) => refs.map((r) => relisted.get(r)!)
  return {
    ...plan,
    refs: again(plan.refs),
    aliases: again(plan.aliases),
    ledger: plan.ledger === null ? null : relisted.get(plan.ledger)!,
    retired: again(plan.retired),
    listed: true,
  }
}

const LISTED_PATTERNS = 50

async function plannedRef(repo: Repo, update: PushUpdate, old: string | null, next: string | null, cache: object): Promise<PlannedRefUpdate> {
  const base = toPushUpdate(update)
  return { ...base, old, new: next, fastForward: old === null || next === null ? null : await contains(repo, next, old, cache) }
}

function toPushUpdate(ref: PushUpdate): PushUpdate {
  return { src: ref.src, dst: ref.dst, ...(ref.expect !== undefined && { expect: ref.expect }) }
}

function uniqueObjects(objects: readonly NeededObject[]): NeededObject[] {
  const seen = new Map<string, NeededObject>()
  for (const object of objects) if (!seen.has(object.oid)) seen.set(object.oid, object)
  return [...seen.values()]
}

async function assertUploadable(repo: Repo, needed: readonly NeededObject[]): Promise<void> {
  const store = new LfsStore(repo)
  const missing = []
  for (const object of needed) if (!(await store.has(object))) missing.push(object)
  if (missing.length === 0) return
  const first = missing[0]!
  throw new InvalidInputError(
    `cannot push: the large file ${first.path} (LFS object ${first.oid}) is not in this clone's store; fetch it (gmr download) or push from the clone that logged it`,
    { oid: first.oid, path: first.path, missing: missing.length },
  )
}
