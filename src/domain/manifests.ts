import { Document } from 'yaml'
import { InvalidInputError, ManifestError, UnknownVersionError } from './errors.js'
import {
  manifestDefaults,
  schemaIds,
  validateArtifact,
  validateModel,
  type ArtifactYaml,
  type ModelLinkYaml,
  type ModelYaml,
} from './generated/validators.js'
import type { NameKind } from './layout.js'
import { updateDocument } from './manifestDocument.js'
import { findLink } from './modelLinks.js'
import { parsePlainYaml } from './fastYaml.js'
import { MAX_MANIFEST_BYTES, parseYamlFile, stringifyManifest } from './yamlFile.js'

export type { ArtifactYaml, ModelLinkYaml, ModelYaml }
// Kept apart so that resolving a reference loads neither the YAML library nor the schemas.
export { findLink, selectLink } from './modelLinks.js'
export type ManifestYaml = ArtifactYaml | ModelYaml

/**
 * Manifests as plain data, in the shape the YAML file has (optional fields stay
 * absent), so that an edit changes only what it means to change. The transformations
 * below are pure; reading, writing and committing happen in src/ops.
 */
export interface ParsedManifest<T extends ManifestYaml> {
  data: T
  doc: Document.Parsed
}

export function parseManifest(kind: 'artifact', text: string, file: string): ParsedManifest<ArtifactYaml>
export function parseManifest(kind: 'model', text: string, file: string): ParsedManifest<ModelYaml>
export function parseManifest(kind: NameKind, text: string, file: string): ParsedManifest<ManifestYaml>
export function parseManifest(kind: NameKind, text: string, file: string): ParsedManifest<ManifestYaml> {
  const parsed =
    kind === 'model' ? parseYamlFile(text, file, validateModel) : parseYamlFile(text, file, validateArtifact)
  const expected = file.slice(file.lastIndexOf('/') + 1).replace(/\.yaml$/, '')
  if (parsed.data.name !== expected) {
    throw new ManifestError(
      `${file}:1:1: name "${parsed.data.name}" does not match the file name; rename the file or set name: ${expected}`,
      { file, line: 1, col: 1 },
    )
  }
  return parsed
}

/**
 * A manifest's validated data, as cheaply as it can be had: the plain-YAML reader when
 * it is sure and the data passes the schema, else the full parser (which also gives
 * every problem its line and column).
 */
export function readManifestData(kind: NameKind, text: string, file: string): ManifestYaml {
  const validate = kind === 'model' ? validateModel : validateArtifact
  const quick = text.length <= MAX_MANIFEST_BYTES ? parsePlainYaml(text) : undefined
  const expected = file.slice(file.lastIndexOf('/') + 1).replace(/\.yaml$/, '')
  if (quick !== undefined && validate(quick) && quick.name === expected) return quick
  return parseManifest(kind, text, file).data
}

/** The text of a manifest: an edit of `doc` when there is one (keeping comments), else a new file. */
export function renderManifest(kind: NameKind, data: ManifestYaml, doc?: Document): string {
  const target = doc ?? new Document()
  if (doc) updateDocument(doc, data as unknown as Record<string, unknown>)
  else target.contents = target.createNode(data) as typeof target.contents
  return stringifyManifest(target, kind === 'model' ? schemaIds.model : schemaIds.artifact)
}

export function newArtifactManifest(name: string, type?: string, description?: string): ArtifactYaml {
  return { name, type: type ?? manifestDefaults.artifact.type, description: description ?? '', aliases: {} }
}

export function newModelManifest(name: string, description = '', tags: readonly string[] = []): ModelYaml {
  return { name, description, tags: sortedUnique(tags), versions: [], aliases: {} }
}

// --- links -------------------------------------------------------------------

/** The number the next link gets: one past the highest ever, never a reused one. */
export function nextLinkNumber(model: ModelYaml): number {
  const highest = Math.max(-1, ...(model.versions ?? []).map((link) => link.version))
  return Math.max(highest + 1, model.nextVersion ?? 0)
}

export interface LinkTarget {
  artifact: string
  artifactVersion: number
  commit: string
}

/** Append a link to `target`, or find the link that already points at its commit. */
export function addLink(
  model: ModelYaml,
  target: LinkTarget,
  linkedAt: string,
): { model: ModelYaml; link: ModelLinkYaml; existed: boolean } {
  const existing = (model.versions ?? []).find((link) => link.commit === target.commit)
  if (existing) return { model, link: existing, existed: true }
  const link: ModelLinkYaml = { version: nextLinkNumber(model), ...target, linkedAt }
  const { nextVersion: _dropped, ...rest } = model
  return { model: { ...rest, versions: [...(model.versions ?? []), link] }, link, existed: false }
}

/** Remove link `version`; an alias still on it must be moved or removed first. */
export function removeLink(model: ModelYaml, version: number): { model: ModelYaml; link: ModelLinkYaml } {
  const link = findLink(model, version)
  const holding = aliasesOn(model, version)
  if (holding.length > 0) {
    throw new InvalidInputError(
      `cannot unlink ${model.name}:v${version}: alias ${holding.join(', ')} names it; move it first with "gmr alias set ${model.name} ${holding[0]} v<N>" or remove it with "gmr alias rm ${model.name} ${holding[0]}"`,
      { name: model.name, version, aliases: holding },
    )
  }
  const next = nextLinkNumber(model)
  const versions = (model.versions ?? []).filter((l) => l.version !== version)
  const rest: ModelYaml = { ...model, versions }
  delete rest.nextVersion
  // Only when the highest number went away does the next number need writing down.
  if (nextLinkNumber(rest) !== next) rest.nextVersion = next
  return { model: rest, link }
}

// --- aliases -----------------------------------------------------------------

export function aliasesOn(manifest: ManifestYaml, version: number): string[] {
  return Object.entries(manifest.aliases ?? {})
    .filter(([, v]) => v === version)
    .map(([alias]) => alias)
    .sort()
}

/** Point `alias` at `version` (moving it if another version held it). */
export function setAlias<T extends ManifestYaml>(manifest: T, alias: string, version: number): T {
  return { ...manifest, aliases: { ...(manifest.aliases ?? {}), [alias]: version } }
}

export function removeAlias<T extends ManifestYaml>(manifest: T, alias: string): T {
  const aliases = { ...(manifest.aliases ?? {}) }
  if (!(alias in aliases)) {
    const known = Object.keys(aliases).sort()
    throw new UnknownVersionError(
      `${manifest.name} has no alias "${alias}"; ${known.length === 0 ? 'it has no aliases' : `aliases: ${known.join(', ')}`}`,
      { name: manifest.name, alias, known },
    )
  }
  delete aliases[alias]
  return { ...manifest, aliases }
}

// --- tags --------------------------------------------------------------------

export function addTags(model: ModelYaml, tags: readonly string[]): ModelYaml {
  return { ...model, tags: sortedUnique([...(model.tags ?? []), ...tags]) }
}

export function removeTags(model: ModelYaml, tags: readonly string[]): ModelYaml {
  const missing = tags.filter((tag) => !(model.tags ?? []).includes(tag))
  if (missing.length > 0) {
    throw new InvalidInputError(
      `${model.name} has no tag ${missing.map((t) => `"${t}"`).join(', ')}; tags: ${(model.tags ?? []).join(', ') || 'none'}`,
      { name: model.name, missing },
    )
  }
  return { ...model, tags: (model.tags ?? []).filter((tag) => !tags.includes(tag)) }
}

function sortedUnique(items: readonly string[]): string[] {
  return [...new Set(items)].sort()
}

