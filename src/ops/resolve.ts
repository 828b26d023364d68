import { UnknownVersionError } from '../domain/errors.js'
import { formatReference, formatSelector, parseReference, type Reference } from '../domain/reference.js'
import type { Repo } from '../git/repo.js'
import { loadVersion, loadVersions, type VersionRecord } from '../git/versionIndex.js'
import { manifestPath } from '../domain/layout.js'
import { describeChoices, kindOfName, unknownName } from './catalog.js'
import { openRegistryContext, type RepoOptions } from './context.js'

/** A reference pinned to one version. */
export interface ResolvedVersion {
  /** The reference as given, normalised (`churn:latest`). */
  reference: string
  kind: 'artifact'
  name: string
  /** The artifact whose branch holds the version. */
  artifact: string
  /** The artifact version number. */
  version: number
  commit: string
  record: VersionRecord
}

export interface ResolveOptions extends RepoOptions {
  ref: string
}

export async function resolve(options: ResolveOptions): Promise<ResolvedVersion> {
  const reference = parseReference(options.ref)
  const { repo } = await openRegistryContext(options)
  return resolveReference(repo, reference)
}

/** Pin `<name>:<selector>` to a version; unknown names and selectors say what exists. */
export async function resolveReference(repo: Repo, reference: Reference): Promise<ResolvedVersion> {
  const kind = await kindOfName(repo, reference.name)
  if (kind === null) throw await unknownName(repo, reference.name)
  const record = await resolveArtifactVersion(repo, reference)
  return {
    reference: formatReference(reference),
    kind: 'artifact',
    name: reference.name,
    artifact: reference.name,
    version: record.version,
    commit: record.commit,
    record,
  }
}

async function resolveArtifactVersion(repo: Repo, reference: Reference): Promise<VersionRecord> {
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
  const aliases = await artifactAliases(repo, name)
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

async function artifactAliases(repo: Repo, name: string): Promise<Record<string, number>> {
  const path = manifestPath('artifact', name)
  const text = await repo.fs.readText(`${repo.dir}/${path}`)
  if (text === null) return {}
  const { parseArtifactManifest } = await import('../domain/artifactManifest.js')
  return parseArtifactManifest(text, path).aliases
}

async function unknownVersion(repo: Repo, reference: Reference): Promise<UnknownVersionError> {
  const { versions } = await loadVersions(repo, reference.name)
  const known =
    versions.length === 0
      ? `${reference.name} has no versions yet`
      : `${reference.name} has v0 to v${versions.length - 1}`
  return new UnknownVersionError(`no version ${formatSelector(reference.selector)} of ${reference.name}: ${known}`, {
    name: reference.name,
    selector: formatSelector(reference.selector),
    count: versions.length,
  })
}
