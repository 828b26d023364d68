import type { VersionMessage } from './versionMessage.js'

/** What a version commit's message says, as far as it goes. */
export type VersionMessageFields = Partial<VersionMessage> & { subject: string }

/** Which artifact and number a message's subject line and YAML body each name (absent: not said). */
export interface VersionClaims {
  subject?: { artifact: string; version: number }
  body?: { artifact?: string; version?: number }
}

/** The message (the body's fields win over the subject's) and what subject and body each said. */
export interface VersionMessageReading {
  message: VersionMessageFields
  said: VersionClaims
}

/**
 * Read a version commit's message (subject `<artifact> v<N>`, a blank line, a YAML
 * body) with the given body parser. Kept apart from the YAML library so that the
 * version index can read gmr's plain bodies with the fast reader and load the library
 * only for a body that needs it: `parseBody` returns `undefined` when it is not sure,
 * and then so does this. Whatever is missing or malformed stays undefined, so that
 * `gmr check` can report it instead of gmr crashing on it.
 */
export function readVersionMessageWith(text: string, parseBody: (body: string) => unknown): VersionMessageReading | undefined {
  const newline = text.indexOf('\n')
  const subject = (newline < 0 ? text : text.slice(0, newline)).trim()
  const result: VersionMessageFields = { subject }
  const said: VersionClaims = {}
  const out = { message: result, said }
  const subjectMatch = /^(\S+) v(0|[1-9][0-9]*)$/.exec(subject)
  if (subjectMatch) {
    result.artifact = subjectMatch[1]
    result.version = Number(subjectMatch[2])
    said.subject = { artifact: subjectMatch[1]!, version: Number(subjectMatch[2]) }
  }
  if (newline < 0) return out
  const body = parseBody(text.slice(newline + 1))
  if (body === undefined) return undefined
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
