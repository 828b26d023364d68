import type { AliasRefChange } from '../../domain/aliasSync.js'
import { manifestPath, type NameKind } from '../../domain/layout.js'
import { deepEqual } from '../../domain/deepEqual.js'
import type { ManifestYaml } from '../../domain/manifests.js'
import { buildCommit, currentBranch } from '../../git/commitFiles.js'
import { hashObject } from '../../git/objects.js'
import { readPathStates } from '../../git/pathStates.js'
import { readRef } from '../../git/refs.js'
import { commitSigner } from '../../git/signing.js'
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

/** What an operation decided: the new manifests and the commit message that says what happened. */
export interface MutationPlan {
  edits: ManifestEdit[]
  /** Other registry files the same commit writes or deletes. */
  files?: RegistryFileEdit[]
  /** Refs moved with the commit on the registry branch (see EditJournal.refMoves). */
  refMoves?: RefMove[]
  message: string
}

export interface MutationOptions {
  /** Only edit the work tree; do not commit (and so move no ref). */
  noCommit?: boolean
  /** Allow moving a protected alias on the registry branch. */
  force?: boolean
  /** Sign the commit (true) or not (false); default: git's `commit.gpgsign`. */
  sign?: boolean
}

export interface MutationResult {
  /** False when the manifests already said this: nothing was written. */
  changed: boolean
  commit: string | null
  /** The paths written. */
  paths: string[]
  onRegistryBranch: boolean
  registryBranch: string
  /** Alias refs moved with the commit (only on the registry branch). */
  refs: AliasRefChange[]
}

/**
 * The one way registry manifests change. Under the registry lock: an edit a killed gmr
 * left half-done is finished first; `plan` reads what it needs and returns the edits and
 * a commit message; unchanged manifests are dropped; the edits are checked (sound
 * manifests, protected aliases: see assertSafeEdits). With `noCommit` the files are only
 * written. Otherwise the manifests must hold no uncommitted changes of the user's, and
 * the edit is committed alone on the current branch (other staged or unstaged work
 * untouched) with work tree, index, branch and, on the registry branch, alias refs moved
 * in a kill-safe order (see applyEdit).
 */
export async function mutateRegistry(
  ctx: RegistryContext,
  options: MutationOptions,
  plan: (store: ManifestStore) => Promise<MutationPlan>,
): Promise<MutationResult> {
  const { repo } = ctx
  return withRegistryLock(ctx, async () => {
    await recoverInterruptedEdit(repo)
    const store = new ManifestStore(repo)
    const planned = await plan(store)
    const edits = planned.edits.filter((edit) => !deepEqual(edit.before, edit.after))
    const files = (planned.files ?? []).filter((file) => file.before !== file.after)
    const message = planned.message
    const config = await ctx.config()
    const branch = await currentBranch(repo)
    const { registryBranch } = config
    const onRegistryBranch = branch === `refs/heads/${registryBranch}`
    const unchanged = { changed: false, commit: null, paths: [], onRegistryBranch, registryBranch, refs: [] }
    if (edits.length === 0 && files.length === 0) return unchanged
    await assertSafeEdits(repo, edits, onRegistryBranch && !options.force ? config : null)

    const paths = [...edits.map((edit) => manifestPath(edit.kind, edit.name)), ...files.map((file) => file.path)]
    if (options.noCommit) {
      const texts = [...(await renderEdits(ctx, edits, paths)), ...files.map((file) => file.after)]
      for (const [i, text] of texts.entries()) {
        if (text === null) await repo.fs.remove(`${repo.dir}/${paths[i]}`)
        else await repo.fs.writeAtomic(`${repo.dir}/${paths[i]}`, text)
      }
      return { ...unchanged, changed: true, paths }
    }
    const refMoves = onRegistryBranch ? (planned.refMoves ?? []) : []
    const applied = await commitEdits(ctx, { branch, edits, files, paths, message, aliasRefs: onRegistryBranch, refMoves, sign: options.sign })
    return { changed: true, commit: applied.commit, paths, onRegistryBranch, registryBranch, refs: applied.refs }
  })
}

/**
 * Commit the edits alone: refused when the user has uncommitted changes to one of these
 * manifests (they would ride along); otherwise the commit is built from objects, then
 * made visible step by step under a journal (see applyEdit).
 */
async function commitEdits(
  ctx: RegistryContext,
  edit: {
    branch: string
    edits: readonly ManifestEdit[]
    files: readonly RegistryFileEdit[]
    paths: readonly string[]
    message: string
    aliasRefs: boolean
    refMoves: RefMove[]
    sign?: boolean | undefined
  },
): Promise<AppliedEdit> {
  const { repo } = ctx
  const { branch, edits, files, message } = edit
  const upgrade = await formatUpgrade(ctx)
  const paths = upgrade === null ? edit.paths : [...edit.paths, upgrade.path]
  const parent = await readRef(repo, branch)
  const states = await readPathStates(repo, parent, paths)
  assertCommittable(states)
  const texts = [...(await renderEdits(ctx, edits, paths)), ...files.map((file) => file.after), ...(upgrade ? [upgrade.content.toString('utf8')] : [])]
  const contents = texts.map((text) => (text === null ? null : Buffer.from(text, 'utf8')))
  const [identities, signer] = await Promise.all([commitIdentities(ctx), commitSigner(repo, ctx.env, edit.sign)])
  const written = paths.map((path, i) => ({ path, content: contents[i]! }))
  const commit = await buildCommit(repo, { parent, files: written, message, ...identities, signer })
  return applyEdit(repo, {
    branch,
    parent,
    commit,
    aliasRefs: edit.aliasRefs,
    ...(edit.refMoves.length > 0 && { refMoves: edit.refMoves }),
    files: paths.map((path, i) => ({
      path,
      kind: edits[i]?.kind ?? null,
      name: edits[i]?.name ?? path,
      before: states[i]!.head,
      after: contents[i] ? hashObject('blob', contents[i]) : null,
    })),
  }, { signer, committer: identities.committer })
}

/** Render every edit and validate each result as a reader would; nothing is written. */
async function renderEdits(ctx: RegistryContext, edits: readonly ManifestEdit[], paths: readonly string[]): Promise<Array<string | null>> {
  const texts: Array<string | null> = []
  for (const [i, edit] of edits.entries()) {
    if (edit.after === null) {
      texts.push(null)
      continue
    }
    const text = await ctx.repo.fs.readText(`${ctx.repo.dir}/${paths[i]}`)
    // Re-read with the YAML document so the edit keeps the user's comments and key order.
    const doc = text === null ? undefined : parseManifest(edit.kind, text, paths[i]!).doc
    const rendered = renderManifest(edit.kind, edit.after, doc)
    parseManifest(edit.kind, rendered, paths[i]!)
    texts.push(rendered)
  }
  return texts
}
