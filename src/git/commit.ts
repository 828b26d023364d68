import { isObjectId } from '../domain/objectId.js'
import { CorruptObjectError } from '../domain/errors.js'

export interface GitIdentity {
  name: string
  email: string
  /** Seconds since the epoch. */
  timestamp: number
  /** Minutes, signed as in isomorphic-git and Date#getTimezoneOffset: UTC+1 is -60. */
  timezoneOffset: number
}

export interface CommitData {
  tree: string
  parents: string[]
  author: GitIdentity
  committer: GitIdentity
  message: string
}

export interface DecodedCommit extends CommitData {
  /** Every header other than tree, parent, author and committer (gpgsig, encoding, mergetag, …), in order; continuation lines joined with "\n". */
  headers: Record<string, string>
}

export interface EncodeCommitInput extends CommitData {
  /** Extra headers written after committer, so a decoded commit re-encodes byte for byte. */
  headers?: Record<string, string>
}

const CORE_HEADERS = new Set(['tree', 'parent', 'author', 'committer'])

function checkOid(oid: string, what: string): void {
  if (!isObjectId(oid)) throw new CorruptObjectError(`commit ${what} "${oid}" is not a 40-character lowercase hex SHA-1`, { oid })
}

function formatTimezoneOffset(minutes: number): string {
  // Offsets are stored negated (UTC+1 is -60); -0 stays "-0000" so a commit git wrote
  // with an unknown zone re-encodes to the same bytes.
  const east = minutes === 0 ? minutes : -minutes
  const negative = east < 0 || Object.is(east, -0)
  const abs = Math.abs(minutes)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return `${negative ? '-' : '+'}${hh}${mm}`
}

function parseTimezoneOffset(text: string): number {
  const match = /^([+-])(\d\d)(\d\d)$/.exec(text)
  if (!match) throw new CorruptObjectError(`"${text}" is not a timezone offset like +0100`, { text })
  const east = (match[1] === '+' ? 1 : -1) * (Number(match[2]) * 60 + Number(match[3]))
  return east === 0 ? east : -east
}

export function formatIdentity(id: GitIdentity): string {
  for (const [field, value] of [['name', id.name], ['email', id.email]] as const) {
    if (/[<>\n]/.test(value)) {
      throw new CorruptObjectError(`identity ${field} ${JSON.stringify(value)} cannot contain "<", ">" or a newline; fix user.${field} in your git config`, { [field]: value })
    }
  }
  if (!Number.isInteger(id.timestamp) || id.timestamp < 0) {
    throw new CorruptObjectError(`identity timestamp ${id.timestamp} must be whole seconds since 1970`, { timestamp: id.timestamp })
  }
  if (!Number.isInteger(id.timezoneOffset) || Math.abs(id.timezoneOffset) >= 100 * 60) {
    throw new CorruptObjectError(`identity timezone offset ${id.timezoneOffset} must be whole minutes under 100 hours`, { timezoneOffset: id.timezoneOffset })
  }
  return `${id.name} <${id.email}> ${id.timestamp} ${formatTimezoneOffset(id.timezoneOffset)}`
}

function parseIdentity(text: string): GitIdentity {
  const match = /^(.*?) ?<([^<>]*)> (\d+) ([+-]\d{4})$/.exec(text)
  if (!match) throw new CorruptObjectError(`"${text}" is not an identity like "Name <email> 1700000000 +0100"`, { text })
  return {
    name: match[1]!,
    email: match[2]!,
    timestamp: Number(match[3]),
    timezoneOffset: parseTimezoneOffset(match[4]!),
  }
}

export function encodeCommit(commit: EncodeCommitInput): Buffer {
  checkOid(commit.tree, 'tree')
  for (const parent of commit.parents) checkOid(parent, 'parent')
  const lines = [`tree ${commit.tree}`]
  for (const parent of commit.parents) lines.push(`parent ${parent}`)
  lines.push(`author ${formatIdentity(commit.author)}`, `committer ${formatIdentity(commit.committer)}`)
  for (const [key, value] of Object.entries(commit.headers ?? {})) {
    if (CORE_HEADERS.has(key)) continue
    if (!/^[^\s]+$/.test(key)) throw new CorruptObjectError(`commit header name ${JSON.stringify(key)} is not one word`, { key })
    lines.push(`${key} ${value.replace(/\n/g, '\n ')}`)
  }
  const message = commit.message.replace(/\n+$/, '')
  return Buffer.from(`${lines.join('\n')}\n\n${message === '' ? '' : `${message}\n`}`, 'utf8')
}

export function decodeCommit(content: Uint8Array): DecodedCommit {
  const text = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8')
  const split = text.indexOf('\n\n')
  const headerText = split < 0 ? text.replace(/\n$/, '') : text.slice(0, split)
  const message = split < 0 ? '' : text.slice(split + 2)

  const fields: Array<[string, string]> = []
  for (const line of headerText.split('\n')) {
    if (line.startsWith(' ') && fields.length > 0) {
      fields[fields.length - 1]![1] += `\n${line.slice(1)}`
      continue
    }
    const space = line.indexOf(' ')
    if (space <= 0) throw new CorruptObjectError(`commit header line ${JSON.stringify(line)} is malformed; run "git fsck"`, { line })
    fields.push([line.slice(0, space), line.slice(space + 1)])
  }

  let tree: string | undefined
  let author: GitIdentity | undefined
  let committer: GitIdentity | undefined
  const parents: string[] = []
  const headers: Record<string, string> = {}
  for (const [key, value] of fields) {
    if (key === 'tree') tree = value
    else if (key === 'parent') parents.push(value)
    else if (key === 'author') author = parseIdentity(value)
    else if (key === 'committer') committer = parseIdentity(value)
    else headers[key] = key in headers ? `${headers[key]}\n${value}` : value
  }
  if (tree === undefined || author === undefined || committer === undefined) {
    throw new CorruptObjectError('commit lacks a tree, author or committer header; run "git fsck"', {})
  }
  checkOid(tree, 'tree')
  for (const parent of parents) checkOid(parent, 'parent')
  return { tree, parents, author, committer, message, headers }
}
