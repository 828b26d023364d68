import { artifactRepo, artifactVersions, type ListVersionsOptions, type ListVersionsResult } from './support/artifactVersions.js'

export type { ListVersionsOptions, ListVersionsResult }

export async function listVersions(options: ListVersionsOptions): Promise<ListVersionsResult> {
  return artifactVersions(await artifactRepo(options), options.artifact)
}
