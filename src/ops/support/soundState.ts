import { checkRegistry } from '../../domain/checkRegistry.js'
import { locateFindings, type Finding } from '../../domain/checkFindings.js'
import { BrokenStateError } from '../../domain/errors.js'
import { ARTIFACT_BRANCH_PREFIX, manifestPath, type NameKind } from '../../domain/layout.js'
import type { ManifestYaml, ModelYaml } from '../../domain/manifests.js'
import type { RegistryConfig } from '../../domain/registryConfig.js'
import type { RegistrySnapshot, SnapshotManifest } from '../../domain/registrySnapshot.js'
import { listRefs } from '../../git/refs.js'
import type { Repo } from '../../git/repo.js'
import { aliasesTouched, assertUnprotected } from './aliasRefs.js'
import { SnapshotLoader, WORK_TREE } from './registryStateLoader.js'

// Kept in the version index so that `gmr versions` does not load the check rules.
export { loadSoundVersions } from '../../git/versionIndex.js'

/** A manifest as a write found it in the work tree and as it will leave it. */
export interface PlannedManifest {
  kind: NameKind
  name: string
  before: ManifestYaml | null
  /** Null: the manifest is deleted. */
  after: ManifestYaml | null
}

/**
 * Refuse a registry write whose manifests, as it would leave them, break an error rule
 * of `gmr check`: a link whose commit is missing, another object, or not that version
 * of its artifact; an alias naming no link or version; an artifact branch whose shape
 * is broken. The write's refs follow these manifests, so nothing may be built on them.
 * Problems point at the lines of the manifest as it is now.
 */
export async function assertSoundEdits(repo: Repo, planned: readonly PlannedManifest[]): Promise<void> {
  const loader = new SnapshotLoader(repo)
  const edits = planned.filter((edit): edit is PlannedManifest & { after: ManifestYaml } => edit.after !== null)
  const manifests: SnapshotManifest[] = edits.map((edit) => ({
    kind: edit.kind,
    name: edit.name,
    path: manifestPath(edit.kind, edit.name),
    oid: '',
    data: edit.after,
    problems: [],
  }))
  const artifacts = new Set(edits.flatMap((edit) => (edit.kind === 'artifact' ? [edit.name] : ((edit.after as ModelYaml).versions ?? []).map((l) => l.artifact))))
  const prefixed = await listRefs(repo, ARTIFACT_BRANCH_PREFIX)
  const tips = new Map([...prefixed].map(([ref, tip]) => [ref.slice(ARTIFACT_BRANCH_PREFIX.length), tip]))
  const snapshot = await loader.load({ source: WORK_TREE, manifests: [], strays: [], tips }, { manifests, versions: artifacts })
  const errors = refusals(snapshot).map((finding) => asBefore(finding, edits))
  const texts = new Map<string, string>()
  for (const path of new Set(errors.flatMap((f) => (f.file === undefined ? [] : [f.file])))) {
    const text = await repo.fs.readText(`${repo.dir}/${path}`)
    if (text !== null) texts.set(path, text)
  }
  refuse(locateFindings(errors, texts))
}

/**
 * Everything a registry write checks before it writes: the manifests it leaves are sound
 * (`assertSoundEdits`), and, when `guarded` (on the registry branch without --force), no
 * protected alias changes, in a manifest or as a ref.
 */
export async function assertSafeEdits(
  repo: Repo,
  edits: readonly PlannedManifest[],
  guarded: Pick<RegistryConfig, 'registryBranch' | 'protectedAliases'> | null,
): Promise<void> {
  await assertSoundEdits(repo, edits)
  if (guarded === null) return
  // A deleted manifest removes every alias it had, and every ref of its name.
  for (const edit of edits) assertUnprotected(guarded, edit.name, await aliasesTouched(repo, { ...edit, after: edit.after ?? { name: edit.name } }))
}

/**
 * Refuse to act on the registry as committed at `commit` (what `gmr sync` makes the
 * refs follow) when it breaks an error rule of `gmr check`; returns it otherwise.
 */
export async function loadSoundRegistryAt(repo: Repo, commit: string, label: string): Promise<RegistrySnapshot> {
  const loader = new SnapshotLoader(repo)
  const snapshot = await loader.load(await loader.files({ kind: 'commit', label, commit, branchPrefix: ARTIFACT_BRANCH_PREFIX }))
  const errors = refusals(snapshot)
  const texts = new Map<string, string>()
  for (const manifest of snapshot.manifests) {
    if (!errors.some((f) => f.file === manifest.path)) continue
    const text = await loader.text(manifest.oid)
    if (text !== null) texts.set(manifest.path, text)
  }
  refuse(locateFindings(errors, texts))
  return snapshot
}

function refusals(snapshot: RegistrySnapshot): Finding[] {
  return checkRegistry({ head: snapshot }).filter((finding) => finding.severity === 'error')
}

/** One line: the first problem with its `file:line:col`, and how many more `gmr check` shows. */
function refuse(errors: readonly Finding[]): void {
  const first = errors[0]
  if (first === undefined) return
  const where = first.file === undefined ? '' : `${[first.file, first.line, first.col].filter((p) => p !== undefined).join(':')}: `
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more: run gmr check)` : ''
  throw new BrokenStateError(`${where}${first.message}; nothing was written${more}`, {
    file: first.file ?? null,
    line: first.line ?? null,
    col: first.col ?? null,
    rule: first.rule,
    problems: errors.length,
  })
}

/**
 * A finding about a link of the planned manifest, moved to where that link is in the
 * file now (an unlink shifts the items after it); a link the write adds has no line
 * yet, so the finding points at the list.
 */
function asBefore(finding: Finding, edits: readonly PlannedManifest[]): Finding {
  const path = finding.yamlPath
  if (path?.[0] !== 'versions' || typeof path[1] !== 'number') return finding
  const edit = edits.find((e) => manifestPath(e.kind, e.name) === finding.file)
  const link = (edit?.after as ModelYaml | undefined)?.versions?.[path[1]]
  const at = ((edit?.before as ModelYaml | null | undefined)?.versions ?? []).findIndex((l) => l.version === link?.version)
  return { ...finding, yamlPath: at < 0 ? ['versions'] : ['versions', at, ...path.slice(2)] }
}
