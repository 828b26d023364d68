import type { AliasRefChange } from '../domain/aliasSync.js'
import { planAliasSync } from '../domain/aliasSync.js'
import { ProtectedAliasError } from '../domain/errors.js'
import { ALIAS_REF_PREFIX, aliasRef } from '../domain/layout.js'
import { manifestEvents } from '../domain/manifestEvents.js'
import type { ManifestYaml, ModelYaml } from '../domain/manifests.js'
import type { RegistryConfig } from '../domain/registryConfig.js'
import { deleteRef, listRefs, updateRef, type ReflogEntry } from '../git/refs.js'
import type { GitDir } from '../git/repo.js'
import { loadVersion } from '../git/versionIndex.js'
import type { ManifestRecord } from './manifestStore.js'

/** An alias a manifest declares that names no version (reported, never turned into a ref). */
export interface DanglingAlias {
  name: string
  alias: string
  version: number
}

/** The alias refs one manifest asks for: `refs/aliases/<name>/<alias>` → commit. */
export async function desiredAliasRefs(
  repo: GitDir,
  record: Pick<ManifestRecord, 'kind' | 'name' | 'data'>,
  dangling: DanglingAlias[] = [],
): Promise<Map<string, string>> {
  const refs = new Map<string, string>()
  for (const [alias, version] of Object.entries(record.data.aliases ?? {})) {
    const commit =
      record.kind === 'model'
        ? ((record.data as ModelYaml).versions ?? []).find((link) => link.version === version)?.commit
        : (await loadVersion(repo, record.name, version))?.commit
    if (commit === undefined) dangling.push({ name: record.name, alias, version })
    else refs.set(aliasRef(record.name, alias), commit)
  }
  return refs
}

/** The alias refs that exist now, for one name or (without `name`) for all. */
export async function currentAliasRefs(repo: GitDir, name?: string): Promise<Map<string, string>> {
  return listRefs(repo, name === undefined ? ALIAS_REF_PREFIX : `${ALIAS_REF_PREFIX}${name}/`)
}

/** Make `name`'s alias refs say what its manifest says; returns what changed. */
export async function syncAliasRefsOf(
  repo: GitDir,
  record: Pick<ManifestRecord, 'kind' | 'name' | 'data'>,
  reflog?: ReflogEntry,
): Promise<AliasRefChange[]> {
  const changes = planAliasSync(await desiredAliasRefs(repo, record), await currentAliasRefs(repo, record.name))
  await applyAliasChanges(repo, changes, reflog)
  return changes
}

/** Apply planned changes, each a compare-and-swap against the value planned from. */
export async function applyAliasChanges(
  repo: GitDir,
  changes: readonly AliasRefChange[],
  reflog?: ReflogEntry,
): Promise<void> {
  for (const change of changes) {
    if (change.action === 'delete') await deleteRef(repo, change.ref, change.from)
    else {
      const from = change.action === 'move' ? change.from : null
      await updateRef(repo, change.ref, change.to, from, reflog === undefined ? {} : { reflog })
    }
  }
}

/**
 * The one protected-alias rule: on the registry branch a protected alias changes (in a
 * manifest or as a ref) only with --force; the intended way is a reviewed pull request.
 */
export function assertUnprotected(
  config: Pick<RegistryConfig, 'registryBranch' | 'protectedAliases'>,
  name: string,
  aliases: Iterable<string>,
): void {
  for (const alias of aliases) {
    if (!config.protectedAliases.includes(alias)) continue
    throw new ProtectedAliasError(
      `"${alias}" is a protected alias: on the registry branch (${config.registryBranch}) it changes only with --force; propose the change on a branch and merge it through a pull request`,
      { name, alias },
    )
  }
}

/**
 * The aliases a manifest edit changes: those whose value in the manifest changes, and
 * those whose existing ref would move or go to follow the edited manifest (a ref out of
 * step with its manifest). Creating a missing ref (a fresh clone) changes no deployment.
 */
export async function aliasesTouched(
  repo: GitDir,
  edit: Pick<ManifestRecord, 'kind' | 'name'> & { before: ManifestYaml | null; after: ManifestYaml },
): Promise<string[]> {
  const inManifest = manifestEvents(edit.before, edit.after).flatMap((event) => ('alias' in event ? [event.alias] : []))
  const desired = await desiredAliasRefs(repo, { kind: edit.kind, name: edit.name, data: edit.after })
  const prefix = aliasRef(edit.name, '')
  const asRefs = planAliasSync(desired, await currentAliasRefs(repo, edit.name))
    .filter((change) => change.action !== 'create')
    .map((change) => change.ref.slice(prefix.length))
  return [...new Set([...inManifest, ...asRefs])]
}
