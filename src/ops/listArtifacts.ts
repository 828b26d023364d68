import { manifestDefaults } from '../domain/generated/validators.js'
import type { ArtifactYaml } from '../domain/manifests.js'
import { loadVersions } from '../git/versionIndex.js'
import { listArtifactNames } from './catalog.js'
import { openRegistryContext, type RepoOptions } from './context.js'
import { ManifestStore } from './manifestStore.js'

export interface ArtifactSummary {
  name: string
  type: string
  description: string
  /** Number of versions on the branch. */
  versions: number
  /** The newest version's number and commit, when there is one. */
  latest: { version: number; commit: string; time: number } | null
  aliases: Record<string, number>
}

export type ListArtifactsOptions = RepoOptions

export async function listArtifacts(options: ListArtifactsOptions): Promise<ArtifactSummary[]> {
  const { repo } = await openRegistryContext(options)
  const store = new ManifestStore(repo)
  const out: ArtifactSummary[] = []
  for (const name of await listArtifactNames(repo)) {
    out.push(summarise(name, (await store.read('artifact', name))?.data ?? null, await loadVersions(repo, name)))
  }
  return out
}

function summarise(
  name: string,
  manifest: ArtifactYaml | null,
  { versions }: Awaited<ReturnType<typeof loadVersions>>,
): ArtifactSummary {
  const last = versions[versions.length - 1]
  return {
    name,
    type: manifest?.type ?? manifestDefaults.artifact.type,
    description: manifest?.description ?? '',
    versions: versions.length,
    latest: last ? { version: last.version, commit: last.commit, time: last.time } : null,
    aliases: manifest?.aliases ?? {},
  }
}
