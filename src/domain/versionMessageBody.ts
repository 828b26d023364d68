import type { VersionMessage } from './versionMessage.js'

/**
 * A version commit's YAML body in the shape gmr writes it (`formatVersionMessage`: block
 * maps two spaces deep, one `key: value` a line, plain values), read with string
 * operations only. Building the version index of a fresh clone reads ten thousand of
 * these, and the general plain-YAML reader spent most of that time finding out that
 * each one is plain. This answers only when every line is of that shape and every value
 * is one whose meaning no YAML reader can doubt; anything else — a hand-made commit, a
 * comment, a quoted or multi-line string, a list, a value YAML might read as something
 * else — returns `undefined`, and the caller reads the body with `parsePlainYaml` (and
 * that, when unsure, with the yaml library). A test holds its answers to both.
 */
export function parseVersionMessageBody(body: string): Record<string, unknown> | undefined {
  if (!body.endsWith('\n') || body.includes('\r')) return undefined
  // Read in place, line by line (a line ends at its newline): splitting ten thousand bodies into arrays of lines cost a third of the reading.
  let first = 0
  while (body.charCodeAt(first) === NEWLINE) first++
  if (first === body.length) return undefined
  const cursor = { text: body, at: first }
  const map = readMap(cursor, 0)
  return map !== undefined && cursor.at === body.length ? map : undefined
}

/** A body being read: `at` is where the next line starts. */
interface Cursor {
  text: string
  at: number
}

/** The map whose keys start at `depth` × 2 spaces, up to the first line less deep; undefined when any line is not plain. */
function readMap(cursor: Cursor, depth: number): Record<string, unknown> | undefined {
  const { text } = cursor
  const indent = 2 * depth
  const map: Record<string, unknown> = {}
  while (cursor.at < text.length) {
    const start = cursor.at
    const end = text.indexOf('\n', start)
    const lineIndent = indentAt(text, start)
    if (lineIndent < indent) break
    if (lineIndent > indent) return undefined
    const colon = text.indexOf(':', start + indent)
    if (colon < 0 || colon > end) return undefined
    const key = text.slice(start + indent, colon)
    if (!PLAIN_KEY.test(key) || RESERVED.test(key) || key === '__proto__' || Object.hasOwn(map, key)) return undefined
    cursor.at = end + 1
    let value: unknown
    if (colon === end - 1) {
      const next = cursor.at
      // `key:` then a deeper map; `key:` alone is null, unless a list follows (never plain here).
      if (next < text.length && indentAt(text, next) > indent) value = readMap(cursor, depth + 1)
      else if (next < text.length && next + indent < text.indexOf('\n', next) && text.charCodeAt(next + indent) === DASH) return undefined
      else value = null
    } else {
      if (text.charCodeAt(colon + 1) !== SPACE) return undefined
      value = plainValue(text.slice(colon + 2, end))
    }
    if (value === undefined) return undefined
    map[key] = value
  }
  return map
}

const SPACE = 0x20
const DASH = 0x2d
const NEWLINE = 0x0a

/** How many spaces the line starting at `at` begins with. */
function indentAt(text: string, at: number): number {
  let n = at
  while (text.charCodeAt(n) === SPACE) n++
  return n - at
}

// Keys as parsePlainYaml takes them (a letter or underscore, then word characters, dots, dashes).
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/
// Words some YAML reader takes for a boolean, null or a special float: never plain text here.
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i
const INTEGER = /^(?:0|-?[1-9][0-9]{0,14})$/
const DECIMAL = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,17}$/
// Text starting with a letter or underscore, single spaces between words, no character YAML gives a meaning to.
const WORDS = /^[A-Za-z_][A-Za-z0-9_./+-]*(?: [A-Za-z0-9_./+-]+)*$/
// Commit ids and other lowercase hex that is not all digits and not a float's shape (digits, e, digits).
const HEX = /^[0-9a-f]+$/
const ALL_DIGITS_OR_EXPONENT = /^[0-9]+(?:e[0-9]+)?$/
const UTC_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/

/** The value of a plain one-line scalar, or undefined for anything a reader could doubt. */
function plainValue(text: string): unknown {
  if (INTEGER.test(text) || DECIMAL.test(text)) return Number(text)
  if (text === 'true' || text === 'false') return text === 'true'
  if (text === 'null') return null
  if (text === '{}') return {}
  if (text === '[]') return []
  if (WORDS.test(text)) return RESERVED.test(text) ? undefined : text
  if (HEX.test(text)) return ALL_DIGITS_OR_EXPONENT.test(text) ? undefined : text
  if (UTC_TIME.test(text)) return text
  return undefined
}

/** A version commit's body as fields, in the order gmr writes them: `formatVersionMessage` and the plain writer both start here. */
export function versionMessageBody(message: VersionMessage): Record<string, unknown> {
  const body: Record<string, unknown> = {
    artifact: message.artifact,
    version: message.version,
    ...(message.description !== undefined && { description: message.description }),
    metadata: message.metadata,
  }
  if (message.source) body.source = { commit: message.source.commit, dirty: message.source.dirty }
  return body
}

/** Subject `<artifact> v<N>`, a blank line, then the body `writeBody` makes of the fields; undefined when it makes none. */
export function writeVersionMessage(message: VersionMessage, writeBody: (body: Record<string, unknown>) => string | undefined): string | undefined {
  const body = writeBody(versionMessageBody(message))
  return body === undefined ? undefined : `${message.artifact} v${message.version}\n\n${body}`
}

/**
 * `formatVersionMessage`'s text written with string operations only, so that a plain
 * `gmr log` (metadata `{}`, a name that starts with a letter, a commit id) loads no YAML
 * library. It writes only what this file's reader takes back unchanged, which is what the
 * yaml library writes for it too (a test holds the two to the same bytes); anything else —
 * a value a reader could doubt, a float, a list, a key YAML might read otherwise — returns
 * undefined, and the caller writes the message with the yaml library.
 */
export function formatPlainVersionMessage(message: VersionMessage): string | undefined {
  return writeVersionMessage(message, (body) => writeMap(body, 0))
}

function writeMap(map: Record<string, unknown>, depth: number): string | undefined {
  let text = ''
  for (const [key, value] of Object.entries(map)) {
    if (!PLAIN_KEY.test(key) || RESERVED.test(key) || key === '__proto__') return undefined
    const line = `${'  '.repeat(depth)}${key}:`
    if (isMap(value) && Object.keys(value).length > 0) {
      const inner = writeMap(value, depth + 1)
      if (inner === undefined) return undefined
      text += `${line}\n${inner}`
    } else {
      const written = plainText(value)
      if (written === undefined) return undefined
      text += `${line} ${written}\n`
    }
  }
  return text
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype
}

/** A scalar (or `{}`) as one plain word that `plainValue` reads back as the same value; undefined for anything else. */
function plainText(value: unknown): string | undefined {
  if (isMap(value)) return '{}'
  if (typeof value === 'boolean') return String(value)
  // -0 reads back as 0, and the yaml library writes it as -0.
  if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) && INTEGER.test(String(value)) ? String(value) : undefined
  if (typeof value === 'string') return plainValue(value) === value ? value : undefined
  return undefined
}
