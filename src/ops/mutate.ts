import type { AliasRefChange } from '../domain/aliasSync.js'
import { manifestPath, type NameKind } from '../domain/layout.js'
import { deepEqual } from '../domain/manifestDocument.js'
import type { ManifestYaml } from '../domain/manifests.js'
import { formatIdentity } from '../git/commit.js'
import { commitFiles, currentBranch } from '../git/commitFiles.js'
import { syncAliasRefsOf } from './aliasRefs.js'
import { commitIdentities, withRegistryLock, type RegistryContext } from './context.js'
import { ManifestStore } from './manifestStore.js'
import { assertSafeEdits } from './soundState.js'

/** One manifest's new content, as an operation decided it. */
export interface ManifestEdit {
  kind: NameKind
  name: string
  /** The data as read (null: the file does not exist yet). */
  before: ManifestYaml | null
  after: ManifestYaml
}

/** What an operation decided: the new manifests and the commit message that says what happened. */
export interface MutationPlan {
  edits: ManifestEdit[]
  message: string
}

export interface MutationOptions {
  /** Only edit the work tree; do not commit (and so move no ref). */
  noCommit?: boolean
  /** Allow moving a protected alias on the registry branch. */
  force?: boolean
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
 * The one way registry manifests change. Under the registry lock: `plan` reads what it
 * needs and returns the edits and a commit message; unchanged manifests are dropped; the
 * edits are checked (sound manifests, protected aliases: see assertSafeEdits); the files
 * are written, then committed alone on the current branch (other staged or unstaged work
 * untouched); on the registry branch the alias refs move to match. If the commit fails,
 * the files are put back as they were.
 */
export async function mutateRegistry(
  ctx: RegistryContext,
  options: MutationOptions,
  plan: (store: ManifestStore) => Promise<MutationPlan>,
): Promise<MutationResult> {
  const { repo } = ctx
  return withRegistryLock(ctx, async () => {
    const store = new ManifestStore(repo)
    const planned = await plan(store)
    const edits = planned.edits.filter((edit) => !deepEqual(edit.before, edit.after))
    const message = planned.message
    const config = await ctx.config()
    const branch = await currentBranch(repo)
    const { registryBranch } = config
    const onRegistryBranch = branch === `refs/heads/${registryBranch}`
    const unchanged = { changed: false, commit: null, paths: [], onRegistryBranch, registryBranch, refs: [] }
    if (edits.length === 0) return unchanged
    await assertSafeEdits(repo, edits, onRegistryBranch && !options.force ? config : null)

    const paths = edits.map((edit) => manifestPath(edit.kind, edit.name))
    const previous = await Promise.all(paths.map((path) => repo.fs.read(`${repo.dir}/${path}`)))
    await writeEdits(ctx, edits, paths)
    if (options.noCommit) return { ...unchanged, changed: true, paths }

    const identities = await commitIdentities(ctx)
    let commit: string
    try {
      commit = (await commitFiles(repo, { paths, message, ...identities })).commit
    } catch (err) {
      await Promise.all(
        paths.map((path, i) =>
          previous[i] === null ? repo.fs.remove(`${repo.dir}/${path}`) : repo.fs.writeAtomic(`${repo.dir}/${path}`, previous[i]!),
        ),
      )
      throw err
    }
    const refs: AliasRefChange[] = []
    if (onRegistryBranch) {
      const reflog = { message: `gmr: ${message.split('\n')[0]}`, identity: formatIdentity(identities.committer) }
      for (const edit of edits) refs.push(...(await syncAliasRefsOf(repo, { ...edit, data: edit.after }, reflog)))
    }
    return { changed: true, commit, paths, onRegistryBranch, registryBranch, refs }
  })
}

/** Render every edit, validate each result as a reader would, and only then write them all. */
async function writeEdits(ctx: RegistryContext, edits: readonly ManifestEdit[], paths: readonly string[]): Promise<void> {
  const { parseManifest, renderManifest } = await import('../domain/manifests.js')
  const texts: string[] = []
  for (const [i, edit] of edits.entries()) {
    const text = await ctx.repo.fs.readText(`${ctx.repo.dir}/${paths[i]}`)
    // Re-read with the YAML document so the edit keeps the user's comments and key order.
    const doc = text === null ? undefined : parseManifest(edit.kind, text, paths[i]!).doc
    const rendered = renderManifest(edit.kind, edit.after, doc)
    parseManifest(edit.kind, rendered, paths[i]!)
    texts.push(rendered)
  }
  for (const [i, text] of texts.entries()) await ctx.repo.fs.writeAtomic(`${ctx.repo.dir}/${paths[i]}`, text)
}
