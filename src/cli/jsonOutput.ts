import type { VersionRecord } from '../git/versionIndex.js'
import type { HistoryEntry, HistoryResult } from '../ops/history.js'
import type { AliasInfo } from '../ops/aliases.js'
import type { ModelDescription } from '../ops/describeModel.js'
import type { ArtifactSummary } from '../ops/listArtifacts.js'
import type { ModelSummary } from '../ops/listModels.js'
import type { ResolvedVersion } from '../ops/resolve.js'
import type { VersionFile } from '../ops/show.js'
import { isoDate } from './render.js'

// The --json contract (schemas/cli/*.schema.json): the top level is always an object;
// timestamps are ISO 8601 UTC; people are {name, email}; a count is <thing>Count and a
// list the plural noun; a version is one shape wherever it appears. These functions are
// the only way a command turns an operation's result into that shape.

export interface PersonJson {
  name: string
  email: string
}

/** One version of an artifact, reached through the artifact or a registered model's link. */
export interface VersionJson {
  /** `churn-model:production`, `churn:v3`. */
  reference: string
  kind: 'artifact' | 'model'
  name: string
  /** In the name's own numbering: a model's link number, an artifact's version number. */
  version: number
  artifact: string
  artifactVersion: number
  commit: string
  tree: string
  loggedAt: string
  author: PersonJson
  description?: string
  metadata: Record<string, unknown>
  source: { commit: string; dirty: boolean } | null
  /** For a registered model: when the link was made. */
  linkedAt?: string
}

/** `Name <email>` as git writes it. */
function personJson(identity: string): PersonJson {
  const match = /^(.*?)\s*<([^>]*)>$/.exec(identity)
  return match ? { name: match[1]!, email: match[2]! } : { name: identity, email: '' }
}

export function versionJson(resolved: ResolvedVersion): VersionJson {
  return {
    reference: resolved.reference,
    kind: resolved.kind,
    name: resolved.name,
    version: resolved.version,
    artifact: resolved.artifact,
    artifactVersion: resolved.artifactVersion,
    ...recordFields(resolved.record),
    ...(resolved.link && { linkedAt: resolved.link.linkedAt }),
  }
}

/** A version as an artifact's list has it: the artifact's own numbering. */
function artifactVersionJson(artifact: string, record: VersionRecord): VersionJson {
  return {
    reference: `${artifact}:v${record.version}`,
    kind: 'artifact',
    name: artifact,
    version: record.version,
    artifact,
    artifactVersion: record.version,
    ...recordFields(record),
  }
}

function recordFields(record: VersionRecord) {
  return {
    commit: record.commit,
    tree: record.tree,
    loggedAt: isoDate(record.time),
    author: personJson(record.author),
    ...(record.description !== undefined && { description: record.description }),
    metadata: record.metadata,
    source: record.source,
  }
}

export function versionsJson(result: { artifact: string; tip: string | null; versions: VersionRecord[] }) {
  return {
    artifact: result.artifact,
    tip: result.tip,
    versionCount: result.versions.length,
    versions: result.versions.map((record) => artifactVersionJson(result.artifact, record)),
  }
}

export function showVersionJson(resolved: ResolvedVersion, files: VersionFile[]) {
  return { kind: 'version' as const, version: versionJson(resolved), fileCount: files.length, files }
}

export function artifactJson(summary: ArtifactSummary) {
  const { versions, latest, ...rest } = summary
  return {
    ...rest,
    versionCount: versions,
    latest: latest === null ? null : { version: latest.version, commit: latest.commit, loggedAt: isoDate(latest.time) },
  }
}

export function modelSummaryJson(summary: ModelSummary) {
  const { links, latest, ...rest } = summary
  return { ...rest, linkCount: links, latestVersion: latest }
}

export function modelJson(model: ModelDescription) {
  return { ...model, linkCount: model.links.length }
}

export function aliasesJson(name: string, aliases: AliasInfo[]) {
  return { name, aliasCount: aliases.length, aliases }
}

export function historyJson(result: HistoryResult) {
  const entry = (e: HistoryEntry) => {
    const { time, author, mergedBy, ...rest } = e
    return {
      ...rest,
      at: isoDate(time),
      author: { name: author.name, email: author.email },
      authoredAt: isoDate(author.time),
      ...(mergedBy && { mergedBy: { name: mergedBy.name, email: mergedBy.email } }),
    }
  }
  return { name: result.name, registryBranch: result.registryBranch, entryCount: result.entries.length, entries: result.entries.map(entry) }
}

/** Under --json an error is one object on stderr, with the same exit code. */
export function errorJson(code: string, message: string) {
  return { error: { code, message } }
}
