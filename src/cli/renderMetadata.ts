import { flatten } from '../domain/metadataDelta.js'
import { annotate, type AnnotatedFields } from '../domain/metadataAdditions.js'
import type { ResolvedVersion } from '../ops/resolve.js'
import { inlineMetadata } from './render.js'

/** The mark on a key added after the fact, and the line that explains it. */
const ADDED_MARK = '*'
export const ADDED_LEGEND = `${ADDED_MARK} added after logging (gmr meta set)`

/** `accuracy=0.93 reviewed*=true`: the merged metadata, keys added after the fact marked. */
export function annotatedInline(fields: Pick<AnnotatedFields, 'metadata' | 'addedMetadata'>): string {
  const added = new Set(flatten(fields.addedMetadata).keys())
  return [...flatten(fields.metadata)]
    .map(([key, value]) => inlineMetadata({ [`${key}${added.has(key) ? ADDED_MARK : ''}`]: value }))
    .filter((part) => part !== '')
    .join(' ')
}

/** Whether anything was added after the fact. */
function hasAdditions(fields: AnnotatedFields): boolean {
  return fields.addedDescription !== undefined || Object.keys(fields.addedMetadata).length > 0
}

/** `description: … (added)`, `metadata: …` and the legend, for `show` and `meta`. */
export function annotatedLines(fields: AnnotatedFields, descriptionLabel = 'description'): string[] {
  const width = Math.max(descriptionLabel.length, 'metadata'.length) + 2
  const label = (name: string) => `${name}:`.padEnd(width)
  const lines: string[] = []
  if (fields.description !== undefined) {
    lines.push(`${label(descriptionLabel)}${fields.description.split('\n')[0]}${fields.addedDescription !== undefined ? ` ${ADDED_MARK}` : ''}`)
  }
  const inline = annotatedInline(fields)
  if (inline !== '') lines.push(`${label('metadata')}${inline}`)
  if (hasAdditions(fields)) lines.push(`${' '.repeat(width)}${ADDED_LEGEND}`)
  return lines
}

/** `show <ref>`'s message and metadata lines: what was logged, with additions marked. */
export function versionFieldLines(version: ResolvedVersion): string[] {
  const { record } = version
  const fields = annotate({ description: record.description, metadata: record.metadata }, ...(version.additions ?? []))
  return annotatedLines(fields, 'message')
}
