import { ManifestError, UnknownVersionError } from '../../domain/errors.js'
import { manifestPath } from '../../domain/layout.js'
import type { ModelLinkYaml } from '../../domain/manifests.js'
import type { AnnotationYaml } from '../../domain/metadataAdditions.js'
import { selectLink } from '../../domain/modelLinks.js'
import { formatReference, formatSelector, type Reference } from '../../domain/reference.js'
import type { Repo } from '../../git/repo.js'
import { loadVersion, loadVersions, type VersionRecord } from '../../git/versionIndex.js'
import { describeChoices, kindOfName, unknownName } from './catalog.js'
import { ManifestStore } from './manifestStore.js'

/** A reference pinned to one version. */
export interface ResolvedVersion {
  /** The reference as given, normalised (`churn:latest`). */
  reference: string
  kind: 'artifact' | 'model'
  name: string
  /** The number in the name's own numbering: the link number of a model, the version of an artifact. */
  version: number
  /** The artifact whose branch holds the version, and its version number there. */
  artifact: string
  artifactVersion: number
  commit: string
  /** The version as the artifact branch records it (tree, time, author, metadata, source). */
  record: VersionRecord
  /** For a registered model, the link that was followed. */
  link?: ModelLinkYaml
  /** What was added after the fact (gmr meta set), when the command read it: the version's, then the link's. */
  additions?: AnnotationYaml[]
}

/** Pin `<name>:<selector>` to a version; unknown names and selectors say what exists. */
export async function resolveReference(
  repo: Repo,
  reference: Reference,
  store = new ManifestStore(repo),
): Promise<ResolvedVersion> {
  const kind = await kindOfName(repo, reference.name)
  if (kind === null) throw await unknownName(repo, reference.name)
  if (kind === 'model') {
    const model = await store.read('model', reference.name)
    const link = selectLink(model!.data, reference.selector)
    const record = await linkedVersion(repo, reference.name, link)
    return {
      reference: formatReference(reference),
      kind,
      name: reference.name,
      version: link.version,
      artifact: link.artifact,
      artifactVersion: link.artifactVersion,
      commit: link.commit,
      record,
      link,
    }
  }
  const record = await resolveArtifactVersion(repo, reference, store)
  return {
    reference: formatReference(reference),
    kind,
    name: reference.name,
    version: record.version,
    artifact: reference.name,
    artifactVersion: record.version,
    commit: record.commit,
    record,
  }
}

/** The artifact version a link points at; a link that disagrees with the branch is damage. */
export async function linkedVersion(repo: Repo, model: string, link: ModelLinkYaml): Promise<VersionRecord> {
  const record = await loadVersion(repo, link.artifact, link.artifactVersion)
  if (record?.commit !== link.commit) {
    const path = manifestPath('model', model)
    const actual = record ? `it is ${record.commit}` : `${link.artifact} has no such version here`
    throw new ManifestError(
      `${path}: link v${link.version} says ${link.artifact}:v${link.artifactVersion} is ${link.commit}, but ${actual}; fetch the artifact branch or fix the link (gmr check lists every such problem)`,
      { file: path, version: link.version },
    )
  }
  return record
}

async function resolveArtifactVersion(repo: Repo, reference: Reference, store: ManifestStore): Promise<VersionRecord> {
  const { name, selector } = reference
  if (selector.kind === 'number') {
    const record = await loadVersion(repo, name, selector.number)
    if (record) return record
    throw await unknownVersion(repo, reference)
  }
  if (selector.kind === 'latest') {
    const { versions } = await loadVersions(repo, name)
    const last = versions[versions.length - 1]
    if (last) return last
    throw new UnknownVersionError(`${name} has no versions yet: log one with "gmr log ${name} <path>"`, { name })
  }
  const aliases = (await store.read('artifact', name))?.data.aliases ?? {}
  const number = aliases[selector.alias]
  if (number === undefined) {
    throw new UnknownVersionError(
      `${name} has no alias "${selector.alias}"; ${describeChoices(Object.keys(aliases).sort(), 'aliases')}`,
      { name, alias: selector.alias, known: Object.keys(aliases) },
    )
  }
  const record = await loadVersion(repo, name, number)
  if (record) return record
  throw await unknownVersion(repo, { name, selector: { kind: 'number', number } })
}

async function unknownVersion(repo: Repo, reference: Reference): Promise<UnknownVersionError> {
  const { versions } = await loadVersions(repo, reference.name)
  const known =
    versions.length === 0 ? `${reference.name} has no versions yet` : `${reference.name} has v0 to v${versions.length - 1}`
  return new UnknownVersionError(`no version ${formatSelector(reference.selector)} of ${reference.name}: ${known}`, {
    name: reference.name,
    selector: formatSelector(reference.selector),
    count: versions.length,
  })
}
