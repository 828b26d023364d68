import { parseReference } from '../domain/reference.js'
import { kindOfName, unknownName } from './support/catalog.js'
import { describeModel, type ModelDescription } from './support/describeModel.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { summariseArtifact, type ArtifactSummary } from './support/artifactSummary.js'
import { versionFiles, type VersionFile } from './support/versionFiles.js'
import { ManifestStore } from './support/manifestStore.js'
import { additionsOf } from './support/versionAdditions.js'
import { resolveReference, type ResolvedVersion } from './support/resolveReference.js'
import { loadSoundVersions } from './support/soundState.js'

export interface ShowOptions extends RepoOptions {
  ref: string
}

export type { VersionFile }

export type ShowResult =
  | { kind: 'artifact'; artifact: ArtifactSummary }
  | { kind: 'model'; model: ModelDescription }
  | { kind: 'version'; version: ResolvedVersion; files: VersionFile[] }

/**
 * `gmr show <name>` describes the artifact or registered model (links, aliases, tags);
 * `gmr show <name>:<selector>` one version and its files.
 */
export async function show(options: ShowOptions): Promise<ShowResult> {
  const reference = parseReference(options.ref)
  const { repo } = await openRegistryContext(options)
  if (!options.ref.includes(':')) {
    const kind = await kindOfName(repo, reference.name)
    if (kind === null) throw await unknownName(repo, reference.name)
    if (kind === 'model') return { kind: 'model', model: (await describeModel(repo, reference.name))! }
    await loadSoundVersions(repo, reference.name)
    return { kind: 'artifact', artifact: await summariseArtifact(repo, new ManifestStore(repo), reference.name) }
  }
  const store = new ManifestStore(repo)
  const resolved = await resolveReference(repo, reference, store)
  await loadSoundVersions(repo, resolved.artifact)
  const version = { ...resolved, additions: await additionsOf(store, resolved) }
  return { kind: 'version', version, files: await versionFiles(repo, version.record.tree) }
}
