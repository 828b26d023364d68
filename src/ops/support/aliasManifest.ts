import type { NameKind } from '../../domain/layout.js'
import type { ManifestYaml } from '../../domain/manifests.js'
import type { Repo } from '../../git/repo.js'
import { kindOfName, unknownName } from './catalog.js'
import type { ManifestStore } from './manifestStore.js'
import { loadManifests } from './lazyModules.js'

/** The manifest that holds a name's aliases; an artifact without one gets a new one. */
export async function manifestForAliases(
  repo: Repo,
  store: ManifestStore,
  name: string,
): Promise<{ kind: NameKind; data: ManifestYaml }> {
  const kind = await kindOfName(repo, name)
  if (kind === null) throw await unknownName(repo, name)
  const record = await store.read(kind, name)
  if (record) return { kind, data: record.data }
  const { newArtifactManifest } = await loadManifests()
  return { kind, data: newArtifactManifest(name) }
}
