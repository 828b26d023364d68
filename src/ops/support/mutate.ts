import type { AliasRefChange } from '../../domain/aliasSync.js'
import type { LedgerMove } from '../../domain/ledger.js'
import { manifestPath, type NameKind } from '../../domain/layout.js'
import { deepEqual } from '../../domain/deepEqual.js'
import type { ManifestYaml } from '../../domain/manifests.js'
import { buildCommit, currentBranch } from '../../git/commitFiles.js'
import { hashObject } from '../../git/objects.js'
import { readPathStates, type PathState } from '../../git/pathStates.js'
import { readOnlyFileSystem } from '../../git/readOnlyFileSystem.js'
import { readRef } from '../../git/refs.js'
import type { Repo } from '../../git/repo.js'
import { commitSigner } from '../../git/signing.js'
import { ledgerMoves, planManifestRefs } from './aliasRefs.js'
import { commitIdentities, withRegistryLock, type RegistryContext } from './context.js'
import { ManifestStore } from './manifestStore.js'
import { applyEdit, assertCommittable, recoverInterruptedEdit, type AppliedEdit } from './registryEdit.js'
import { formatUpgrade } from './formatUpgrade.js'
import type { RefMove } from './retiredBranches.js'
import { assertSafeEdits } from './soundState.js'
import { parseManifest, renderManifest } from '../../domain/manifests.js'

/** One manifest's new content, as an operation decided it. */
export interface ManifestEdit {
  kind: NameKind
  name: string
  /** The data as read (null: the file does not exist yet). */
  before: ManifestYaml | null
  /** The new data; null: the manifest is deleted, and its alias refs with it. */
  after: ManifestYaml | null
}

/** A registry file that is not a manifest (`registry/retired.yaml`, a model card), as text; null: no file. */
export interface RegistryFileEdit {
  path: string
  before: string | null
  after: string | null
}

/**
 * What an operation decided, computed without writing anything: the new manifests and
 * files, the commit message that says what happened, and the operation's own answer.
 */
export interface MutationPlan<R> {
  edits: ManifestEdit[]
  /** Other registry files the same commit writes or deletes. */
  files?: RegistryFileEdit[]
  /** Refs moved with the commit on the registry branch (see EditJournal.refMoves). */
  refMoves?: RefMove[]
  message: string
  /** The operation's own result (the version an alias names, the link made, …), returned with what was written. */
  result: R
}

export interface MutationOptions {
  /** Only edit the work tree; do not commit (and so move no ref). */
  noCommit?: boolean
  /** Allow moving a protected alias on the registry branch. */
  force?: boolean
  /** Sign the commit (true) or not (false); default: git's `commit.gpgsign`. */
  sign?: boolean
  /**
   * Plan and check under the registry lock exactly as the edit would, then write
   * nothing: the result says what would change (`planned`).
   */
  dryRun?: boolean
}

/** One registry file as an edit finds it and would leave it (null: no file). */
export interface PlannedFile {
  path: string
  before: string | null
  after: string | null
}

/** What a dry run found would change. */
export interface PlannedChanges {
  /** False with noCommit: the files would only be written. */
  committed: boolean
  /** The commit message (also with noCommit, where no commit is made). */
  message: string
  /** Every file the edit writes or deletes, registry.yaml too when the edit upgrades the storage format. */
  files: PlannedFile[]
  /** The record refs/gmr/ledger would get for the alias refs moved; null when none move. */
  ledger: { moves: LedgerMove[] } | null
  /** Other refs moved with the commit (a removed artifact's branch). */
  refMoves: RefMove[]
}

export interface MutationResult {
  /** False when the manifests already said this: nothing was (or, with dryRun, would be) written. */
  changed: boolean
  commit: string | null
  /** The paths written (with dryRun: that would be). */
  paths: string[]
  onRegistryBranch: boolean
  registryBranch: string
  /** Alias refs moved with the commit (only on the registry branch; with dryRun: that would move). */
  refs: AliasRefChange[]
  /** True: nothing was written; `planned` says what would have been. */
  dryRun: boolean
  /** With dryRun, what would change; null otherwise. */
  planned: PlannedChanges | null
}

/**
 * The one way registry manifests change: plan, then apply. Under the registry lock: an
 * edit a killed gmr left half-done is finished first; `plan` reads what it needs and
 * returns a MutationPlan (writing nothing); unchanged manifests are dropped; the edits
 * are checked (sound manifests, protected aliases: see assertSafeEdits; with a commit,
 * no uncommitted changes of the user's to those files). With `dryRun` the checked plan
 * is returned and nothing is written. With `noCommit` the files are only written.
 * Otherwise the edit is committed alone on the current branch (other staged or
 * unstaged work untouched) with work tree, index, branch and, on the registry branch,
 * alias refs moved in a kill-safe order (see applyEdit).
 */
export async function mutateRegistry<R>(
  ctx: RegistryContext,
  options: MutationOptions,
  plan: (store: ManifestStore) => Promise<MutationPlan<R>>,
): Promise<MutationResult & R> {
  return withRegistryLock(ctx, async () => {
    await recoverInterruptedEdit(ctx.repo, ctx.env)
    if (options.dryRun) {
      return seenReadOnly(ctx.repo, async () => {
        const planned = await plan(new ManifestStore(ctx.repo))
        return { ...planned.result, ...(await dryRunOf(ctx, options, await prepareEdit(ctx, options, planned))) }
      })
    }
    const planned = await plan(new ManifestStore(ctx.repo))
    return { ...planned.result, ...(await applyPrepared(ctx, options, await prepareEdit(ctx, options, planned))) }
  })
}

/**
 * Run `fn` with the repository seen as a read-only disk (readOnlyFileSystem): everything
 * that reads `repo.fs`, the plan's own closures included, can then write nothing.
 */
async function seenReadOnly<T>(repo: Repo, fn: () => Promise<T>): Promise<T> {
  const { fs } = repo
  repo.fs = readOnlyFileSystem(fs)
  try {
    return await fn()
  } finally {
    repo.fs = fs
  }
}

/** A plan checked exactly as the real edit checks it, with every file's text rendered; nothing written. */
interface PreparedEdit {
  branch: string
  onRegistryBranch: boolean
  registryBranch: string
  message: string
  edits: ManifestEdit[]
  /** The manifests' and other files' paths (the result's `paths`). */
  paths: string[]
  /** Every file written, in `paths` order, then registry.yaml when the format is upgraded. */
  files: PlannedFile[]
  refMoves: RefMove[]
  /** The branch tip the commit is built on, and each file's state then (null with noCommit). */
  parent: string | null
  states: PathState[] | null
}

async function prepareEdit<R>(ctx: RegistryContext, options: MutationOptions, planned: MutationPlan<R>): Promise<PreparedEdit> {
  const { repo } = ctx
  const edits = planned.edits.filter((edit) => !deepEqual(edit.before, edit.after))
  const others = (planned.files ?? []).filter((file) => file.before !== file.after)
  const config = await ctx.config()
  const branch = await currentBranch(repo)
  const { registryBranch } = config
  const onRegistryBranch = branch === `refs/heads/${registryBranch}`
  const paths = [...edits.map((edit) => manifestPath(edit.kind, edit.name)), ...others.map((file) => file.path)]
  const prepared = { branch, onRegistryBranch, registryBranch, message: planned.message, edits, paths, files: [], refMoves: [], parent: null, states: null }
  if (paths.length === 0) return prepared
  await assertSafeEdits(repo, edits, onRegistryBranch && !options.force ? config : null)
  const upgrade = options.noCommit ? null : await formatUpgrade(ctx)
  const written = upgrade === null ? paths : [...paths, upgrade.path]
  let parent: string | null = null
  let states: PathState[] | null = null
  if (!options.noCommit) {
    parent = await readRef(repo, branch)
    states = await readPathStates(repo, parent, written)
    assertCommittable(states)
  }
  const files = [...(await renderEdits(ctx, edits, paths)), ...others.map(({ path, before, after }) => ({ path, before, after }))]
  if (upgrade !== null) files.push({ path: upgrade.path, before: await repo.fs.readText(`${repo.dir}/${upgrade.path}`), after: upgrade.content.toString('utf8') })
  const refMoves = onRegistryBranch && !options.noCommit ? (planned.refMoves ?? []) : []
  return { ...prepared, files, refMoves, parent, states }
}

function outcomeOf(prepared: PreparedEdit, fields: Pick<MutationResult, 'commit' | 'refs' | 'dryRun' | 'planned'>): MutationResult {
  const { paths, onRegistryBranch, registryBranch } = prepared
  return { changed: paths.length > 0, paths, onRegistryBranch, registryBranch, ...fields }
}

/** Write the prepared edit: the files alone (noCommit) or the commit with its refs. */
async function applyPrepared(ctx: RegistryContext, options: MutationOptions, prepared: PreparedEdit): Promise<MutationResult> {
  const unwritten = { commit: null, refs: [], dryRun: false, planned: null }
  if (prepared.paths.length === 0) return outcomeOf(prepared, unwritten)
  if (options.noCommit) {
    for (const file of prepared.files) {
      if (file.after === null) await ctx.repo.fs.remove(`${ctx.repo.dir}/${file.path}`)
      else await ctx.repo.fs.writeAtomic(`${ctx.repo.dir}/${file.path}`, file.after)
    }
    return outcomeOf(prepared, unwritten)
  }
  const applied = await commitEdits(ctx, prepared, options.sign)
  return outcomeOf(prepared, { commit: applied.commit, refs: applied.refs, dryRun: false, planned: null })
}

/** What the prepared edit would change: its files, and on the registry branch the alias refs, their ledger record and other refs. */
async function dryRunOf(ctx: RegistryContext, options: MutationOptions, prepared: PreparedEdit): Promise<MutationResult> {
  const committed = !options.noCommit
  const moved = prepared.onRegistryBranch && committed
  const manifests = prepared.edits.map((edit) => ({ kind: edit.kind, name: edit.name, data: edit.after ?? { name: edit.name } }))
  const refs = moved ? await planManifestRefs(ctx.repo, manifests) : []
  const ledger = refs.length > 0 ? { moves: await ledgerMoves(ctx.repo, refs, manifests) } : null
  const planned = { committed, message: prepared.message, files: prepared.files, ledger, refMoves: prepared.refMoves }
  return outcomeOf(prepared, { commit: null, refs, dryRun: true, planned })
}

/**
 * Commit the prepared edit alone: the commit is built from objects, then made visible
 * step by step under a journal (see applyEdit).
 */
async function commitEdits(ctx: RegistryContext, prepared: PreparedEdit, sign: boolean | undefined): Promise<AppliedEdit> {
  const { repo } = ctx
  const { branch, edits, files, parent, states } = prepared
  const contents = files.map((file) => (file.after === null ? null : Buffer.from(file.after, 'utf8')))
  const [identities, signer] = await Promise.all([commitIdentities(ctx), commitSigner(repo, ctx.env, sign)])
  const written = files.map((file, i) => ({ path: file.path, content: contents[i]! }))
  const commit = await buildCommit(repo, { parent, files: written, message: prepared.message, ...identities, signer })
  return applyEdit(repo, {
    branch,
    parent,
    commit,
    aliasRefs: prepared.onRegistryBranch,
    ...(prepared.refMoves.length > 0 && { refMoves: prepared.refMoves }),
    files: files.map((file, i) => ({
      path: file.path,
      kind: edits[i]?.kind ?? null,
      name: edits[i]?.name ?? file.path,
      before: states![i]!.head,
      after: contents[i] ? hashObject('blob', contents[i]) : null,
    })),
  }, { signer, committer: identities.committer })
}

/** Render every edit and validate each result as a reader would; nothing is written. */
async function renderEdits(ctx: RegistryContext, edits: readonly ManifestEdit[], paths: readonly string[]): Promise<PlannedFile[]> {
  const files: PlannedFile[] = []
  for (const [i, edit] of edits.entries()) {
    const path = paths[i]!
    const before = await ctx.repo.fs.readText(`${ctx.repo.dir}/${path}`)
    if (edit.after === null) {
      files.push({ path, before, after: null })
      continue
    }
    // Re-read with the YAML document so the edit keeps the user's comments and key order.
    const doc = before === null ? undefined : parseManifest(edit.kind, before, path).doc
    const rendered = renderManifest(edit.kind, edit.after, doc)
    parseManifest(edit.kind, rendered, path)
    files.push({ path, before, after: rendered })
  }
  return files
}
