import { UnknownVersionError } from '../domain/errors.js'
import type { ArtifactYaml, ModelYaml } from '../domain/manifests.js'
import { formatReference, formatSelector, parseReference } from '../domain/reference.js'
import { loadVersions } from '../git/versionIndex.js'
import { kindOfName, unknownName } from './support/catalog.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { parseAtDate } from '../domain/atDate.js'
import { manifestTimeline } from './support/manifestTimeline.js'
import { linkedVersion, type ResolvedVersion } from './support/resolveReference.js'
import { selectLink } from '../domain/modelLinks.js'
import type { NameKind } from '../domain/layout.js'
import { aliasAt, type LedgerPoint } from '../domain/ledger.js'
import type { ManifestYaml } from '../domain/manifests.js'
import { readLedger } from '../git/ledger.js'
import type { Repo } from '../git/repo.js'

export interface ResolveAtOptions extends RepoOptions {
  ref: string
  /** `YYYY-MM-DD` (end of that day, UTC) or an ISO date-time. */
  at: string
}

/** Where the answer came from: the ledger (when the alias ref moved), or the registry branch's manifest history (when the change was committed). */
export type ResolveAtSource = 'ledger' | 'manifest-history'

export type ResolveAtResult = ResolvedVersion & { at: number; source: ResolveAtSource }

/**
 * What a reference meant at a past moment. An alias is answered from the ledger
 * (`refs/gmr/ledger`): the version its ref named then, which is what deployments saw.
 * For moments before the ledger's first record of that alias (a registry older than
 * format 2), and for numbers and latest, the answer comes from the registry branch's
 * history (the same history `gmr history` shows), with a note for an alias.
 */
export async function resolveAt(options: ResolveAtOptions): Promise<ResolveAtResult> {
  const reference = parseReference(options.ref)
  const at = parseAtDate(options.at)
  const ctx = await openRegistryContext(options)
  const { repo } = ctx
  const kind = await kindOfName(repo, reference.name)
  if (kind === null) throw await unknownName(repo, reference.name)
  const when = new Date(at * 1000).toISOString().replace('.000Z', 'Z')
  const { states } = await manifestTimeline(ctx, reference.name)
  const then = states.filter((s) => s.entry.time <= at).pop()?.data ?? null
  const base = { reference: formatReference(reference), kind, name: reference.name, at, source: 'manifest-history' as ResolveAtSource }

  if (reference.selector.kind === 'alias') {
    const said = aliasAt((await readLedger(repo)).records, reference.name, reference.selector.alias, at)
    if (said.known && said.point !== null) {
      const latest = states[states.length - 1]?.data ?? null
      return { ...(await versionAt(repo, kind, reference.name, latest, said.point, when)), ...base, source: 'ledger' }
    }
    // No ref then (before its first move): the manifest history says why, as for any missing alias.
    if (!said.known) ctx.notify(
      `the ledger has no record of ${base.reference} at ${when}: answered from the registry branch's manifest history, which dates a change by its commit, not by when the alias ref moved`,
    )
  }

  if (kind === 'model') {
    if (then === null) {
      throw new UnknownVersionError(`registered model ${reference.name} did not exist on the registry branch at ${when}`, {
        name: reference.name,
      })
    }
    const link = selectLink(then as ModelYaml, reference.selector)
    const record = await linkedVersion(repo, reference.name, link)
    return { ...base, version: link.version, artifact: link.artifact, artifactVersion: link.artifactVersion, commit: link.commit, record, link }
  }

  const versions = (await loadVersions(repo, reference.name)).versions.filter((v) => v.time <= at)
  let number: number | undefined
  if (reference.selector.kind === 'number') number = reference.selector.number
  else if (reference.selector.kind === 'latest') number = versions[versions.length - 1]?.version
  else number = ((then as ArtifactYaml | null)?.aliases ?? {})[reference.selector.alias]
  const record = number === undefined ? undefined : versions.find((v) => v.version === number)
  if (!record) {
    throw new UnknownVersionError(
      `${reference.name}:${formatSelector(reference.selector)} named no version at ${when} (${versions.length === 0 ? 'no versions had been logged yet' : `versions then: v0 to v${versions.length - 1}`})`,
      { name: reference.name, at },
    )
  }
  return { ...base, version: record.version, artifact: reference.name, artifactVersion: record.version, commit: record.commit, record }
}

/** The version a ledger point names: a model's link (by number and commit), or an artifact's version. */
async function versionAt(
  repo: Repo,
  kind: NameKind,
  name: string,
  manifest: ManifestYaml | null,
  point: LedgerPoint,
  when: string,
): Promise<Omit<ResolvedVersion, 'reference' | 'kind' | 'name'>> {
  if (kind === 'model') {
    const links = ((manifest as ModelYaml | null)?.versions ?? []).filter((l) => l.commit === point.commit)
    const link = links.find((l) => l.version === point.version) ?? links[links.length - 1]
    if (link !== undefined) {
      const record = await linkedVersion(repo, name, link)
      return { version: link.version, artifact: link.artifact, artifactVersion: link.artifactVersion, commit: link.commit, record, link }
    }
    throw new UnknownVersionError(`the ledger says ${name}'s alias named commit ${point.commit} at ${when}, which no link of ${name} names any more`, { name })
  }
  const record = (await loadVersions(repo, name)).versions.find((v) => v.commit === point.commit)
  if (!record) throw new UnknownVersionError(`the ledger says ${name}'s alias named commit ${point.commit} at ${when}, which is not a version of ${name}`, { name })
  return { version: record.version, artifact: name, artifactVersion: record.version, commit: record.commit, record }
}
