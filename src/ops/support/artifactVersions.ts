import { NotAnArtifactError } from '../../domain/errors.js'
import type { AnnotationYaml } from '../../domain/metadataAdditions.js'
import { assertName } from '../../domain/names.js'
import type { Repo } from '../../git/repo.js'
import { loadSoundVersions, type StartedWalk, type VersionRecord } from '../../git/versionIndex.js'
import { kindOfName, unknownName } from './catalog.js'
import { openRegistryContext, type RepoOptions } from './context.js'
import { ManifestStore } from './manifestStore.js'
import { versionAdditions } from './versionAdditions.js'

// What `listVersions` and `renderVersions` share: which repository the artifact is in, and its versions.

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

/** The repository of `options.artifact`, refused when the name is a registered model or nothing. */
export async function artifactRepo(options: ListVersionsOptions): Promise<Repo> {
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
  return repo
}

/**
 * The artifact's versions (refused when its branch is not sound) and their additions,
 * read from the manifest unless given; `started`: a walk of its chain git began at start-up.
 */
export async function artifactVersions(
  repo: Repo,
  artifact: string,
  store = new ManifestStore(repo),
  known?: Record<string, AnnotationYaml>,
  started?: StartedWalk,
): Promise<ListVersionsResult> {
  const { tip, versions } = await loadSoundVersions(repo, artifact, started)
  const additions = known ?? (await versionAdditions(store, artifact))
  return { artifact, tip, versions, additions }
}
