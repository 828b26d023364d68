import { parse, stringify } from 'yaml'
import { writeVersionMessage } from './versionMessageBody.js'
import { readVersionMessageWith, type VersionClaims, type VersionMessageFields, type VersionMessageReading } from './versionMessageFields.js'

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
  return writeVersionMessage(message, (body) => stringify(body, { lineWidth: 0 }))!
}

export type { VersionClaims }

/**
 * Read a version commit's message back. Commits written by other tools (or damaged by
 * hand) are read as far as they go: whatever is missing stays undefined, so that
 * `gmr check` can report it instead of gmr crashing on it.
 */
export function parseVersionMessage(text: string): VersionMessageFields {
  return readVersionMessage(text).message
}

/** The message as `parseVersionMessage` reads it (the body's fields win), and what subject and body each said. */
export function readVersionMessage(text: string): VersionMessageReading {
  // A body that is not YAML reads as no body: null is never undefined, so this always answers.
  return readVersionMessageWith(text, (body) => {
    try {
      return parse(body, { maxAliasCount: 0, uniqueKeys: true }) ?? null
    } catch {
      return null
    }
  })!
}
