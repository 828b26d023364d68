import { parseArtifactManifest } from '../domain/artifactManifest.js'
import { loadVersions } from '../git/versionIndex.js'
import { manifestPath } from '../domain/layout.js'
import { listArtifactNames } from './catalog.js'
import { openRegistryContext, type RepoOptions } from './context.js'

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
  const out: ArtifactSummary[] = []
  for (const name of await listArtifactNames(repo)) {
    const path = manifestPath('artifact', name)
    const text = await repo.fs.readText(`${repo.dir}/${path}`)
    const manifest = text === null ? null : parseArtifactManifest(text, path)
    const { versions } = await loadVersions(repo, name)
    const last = versions[versions.length - 1]
    out.push({
      name,
      type: manifest?.type ?? 'model',
      description: manifest?.description ?? '',
      versions: versions.length,
      latest: last ? { version: last.version, commit: last.commit, time: last.time } : null,
      aliases: manifest?.aliases ?? {},
    })
  }
  return out
}
