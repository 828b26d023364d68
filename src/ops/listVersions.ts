import { NotAnArtifactError } from '../domain/errors.js'
import { assertName } from '../domain/names.js'
import { loadSoundVersions, type VersionRecord } from '../git/versionIndex.js'
import { kindOfName, unknownName } from './support/catalog.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { ManifestStore } from './support/manifestStore.js'
import { versionAdditions } from './support/versionAdditions.js'
import type { AnnotationYaml } from '../domain/metadataAdditions.js'

export interface ListVersionsOptions extends RepoOptions {
  artifact: string
}

export interface ListVersionsResult {
  artifact: string
  tip: string | null
  versions: VersionRecord[]
  /** What was added to versions after the fact (gmr meta set), by `v<N>`. */
  additions: Record<string, AnnotationYaml>
}

export async function listVersions(options: ListVersionsOptions): Promise<ListVersionsResult> {
  assertName(options.artifact, 'artifact name')
  const { repo } = await openRegistryContext(options)
  const kind = await kindOfName(repo, options.artifact)
  if (kind === 'model') {
    throw new NotAnArtifactError(
      `${options.artifact} is a registered model, not an artifact: its links and the versions they name are listed by "gmr show ${options.artifact}"`,
      { name: options.artifact, kind },
    )
  }
  if (kind !== 'artifact') throw await unknownName(repo, options.artifact)
  const { tip, versions } = await loadSoundVersions(repo, options.artifact)
  const additions = await versionAdditions(new ManifestStore(repo), options.artifact)
  return { artifact: options.artifact, tip, versions, additions }
}
