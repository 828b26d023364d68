import { Document } from 'yaml'
import { short } from './checkFindings.js'
import { schemaIds, validateRetired, type RetiredEntryYaml, type RetiredYaml } from './generated/validators.js'
import type { NameKind } from './layout.js'
import { RETIRED_FILE } from './layout.js'
import { updateDocument } from './manifestDocument.js'
import { parseYamlFile, stringifyManifest } from './yamlFile.js'

export type { RetiredEntryYaml, RetiredYaml }

/**
 * `registry/retired.yaml`: the record that lets a manifest leave the registry. Each
 * removal or rename appends one entry; entries are never edited or dropped, so the
 * manifests themselves say what left, when, by whom and why (docs/storage-format.md).
 * Pure: reading and committing the file happen in src/ops.
 */
export function parseRetired(text: string, file = RETIRED_FILE): { data: RetiredYaml; doc: Document.Parsed } {
  return parseYamlFile(text, file, validateRetired)
}

/** The file's text with `entry` appended, keeping the comments of `doc` when there is one. */
export function renderRetired(data: RetiredYaml, doc?: Document): string {
  const target = doc ?? new Document()
  if (doc) updateDocument(doc, data as unknown as Record<string, unknown>)
  else target.contents = target.createNode(data) as typeof target.contents
  return stringifyManifest(target, schemaIds.retired)
}

export function appendRetirement(record: RetiredYaml | null, entry: RetiredEntryYaml): RetiredYaml {
  return { retired: [...(record?.retired ?? []), entry] }
}

/** The latest entry for `name` (of `kind`, when given): a name may be retired, created again and retired again. */
export function findRetirement(record: RetiredYaml | null, name: string, kind?: NameKind): RetiredEntryYaml | undefined {
  const entries = record?.retired ?? []
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!
    if (entry.name === name && (kind === undefined || entry.kind === kind)) return entry
  }
  return undefined
}

/**
 * The entries `head` adds to `base`, or null when `head` does not keep `base`'s entries
 * as they were (the record is append-only).
 */
export function addedRetirements(base: RetiredYaml | null, head: RetiredYaml | null): RetiredEntryYaml[] | null {
  const before = base?.retired ?? []
  const after = head?.retired ?? []
  if (after.length < before.length) return null
  for (const [i, entry] of before.entries()) if (JSON.stringify(entry) !== JSON.stringify(after[i])) return null
  return after.slice(before.length)
}

/**
 * The one line a deployment gets for a retired name:
 * `churn was retired on 2026-11-29 by Ann in 4f1c2a9e0b: replaced by churn-v2`.
 * `commit` is the registry commit that recorded it (null: not committed yet).
 */
export function describeRetirement(entry: RetiredEntryYaml, commit: string | null): string {
  const what = entry.renamedTo === undefined ? 'retired' : `renamed to ${entry.renamedTo}`
  const where = commit === null ? 'in the work tree (not committed yet)' : `in ${short(commit)}`
  const why = entry.reason ? `: ${entry.reason}` : ''
  const next = entry.renamedTo === undefined ? '' : `; use ${entry.renamedTo} instead`
  return `${entry.name} was ${what} on ${entry.retiredAt.slice(0, 10)} by ${entry.by.name} ${where}${why}${next}`
}
