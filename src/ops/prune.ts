import { checkRetention } from '../domain/checkRetention.js'
import type { Finding } from '../domain/checkFindings.js'
import { GitMissingError, GmrError, ManifestError, UnsupportedStateError } from '../domain/errors.js'
import { ALIAS_REF_PREFIX, ARTIFACT_BRANCH_PREFIX, parseRetiredArtifactRef, RETIRED_ARTIFACT_PREFIX } from '../domain/layout.js'
import { isObjectId } from '../domain/objectId.js'
import { LFS_POINTER_MAX_SIZE, parseLfsPointer } from '../domain/lfsPointer.js'
import { decideRetention, type KeepReason, type RetentionDecision, type RetentionPolicy } from '../domain/retention.js'
import { validModels, type RegistrySnapshot } from '../domain/registrySnapshot.js'
import { crashPoint } from '../git/crashPoint.js'
import { dirname, tempPathFor } from '../git/fs.js'
import { readGitOutput, readObjectsWithGit } from '../git/gitBinary.js'
import { LfsStore } from '../git/lfsStore.js'
import { listRefs, readRef } from '../git/refs.js'
import type { Repo } from '../git/repo.js'
import { sweepTempFiles } from '../git/tempFiles.js'
import { loadVersionsOf, type VersionRecord } from '../git/versionIndex.js'
import { openRegistryContext, withRegistryLock, type RegistryContext, type RepoOptions } from './support/context.js'
import { lfsObjectsOf } from './support/lfsRemote.js'
import { SnapshotLoader, WORK_TREE } from './support/registryStateLoader.js'
import { recordPruned } from './support/prunedVersions.js'
import { remoteInfo } from './support/remotes.js'
import { loadSoundVersions } from './support/soundState.js'

export interface PruneOptions extends RepoOptions {
  /** Only say what would be freed. */
  dryRun?: boolean
  /** Prune this remote's store instead (a bare repository on a path this process can write). */
  remote?: string
  /** Objects written less than this long ago stay, whatever references them (default: one hour). */
  graceMs?: number
}

export interface PruneVersion {
  artifact: string
  version: number
  commit: string
  /** When it was logged (committer time), ISO 8601 UTC. */
  loggedAt: string
  keep: boolean
  reasons: KeepReason[]
  /** Large-file objects this prune frees (or would free) for it: neither a kept version nor anything else uses them. */
  objectCount: number
  /** Their size in bytes. */
  size: number
}

export interface PruneResult {
  dryRun: boolean
  /** The store pruned: `<gitdir>/lfs/objects`. */
  store: string
  /** The remote pruned, or null for this clone's store. */
  remote: string | null
  policy: RetentionPolicy | null
  versions: PruneVersion[]
  /** What is (or would be) freed in all: objects, and their size in bytes. */
  objectCount: number
  size: number
  /** Objects of dropped versions left because they were written within the grace period. */
  recentObjectCount: number
}

const DEFAULT_GRACE_MS = 3_600_000

/** An object the plan deletes, and the version it is counted for. */
interface Doomed {
  oid: string
  size: number
  commit: string
}

/**
 * Apply the registry's `retention:` policy to a large-file store: delete the LFS objects
 * of versions the policy drops that nothing else references — no kept version on any
 * artifact branch, no commit of any other branch or tag, HEAD, the index or a stash —
 * and that are older than the grace period. No git object or ref changes: pruned
 * versions keep their commits and pointers, and `gmr download` says how to fetch them.
 */
export async function prune(options: PruneOptions): Promise<PruneResult> {
  const local = await openRegistryContext(options)
  const ctx = options.remote === undefined ? local : await remoteContext(local, options)
  const run = async () => pruneStore(ctx, options)
  // A dry run changes nothing, so it waits for nobody.
  const result = options.dryRun ? await run() : await withRegistryLock(ctx, run, { workTree: false })
  return { ...result, remote: options.remote ?? null }
}

/** A remote that is a bare repository on a local path, opened as a registry; anything else is refused, saying what hosts offer. */
async function remoteContext(local: RegistryContext, options: PruneOptions): Promise<RegistryContext> {
  const remote = await remoteInfo(local.repo, local.env, options.remote)
  const path = /^file:\/\//i.test(remote.url) ? decodeURIComponent(remote.url.slice('file://'.length)) : remote.url
  if (!path.startsWith('/')) {
    throw new UnsupportedStateError(
      `gmr prune --remote works on a bare repository at a local path, and ${remote.name} is ${remote.url}; hosted servers delete LFS objects their own way (see "Retention" in gmr's README)`,
      { remote: remote.name, url: remote.url },
    )
  }
  const ctx = await openRegistryContext({ ...options, dir: path, onDisk: true })
  if (!ctx.repo.bare) {
    throw new UnsupportedStateError(`${remote.name} (${path}) is not a bare repository; run "gmr prune" in it instead`, { remote: remote.name })
  }
  return ctx
}

async function pruneStore(ctx: RegistryContext, options: Pick<PruneOptions, 'dryRun' | 'graceMs'>): Promise<Omit<PruneResult, 'remote'>> {
  const { repo } = ctx
  const store = new LfsStore(repo)
  const policy = (await ctx.config()).retention ?? null
  const now = ctx.now()
  // A dry run (and gmr check, which plans one) changes nothing, not even a killed run's leftovers.
  if (!options.dryRun) await sweepTempFiles(repo.fs, `${store.root}/tmp`)
  const before = await refState(repo)
  const { decisions, trees, referenced } = await keptObjects(ctx, policy, now)
  const dropped = decisions.filter((d) => !d.keep)
  const doomed = new Map<string, Doomed>()
  let recentObjectCount = 0
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS
  for (const decision of dropped) {
    for (const object of await lfsObjectsOf(repo, trees.get(decision.commit)!)) {
      if (referenced.has(object.oid) || doomed.has(object.oid)) continue
      const st = await repo.fs.stat(store.objectPath(object.oid))
      if (st === null || !st.isFile()) continue
      if (now.getTime() - st.mtimeMs < graceMs) recentObjectCount++
      else doomed.set(object.oid, { oid: object.oid, size: st.size, commit: decision.commit })
    }
  }
  const planned = [...doomed.values()]
  const result = (freed: readonly Doomed[]) => ({
    dryRun: options.dryRun ?? false,
    store: `${store.root}/objects`,
    policy,
    recentObjectCount,
    ...summarize(decisions, freed),
  })
  if (options.dryRun || planned.length === 0) return result(planned)
  await recordPruned(repo, dropped.filter((d) => planned.some((o) => o.commit === d.commit)), planned, now)
  const restored = await deleteObjects(ctx, store, planned, async () => ((await refState(ctx.repo)) === before ? null : (await keptObjects(ctx, policy, now)).referenced))
  return result(planned.filter((o) => !restored.has(o.oid)))
}

/** Every version with what it frees, and the totals. */
function summarize(decisions: readonly RetentionDecision[], freed: readonly Doomed[]) {
  const byVersion = new Map<string, Doomed[]>()
  for (const object of freed) byVersion.set(object.commit, [...(byVersion.get(object.commit) ?? []), object])
  return {
    versions: decisions.map((d) => describeVersion(d, byVersion.get(d.commit) ?? [])),
    objectCount: freed.length,
    size: freed.reduce((n, o) => n + o.size, 0),
  }
}

/** The policy's decisions and every LFS object that must stay: those of kept versions, and those anything else references. */
async function keptObjects(ctx: RegistryContext, policy: RetentionPolicy | null, now: Date) {
  const { decisions, trees } = await retentionDecisions(ctx, policy, now)
  const kept = decisions.filter((d) => d.keep).map((d) => trees.get(d.commit)!)
  return { decisions, trees, referenced: await referencedObjects(ctx, kept) }
}

/**
 * Delete in two steps so that a version logged meanwhile cannot lose an object it reuses:
 * every object is first renamed into the store's tmp folder (a temporary name a killed
 * run's successor sweeps); then, if any ref or the index moved meanwhile, what the new
 * state references is moved back; only then are the files removed. Returns what was moved back.
 */
async function deleteObjects(
  ctx: RegistryContext,
  store: LfsStore,
  objects: readonly Doomed[],
  /** What must stay now, or null when nothing moved since the plan. */
  keptNow: () => Promise<ReadonlySet<string> | null>,
): Promise<Set<string>> {
  const { repo } = ctx
  const quarantine = `${store.root}/tmp`
  await repo.fs.mkdirp(quarantine)
  const moved = new Map<string, string>()
  const restored = new Set<string>()
  for (const object of objects) {
    const temp = tempPathFor(`${quarantine}/${object.oid}`)
    await repo.fs.rename(store.objectPath(object.oid), temp)
    moved.set(object.oid, temp)
    crashPoint('prune-quarantined')
  }
  const needed = await keptNow()
  if (needed !== null) {
    for (const [oid, temp] of moved) {
      if (!needed.has(oid)) continue
      await repo.fs.rename(temp, store.objectPath(oid))
      moved.delete(oid)
      restored.add(oid)
    }
  }
  for (const [oid, temp] of moved) {
    await repo.fs.remove(temp)
    crashPoint('prune-deleted')
    const dir = dirname(store.objectPath(oid))
    if (await repo.fs.removeEmptyDir(dir)) await repo.fs.removeEmptyDir(dirname(dir))
  }
  return restored
}

function describeVersion(decision: RetentionDecision, freed: readonly Doomed[]): PruneVersion {
  return {
    artifact: decision.artifact,
    version: decision.version,
    commit: decision.commit,
    loggedAt: new Date(decision.time * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    keep: decision.keep,
    reasons: decision.reasons,
    objectCount: freed.length,
    size: freed.reduce((n, o) => n + o.size, 0),
  }
}

/**
 * The policy's decision for every version on every artifact chain here (local branches
 * and remote-tracking ones), with the links and aliases of the work tree's manifests,
 * every local branch's, and every alias ref.
 */
async function retentionDecisions(ctx: RegistryContext, policy: RetentionPolicy | null, now: Date) {
  const { repo } = ctx
  const chains = new Map<string, VersionRecord[]>()
  const chainsByRef: Array<{ artifact: string; versions: VersionRecord[] }> = []
  for (const ref of (await listRefs(repo, ARTIFACT_BRANCH_PREFIX)).keys()) {
    const artifact = ref.slice(ARTIFACT_BRANCH_PREFIX.length)
    const { versions } = await loadSoundVersions(repo, artifact)
    chains.set(artifact, versions)
    chainsByRef.push({ artifact, versions })
  }
  for (const ref of (await listRefs(repo, 'refs/remotes/')).keys()) {
    const match = /^refs\/remotes\/[^/]+\/artifacts\/(.+)$/.exec(ref)
    if (match !== null) chainsByRef.push({ artifact: match[1]!, versions: (await loadVersionsOf(repo, match[1]!, ref)).versions })
  }
  const linked = new Set<string>()
  const aliased = new Set<string>()
  for (const snapshot of await manifestStates(repo)) {
    for (const model of validModels(snapshot)) {
      for (const link of model.data.versions ?? []) linked.add(link.commit)
    }
    for (const manifest of snapshot.manifests) {
      if (manifest.kind !== 'artifact' || manifest.data === null) continue
      for (const number of Object.values(manifest.data.aliases ?? {})) {
        const commit = chains.get(manifest.name)?.[number]?.commit
        if (commit !== undefined) aliased.add(commit)
      }
    }
  }
  for (const prefix of [ALIAS_REF_PREFIX, 'refs/remotes/']) {
    for (const [ref, commit] of await listRefs(repo, prefix)) if (ref.startsWith(ALIAS_REF_PREFIX) || ref.includes('/aliases/')) aliased.add(commit)
  }
  const retired = await retiredChains(repo)
  const trees = new Map([...chainsByRef, ...retired].flatMap((c) => c.versions.map((v) => [v.commit, v.tree] as const)))
  const asInput = (list: typeof chainsByRef) => list.map((c) => c.versions.map((v) => ({ ...v, artifact: c.artifact })))
  const decisions = decideRetention({ policy, chains: asInput(chainsByRef), retiredChains: asInput(retired), linked, aliased, now })
  return { decisions, trees }
}

/** The chains `gmr artifact rm` kept under refs/gmr/retired/ (and a remote's, as fetched), one per retired tip. */
async function retiredChains(repo: Repo): Promise<Array<{ artifact: string; versions: VersionRecord[] }>> {
  const chains: Array<{ artifact: string; versions: VersionRecord[] }> = []
  for (const [ref, tip] of await listRefs(repo, RETIRED_ARTIFACT_PREFIX)) {
    const retired = parseRetiredArtifactRef(ref)
    if (retired === null || retired.tip !== tip) continue
    chains.push({ artifact: retired.artifact, versions: (await loadVersionsOf(repo, retired.artifact, ref)).versions })
  }
  return chains
}

/**
 * The registry as the work tree has it (refused when a manifest there does not read:
 * a link it hides could be pruned) and as every other local branch has it (proposals).
 */
async function manifestStates(repo: Repo): Promise<RegistrySnapshot[]> {
  const loader = new SnapshotLoader(repo)
  const noVersions = { versions: new Set<string>() }
  const current = await loader.load(await loader.files(WORK_TREE), noVersions)
  const broken = current.manifests.find((m) => m.data === null)
  if (broken !== undefined) {
    throw new ManifestError(`gmr prune reads every link and alias, and ${broken.path} does not read (${broken.problems[0]?.message ?? 'invalid'}); fix it ("gmr check" says how) and prune again`, {
      file: broken.path,
    })
  }
  const states = [current]
  for (const [ref, commit] of await listRefs(repo, 'refs/heads/')) {
    if (ref.startsWith(ARTIFACT_BRANCH_PREFIX)) continue
    const files = await loader.files({ kind: 'commit', label: ref, commit, branchPrefix: ARTIFACT_BRANCH_PREFIX })
    states.push(await loader.load(files, noVersions))
  }
  return states
}

/** Every ref, HEAD and the index's identity, as one string: equal strings mean nothing moved. */
async function refState(repo: Repo): Promise<string> {
  const refs = [...(await listRefs(repo, 'refs/'))].map(([ref, oid]) => `${ref} ${oid}`)
  const index = await repo.fs.stat(`${repo.gitdir}/index`)
  return [...refs, `HEAD ${await readRef(repo, 'HEAD')}`, `index ${index?.mtimeMs ?? 0} ${index?.size ?? 0}`].join('\n')
}

/** Refs whose history is not walked: artifact chains are judged version by version, aliases name kept versions. */
const CHAIN_REFS = ['refs/heads/artifacts/*', 'refs/remotes/*/artifacts/*', 'refs/aliases/*', 'refs/remotes/*/aliases/*', 'refs/gmr/retired/*', 'refs/gmr/remotes/*/retired/*']

/**
 * The LFS objects referenced by pointer blobs anywhere in: `trees`, every commit reachable
 * from a ref other than the artifact chains and aliases (the user's branches, tags,
 * remote-tracking branches), HEAD, the index and every stash entry.
 */
async function referencedObjects(ctx: RegistryContext, trees: readonly string[]): Promise<Set<string>> {
  const { repo } = ctx
  const binary = repo.binary ?? { env: ctx.env }
  const stash = ((await repo.fs.readText(`${repo.gitdir}/logs/refs/stash`)) ?? '').split('\n').map((line) => line.split(' ')[1]).filter((oid) => oid !== undefined && isObjectId(oid))
  const excludes = CHAIN_REFS.map((pattern) => `--exclude=${pattern}`)
  const listed = await readGitOutput(repo, binary, ['rev-list', '--objects', '--indexed-objects', ...excludes, '--all', '--stdin'], [...trees, ...stash].map((oid) => `${oid}\n`).join(''))
  if (listed === null) throw gitNeeded(repo)
  const oids = [...new Set(listed.toString('latin1').split('\n').map((line) => line.slice(0, 40)).filter((oid) => oid.length === 40))]
  const checked = await readGitOutput(repo, binary, ['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], oids.map((oid) => `${oid}\n`).join(''))
  if (checked === null) throw gitNeeded(repo)
  const small = checked
    .toString('latin1')
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, type, size]) => type === 'blob' && Number(size) <= LFS_POINTER_MAX_SIZE)
    .map(([oid]) => oid!)
  const blobs = await readObjectsWithGit(repo, binary, small)
  if (blobs === null) throw gitNeeded(repo)
  const found = new Set<string>()
  for (const blob of blobs) {
    const pointer = parseLfsPointer(blob.content)
    if (pointer !== null) found.add(pointer.oid)
  }
  return found
}

function gitNeeded(repo: Repo): GitMissingError {
  return new GitMissingError(
    `gmr prune asks git which large files every branch, tag, stash and the index still reference, and git could not read ${repo.gitdir}; install git (and run "git fsck" if it is installed)`,
    { gitdir: repo.gitdir },
  )
}

/**
 * `gmr check`'s view of retention: per artifact, the versions outside the policy whose
 * large files are still in this clone's store, as a dry-run prune plans them. Nothing
 * when there is no policy or the store is empty (a CI clone), and nothing when the plan
 * cannot be made: a manifest or registry.yaml that does not read is check's own finding.
 */
export async function retentionFindings(ctx: RegistryContext): Promise<Finding[]> {
  const { repo } = ctx
  const store = new LfsStore(repo)
  if (repo.bare || ((await repo.fs.readdir(`${store.root}/objects`)) ?? []).length === 0) return []
  try {
    if (((await ctx.config()).retention ?? null) === null) return []
    return checkRetention((await pruneStore(ctx, { dryRun: true })).versions)
  } catch (err) {
    if (err instanceof GmrError) return []
    throw err
  }
}
