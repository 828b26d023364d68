import { MissingMetadataKeyError, InvalidInputError } from './errors.js'
import type { AnnotationYaml } from './generated/validators.js'
import type { ArtifactYaml, ManifestYaml, ModelYaml } from './manifests.js'
import { mergeMetadata, type Metadata } from './metadataMerge.js'
import { deepEqual } from './deepEqual.js'
import { flatten, metadataChanges, type MetadataChange } from './metadataDelta.js'
import { findLink } from './modelLinks.js'

export type { AnnotationYaml }

/**
 * What was added to a version after it was logged (or to a link after it was made):
 * a description and metadata kept in the manifests, since version commits never change.
 * A version's `additions: { v<N>: … }` entry in its artifact's manifest; a link's own
 * `description` and `metadata` fields in the model's manifest. Pure: readers merge
 * them over what the commit holds, `gmr meta` computes the new manifests.
 */

/** The key of a version's entry in an artifact manifest's `versions:` map. */
function versionKey(version: number): string {
  return `v${version}`
}

/** `v3` → 3; null for anything else. */
export function versionOfKey(key: string): number | null {
  return /^v(0|[1-9]\d{0,8})$/.test(key) ? Number(key.slice(1)) : null
}

export function versionAnnotation(artifact: ArtifactYaml | null | undefined, version: number): AnnotationYaml | undefined {
  return artifact?.additions?.[versionKey(version)]
}

/** The link's own additions: its `description` and `metadata`. */
export function linkAnnotation(link: { description?: string; metadata?: Metadata }): AnnotationYaml | undefined {
  if (link.description === undefined && link.metadata === undefined) return undefined
  return { ...(link.description !== undefined && { description: link.description }), ...(link.metadata && { metadata: link.metadata }) }
}

/** The artifact manifest with version `version`'s additions replaced (an empty one dropped, and an empty map with it). */
export function withVersionAnnotation(artifact: ArtifactYaml, version: number, annotation: AnnotationYaml): ArtifactYaml {
  const additions = { ...(artifact.additions ?? {}) }
  if (isEmpty(annotation)) delete additions[versionKey(version)]
  else additions[versionKey(version)] = annotation
  const { additions: _old, ...rest } = artifact
  return Object.keys(additions).length === 0 ? rest : { ...rest, additions: sortedByVersion(additions) }
}

/** The model manifest with link `version`'s own description and metadata replaced. */
export function withLinkAnnotation(model: ModelYaml, version: number, annotation: AnnotationYaml): ModelYaml {
  findLink(model, version)
  const versions = (model.versions ?? []).map((link) => {
    if (link.version !== version) return link
    const { description: _d, metadata: _m, ...core } = link
    return { ...core, ...(!isEmpty(annotation) && annotation) }
  })
  return { ...model, versions }
}

/** What `gmr meta set` / `gmr meta rm` asks for. */
export interface AnnotationChange {
  /** Keys to set (nested; dotted keys already split), winning key by key. */
  set?: Metadata
  /** Dotted keys to remove from the added metadata. */
  remove?: readonly string[]
  /** A new description; null removes the added one. */
  description?: string | null
}

/**
 * The additions after `change`. Removing a key (or the description) that was not
 * added is refused: what the commit logged cannot be removed, only overridden.
 * `what` names the version (`churn:v3`) in messages.
 */
export function changeAnnotation(current: AnnotationYaml | undefined, change: AnnotationChange, logged: Metadata, what: string): AnnotationYaml {
  let metadata: Metadata = { ...(current?.metadata ?? {}) }
  if (change.set) metadata = mergeMetadata(metadata, change.set)
  for (const key of change.remove ?? []) {
    if (!removePath(metadata, key.split('.'))) throw missingKey(what, key, flatten(logged).has(key) || hasPrefix(logged, key))
  }
  let description = current?.description
  if (change.description === null) {
    if (description === undefined) {
      throw new MissingMetadataKeyError(`${what} has no added description to remove; set one with "gmr meta set ${what} --description TEXT"`, {
        reference: what,
      })
    }
    description = undefined
  } else if (change.description !== undefined) description = change.description
  return { ...(description !== undefined && { description }), ...(Object.keys(metadata).length > 0 && { metadata }) }
}

function missingKey(what: string, key: string, logged: boolean): MissingMetadataKeyError {
  const why = logged
    ? `"${key}" was logged with the version and cannot be removed (version commits never change); override it with "gmr meta set ${what} ${key}=VALUE"`
    : `${what} has no added metadata key "${key}"; "gmr show ${what}" lists its metadata`
  return new MissingMetadataKeyError(why, { reference: what, key, logged })
}

function hasPrefix(metadata: Metadata, key: string): boolean {
  return [...flatten(metadata).keys()].some((k) => k.startsWith(`${key}.`))
}

/** Remove a nested key, and the maps it leaves empty; false when it was not there. */
function removePath(metadata: Metadata, path: readonly string[]): boolean {
  const [head, ...rest] = path
  if (head === undefined || !(head in metadata)) return false
  if (rest.length === 0) {
    delete metadata[head]
    return true
  }
  const inner = metadata[head]
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return false
  const copy = { ...(inner as Metadata) }
  if (!removePath(copy, rest)) return false
  if (Object.keys(copy).length === 0) delete metadata[head]
  else metadata[head] = copy
  return true
}

/** A version's description and metadata as readers show them: logged, added, and the two merged. */
export interface AnnotatedFields {
  /** The added description when there is one, else the logged one. */
  description?: string
  loggedDescription?: string
  addedDescription?: string
  /** The logged metadata with the added keys merged over it (deeply). */
  metadata: Metadata
  /** As the version commit records it. */
  loggedMetadata: Metadata
  /** What was added later (gmr meta set); {} when nothing was. */
  addedMetadata: Metadata
}

/** Merge additions over what was logged; later additions win (a link's over its version's). */
export function annotate(logged: { description?: string | undefined; metadata: Metadata }, ...additions: Array<AnnotationYaml | undefined>): AnnotatedFields {
  let added: Metadata = {}
  let addedDescription: string | undefined
  for (const annotation of additions) {
    if (annotation?.metadata) added = mergeMetadata(added, annotation.metadata)
    if (annotation?.description !== undefined) addedDescription = annotation.description
  }
  const description = addedDescription ?? logged.description
  return {
    ...(description !== undefined && { description }),
    ...(logged.description !== undefined && { loggedDescription: logged.description }),
    ...(addedDescription !== undefined && { addedDescription }),
    metadata: mergeMetadata(logged.metadata, added),
    loggedMetadata: logged.metadata,
    addedMetadata: added,
  }
}

/** `set accuracy, notes; removed old; description` for a commit message. */
export function describeAnnotationChange(change: AnnotationChange): string {
  const parts: string[] = []
  const set = [...flatten(change.set ?? {}).keys()]
  if (set.length > 0) parts.push(`set ${set.join(', ')}`)
  if ((change.remove ?? []).length > 0) parts.push(`removed ${change.remove!.join(', ')}`)
  if (change.description === null) parts.push('removed the description')
  else if (change.description !== undefined) parts.push('set the description')
  return parts.join('; ')
}

/** Refuse a change that says nothing. */
export function assertSomethingToChange(change: AnnotationChange, usage: string): void {
  const keys = Object.keys(change.set ?? {}).length + (change.remove ?? []).length
  if (keys === 0 && change.description === undefined) throw new InvalidInputError(`nothing to change: ${usage}`)
}

function isEmpty(annotation: AnnotationYaml): boolean {
  return annotation.description === undefined && Object.keys(annotation.metadata ?? {}).length === 0
}

function sortedByVersion(versions: Record<string, AnnotationYaml>): Record<string, AnnotationYaml> {
  const keys = Object.keys(versions).sort((a, b) => (versionOfKey(a) ?? 0) - (versionOfKey(b) ?? 0))
  return Object.fromEntries(keys.map((k) => [k, versions[k]!]))
}

/** How a version's (or a link's) additions changed between two states of its manifest. */
export interface AdditionChange {
  target: 'version' | 'link'
  /** The artifact's version number, or the model's link number. */
  version: number
  /** The added description before and after (null: none); null when it did not change. */
  description: { from: string | null; to: string | null } | null
  /** The added metadata's changes, key by dotted key. */
  metadata: MetadataChange[]
}

/** Every version (artifact) or link (model) whose additions differ from `before` to `after`. */
export function additionChanges(before: ManifestYaml | null, after: ManifestYaml): AdditionChange[] {
  const pairs: Array<[AdditionChange['target'], number, AnnotationYaml | undefined, AnnotationYaml | undefined]> = []
  if (isModel(after)) {
    const old = new Map(((before as ModelYaml | null)?.versions ?? []).map((link) => [link.version, link]))
    for (const link of after.versions ?? []) {
      const prev = old.get(link.version)
      pairs.push(['link', link.version, prev && linkAnnotation(prev), linkAnnotation(link)])
    }
  } else {
    const [old, now] = [(before as ArtifactYaml | null)?.additions ?? {}, (after as ArtifactYaml).additions ?? {}]
    const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])]
    for (const key of keys.sort((a, b) => (versionOfKey(a) ?? 0) - (versionOfKey(b) ?? 0))) {
      pairs.push(['version', versionOfKey(key) ?? -1, old[key], now[key]])
    }
  }
  const changes: AdditionChange[] = []
  for (const [target, version, from, to] of pairs) {
    const [d0, d1] = [from?.description ?? null, to?.description ?? null]
    const description = d0 === d1 ? null : { from: d0, to: d1 }
    const metadata = metadataChanges(from?.metadata ?? {}, to?.metadata ?? {})
    if (description !== null || metadata.length > 0) changes.push({ target, version, description, metadata })
  }
  return changes
}

/** `v3: reviewed = true, auc 0.91 -> 0.93, notes removed; description "…"`, for history. */
export function additionText(change: AdditionChange): string {
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v) ?? 'null')
  const parts = change.metadata.map((c) =>
    c.direction === 'added' ? `${c.key} = ${show(c.to)}` : c.direction === 'removed' ? `${c.key} removed` : `${c.key} ${show(c.from)} -> ${show(c.to)}`,
  )
  if (change.description) parts.push(change.description.to === null ? 'description removed' : `description "${change.description.to.split('\n')[0]}"`)
  return `${change.target === 'link' ? 'link ' : ''}v${change.version} added after the fact: ${parts.join(', ')}`
}

/** Only a model manifest has a `versions:` list; only an artifact's has `additions:`. */
function isModel(manifest: ManifestYaml): manifest is ModelYaml {
  return Array.isArray((manifest as ModelYaml).versions)
}

/** What a re-log of unchanged files said that the version does not: keys with other values, a new description. */
export interface UnrecordedFields {
  metadata: Metadata
  description?: string
}

/**
 * The metadata and description given to a log that matched an existing version,
 * where they differ from what that version holds (logged, with additions merged);
 * null when they say nothing new.
 */
export function unrecordedFields(given: { metadata: Metadata; description?: string | undefined }, current: AnnotatedFields): UnrecordedFields | null {
  const now = flatten(current.metadata)
  const metadata: Metadata = {}
  for (const [key, value] of flatten(given.metadata)) {
    if (!now.has(key) || !deepEqual(now.get(key), value)) metadata[key] = value
  }
  const description = given.description !== undefined && given.description !== current.description ? given.description : undefined
  if (Object.keys(metadata).length === 0 && description === undefined) return null
  return { metadata, ...(description !== undefined && { description }) }
}

/** The `gmr meta set` command line that records `fields` (flattened keys), quoted for a POSIX shell. */
export function metaSetCommand(reference: string, fields: UnrecordedFields): string {
  const words = ['gmr', 'meta', 'set', reference]
  for (const [key, value] of Object.entries(fields.metadata)) words.push(`${key}=${pairValue(value)}`)
  if (fields.description !== undefined) words.push('--description', fields.description)
  return words.map(shellQuote).join(' ')
}

/**
 * A value as `key=value` text that reads back as it (see parseMetadataPairs): plain words
 * stay, other strings are double-quoted YAML. Lists and maps have no key=value form and
 * come out as their JSON text.
 */
function pairValue(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? 'null'
  const plain = /^[A-Za-z_][\w./-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(value)
  return plain ? value : JSON.stringify(value)
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
