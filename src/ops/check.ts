import { checkRegistry, type AliasRefState } from '../domain/checkRegistry.js'
import { countFindings, filesToLocate, locateFindings, type Finding } from '../domain/checkFindings.js'
import { ALIAS_REF_PREFIX, ARTIFACT_BRANCH_PREFIX, REGISTRY_DIR } from '../domain/layout.js'
import { lfsToLookUp, manifestsByPath, validModels, versionUses, type RegistrySnapshot } from '../domain/registrySnapshot.js'
import { stagedPathStates, type PathState } from '../git/pathStates.js'
import { listRefs, readRef, readSymbolicRef } from '../git/refs.js'
import type { Repo } from '../git/repo.js'
import { checkLedger } from '../domain/ledgerCheck.js'
import type { Env } from '../git/config.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { contains } from './support/remotePlan.js'
import { configuredRemote } from './support/remotes.js'
import { ledgerState } from './support/ledgerCheck.js'
import { SnapshotLoader, WORK_TREE, type LfsPresence, type SnapshotSource } from './support/registryStateLoader.js'
import { retentionFindings } from './prune.js'

export interface CheckOptions extends RepoOptions {
  /** Check the registry as committed at this revision instead of the work tree. */
  rev?: string
  /** The state the checked one is proposed against: enables the append-only history rules. */
  base?: string
  /** Where LFS objects are looked for (default: the local store, `.git/lfs/objects`); false: not at all. */
  lfs?: LfsPresence | false
}

export interface CheckResult {
  head: { label: string; commit: string | null }
  base: { label: string; commit: string } | null
  /** Every problem, in file and line order. */
  findings: Finding[]
  errors: number
  warnings: number
  /** What was looked at, so a clean result says how much it covers. */
  checked: {
    manifests: number
    links: number
    artifactBranches: number
    versions: number
    lfsObjects: number
    /** The registry branch whose manifests the alias refs were compared with; null when they were not. */
    aliasRefs: string | null
  }
}

/**
 * Validate a registry state: every manifest, link, version number, alias and LFS object,
 * the alias refs when on the registry branch, and with `base` the append-only rules.
 * Collects every problem; throws only for bad input (an unknown revision, say).
 */
export async function check(options: CheckOptions): Promise<CheckResult> {
  const ctx = await openRegistryContext(options)
  const loader = new SnapshotLoader(ctx.repo)
  const source: SnapshotSource = options.rev === undefined ? WORK_TREE : await loader.resolve(options.rev)
  const baseSource = options.base === undefined ? null : await loader.resolve(options.base)

  const head = await loader.load(await loader.files(source))
  const base = baseSource === null ? undefined : await loader.load(await loader.files(baseSource))
  const inspected = await loader.inspectVersions(head, lfsToLookUp(head, base), options.lfs)
  head.treeProblems = inspected.treeProblems
  if (inspected.lfs) head.lfs = inspected.lfs
  const aliasRefs = await aliasRefState(loader, ctx.env, source, head)
  const indexState = source.kind === 'worktree' ? await registryFileStates(ctx.repo) : undefined

  const unlocated = checkRegistry({ head, ...(base && { base }), ...(aliasRefs && { aliasRefs }), ...(indexState && { indexState }) })
  const signed = [...versionUses(head).keys()].map((commit) => ({ commit, what: 'version commit' }))
  unlocated.push(...checkLedger(await ledgerState(ctx, { requireSignatures: head.config.data?.requireSignatures === true, versions: signed })))
  if (options.lfs !== false) unlocated.push(...(await retentionFindings(ctx)))
  const texts = new Map<string, string>()
  const byPath = manifestsByPath(head)
  for (const path of filesToLocate(unlocated)) {
    const oid = byPath.get(path)?.oid ?? aliasRefs?.registry.manifests.find((m) => m.path === path)?.oid
    const text = oid === undefined ? null : await loader.text(oid)
    if (text !== null) texts.set(path, text)
  }
  const findings = locateFindings(unlocated, texts)
  await loader.saveCache()
  const versions = [...head.branches.values()].reduce((n, b) => n + (b.versions?.length ?? 0), 0)
  return {
    head: { label: head.label, commit: head.commit },
    base: base ? { label: base.label, commit: base.commit! } : null,
    findings,
    ...countFindings(findings),
    checked: {
      manifests: head.manifests.length,
      links: validModels(head).reduce((n, m) => n + (m.data.versions?.length ?? 0), 0),
      artifactBranches: head.branches.size,
      versions,
      lfsObjects: head.lfs?.length ?? 0,
      aliasRefs: aliasRefs?.registryBranch ?? null,
    },
  }
}


/**
 * On the registry branch, the refs and the manifests they must follow: those of the
 * branch's tip, which is what `gmr sync` reads (uncommitted edits move no ref).
 */
async function aliasRefState(loader: SnapshotLoader, env: Env, source: SnapshotSource, head: RegistrySnapshot): Promise<AliasRefState | undefined> {
  const { repo } = loader
  const registryBranch = head.config.data?.registryBranch
  if (registryBranch === undefined) return undefined
  const branchRef = `refs/heads/${registryBranch}`
  const tip = await readRef(repo, branchRef)
  if (tip === null) return undefined
  const onBranch = source.kind === 'worktree' ? (await readSymbolicRef(repo, 'HEAD')) === branchRef : source.commit === tip
  if (!onBranch) return undefined
  const registry =
    source.kind === 'commit'
      ? head
      : await loader.load(await loader.files({ kind: 'commit', label: registryBranch, commit: tip, branchPrefix: ARTIFACT_BRANCH_PREFIX }))
  const upstream = await upstreamAliases(repo, env, registryBranch, tip)
  return { registryBranch, registry, current: await listRefs(repo, ALIAS_REF_PREFIX), ...(upstream && { upstream }) }
}

/**
 * The registry branch's remote and its alias refs as last fetched, when that remote's
 * branch has commits this one lacks (fetched, not yet pulled): a ref at the remote's value
 * then waits for `gmr pull`, not for `gmr sync`, which would move it back.
 */
async function upstreamAliases(repo: Repo, env: Env, registryBranch: string, tip: string): Promise<AliasRefState['upstream']> {
  const remote = await configuredRemote(repo, env, undefined, registryBranch)
  if (remote === null) return undefined
  const tracked = await readRef(repo, `${remote.trackingPrefix}${registryBranch}`)
  if (tracked === null || (await contains(repo, tip, tracked))) return undefined
  const prefix = `${remote.trackingPrefix}aliases/`
  const aliases = new Map([...(await listRefs(repo, prefix))].map(([ref, oid]) => [`${ALIAS_REF_PREFIX}${ref.slice(prefix.length)}`, oid]))
  return { remote: remote.name, aliases }
}

/** The registry files whose index entry is not HEAD's: the only ones the index-state rule can flag. */
async function registryFileStates(repo: Repo): Promise<PathState[]> {
  return stagedPathStates(repo, await readRef(repo, 'HEAD'), REGISTRY_DIR)
}
