import { manifestDefaults } from '../../domain/generated/schemaSummary.js'
import type { ArtifactYaml } from '../../domain/manifests.js'
import type { Repo } from '../../git/repo.js'
import { loadVersions, type VersionRecord } from '../../git/versionIndex.js'
import type { ManifestStore } from './manifestStore.js'

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

/** One artifact's summary: its manifest (if any) and its version list. */
export async function summariseArtifact(repo: Repo, store: ManifestStore, name: string): Promise<ArtifactSummary> {
  return summariseArtifactVersions(store, name, (await loadVersions(repo, name)).versions)
}

/** The same, for an operation that has read the artifact's versions already. */
export async function summariseArtifactVersions(store: ManifestStore, name: string, versions: readonly VersionRecord[]): Promise<ArtifactSummary> {
  const manifest: ArtifactYaml | null = (await store.read('artifact', name))?.data ?? null
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
