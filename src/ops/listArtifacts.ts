import { summariseArtifact, type ArtifactSummary } from './support/artifactSummary.js'
import { listArtifactNames } from './support/catalog.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { ManifestStore } from './support/manifestStore.js'

export type { ArtifactSummary }

export type ListArtifactsOptions = RepoOptions

export async function listArtifacts(options: ListArtifactsOptions): Promise<ArtifactSummary[]> {
  const { repo } = await openRegistryContext(options)
  const store = new ManifestStore(repo)
  const out: ArtifactSummary[] = []
  for (const name of await listArtifactNames(repo)) out.push(await summariseArtifact(repo, store, name))
  return out
}
