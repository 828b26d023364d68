import { UnknownVersionError } from '../domain/errors.js'
import type { ArtifactYaml, ModelYaml } from '../domain/manifests.js'
import { formatReference, formatSelector, parseReference } from '../domain/reference.js'
import { loadVersions } from '../git/versionIndex.js'
import { kindOfName, unknownName } from './catalog.js'
import { openRegistryContext, type RepoOptions } from './context.js'
import { manifestTimeline, parseAtDate } from './history.js'
import { linkedVersion, type ResolvedVersion } from './resolve.js'
import { selectLink } from '../domain/modelLinks.js'

export interface ResolveAtOptions extends RepoOptions {
  ref: string
  /** `YYYY-MM-DD` (end of that day, UTC) or an ISO date-time. */
  at: string
}

/**
 * What a reference meant at a past moment, answered from the registry branch's
 * history (the same history `gmr history` shows): which link an alias named then,
 * which version was latest then.
 */
export async function resolveAt(options: ResolveAtOptions): Promise<ResolvedVersion & { at: number }> {
  const reference = parseReference(options.ref)
  const at = parseAtDate(options.at)
  const ctx = await openRegistryContext(options)
  const { repo } = ctx
  const kind = await kindOfName(repo, reference.name)
  if (kind === null) throw await unknownName(repo, reference.name)
  const when = new Date(at * 1000).toISOString().replace('.000Z', 'Z')
  const { states } = await manifestTimeline(ctx, reference.name)
  const then = states.filter((s) => s.entry.time <= at).pop()?.data ?? null
  const base = { reference: formatReference(reference), kind, name: reference.name, at }

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
