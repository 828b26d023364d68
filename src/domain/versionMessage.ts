import { parse, stringify } from 'yaml'

/** Where a model came from: the code commit checked out when it was logged. */
export interface VersionSource {
  commit: string
  dirty: boolean
}

/** What a version commit's message records (docs/storage-format.md, Version commits). */
export interface VersionMessage {
  artifact: string
  version: number
  /** What this version is, in the user's words (`gmr log -m`); absent when none was given. */
  description?: string
  metadata: Record<string, unknown>
  source?: VersionSource
}

/** Subject `<artifact> v<N>`, a blank line, then a YAML body. */
export function formatVersionMessage(message: VersionMessage): string {
  const body: Record<string, unknown> = {
    artifact: message.artifact,
    version: message.version,
    ...(message.description !== undefined && { description: message.description }),
    metadata: message.metadata,
  }
  if (message.source) body.source = { commit: message.source.commit, dirty: message.source.dirty }
  return `${message.artifact} v${message.version}\n\n${stringify(body, { lineWidth: 0 })}`
}

/** Which artifact and number a message's subject line and YAML body each name (absent: not said). */
export interface VersionClaims {
  subject?: { artifact: string; version: number }
  body?: { artifact?: string; version?: number }
}

/**
 * Read a version commit's message back. Commits written by other tools (or damaged by
 * hand) are read as far as they go: whatever is missing stays undefined, so that
 * `gmr check` can report it instead of gmr crashing on it.
 */
export function parseVersionMessage(text: string): Partial<VersionMessage> & { subject: string } {
  return readVersionMessage(text).message
}

/** The message as `parseVersionMessage` reads it (the body's fields win), and what subject and body each said. */
export function readVersionMessage(text: string): { message: Partial<VersionMessage> & { subject: string }; said: VersionClaims } {
  const newline = text.indexOf('\n')
  const subject = (newline < 0 ? text : text.slice(0, newline)).trim()
  const result: Partial<VersionMessage> & { subject: string } = { subject }
  const said: VersionClaims = {}
  const out = { message: result, said }
  const subjectMatch = /^(\S+) v(0|[1-9][0-9]*)$/.exec(subject)
  if (subjectMatch) {
    result.artifact = subjectMatch[1]
    result.version = Number(subjectMatch[2])
    said.subject = { artifact: subjectMatch[1]!, version: Number(subjectMatch[2]) }
  }
  if (newline < 0) return out
  let body: unknown
  try {
    body = parse(text.slice(newline + 1), { maxAliasCount: 0, uniqueKeys: true })
  } catch {
    return out
  }
  if (!isRecord(body)) return out
  said.body = {}
  if (typeof body.artifact === 'string') result.artifact = said.body.artifact = body.artifact
  if (Number.isSafeInteger(body.version)) result.version = said.body.version = body.version as number
  if (typeof body.description === 'string') result.description = body.description
  if (isRecord(body.metadata)) result.metadata = body.metadata
  const source = body.source
  if (isRecord(source) && typeof source.commit === 'string') {
    result.source = { commit: source.commit, dirty: source.dirty === true }
  }
  return out
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
