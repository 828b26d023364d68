import { createHash } from 'node:crypto'
import { CorruptObjectError } from '../domain/errors.js'
import type { GitDir } from './repo.js'

/** One entry of git's index (the staging area), as far as gmr reads it. */
export interface IndexEntry {
  path: string
  /** Git mode as a number: 0o100644, 0o100755, 0o120000, 0o160000. */
  mode: number
  oid: string
  size: number
  mtimeSeconds: number
  mtimeNanoseconds: number
  /** Conflict stage (0 for a normal entry). */
  stage: number
  /** assume-unchanged / skip-worktree: git itself does not look at the file. */
  skipWorktree: boolean
  intentToAdd: boolean
}

export interface GitIndex {
  version: number
  entries: IndexEntry[]
  /** mtime of the index file, in ms; entries not older than this are "racily clean". */
  mtimeMs: number
}

/**
 * Read `.git/index` (versions 2, 3 and 4) without ever writing it. isomorphic-git's
 * status walk refreshes stat data in the index as a side effect, and gmr must leave the
 * user's index exactly as it was; extensions are skipped.
 */
export async function readGitIndex(repo: GitDir): Promise<GitIndex | null> {
  const path = `${repo.gitdir}/index`
  const [data, st] = [await repo.fs.read(path), await repo.fs.stat(path)]
  if (data === null || st === null) return null
  return { ...parseGitIndex(data, path), mtimeMs: st.mtimeMs }
}

function parseGitIndex(data: Buffer, file = 'index'): Omit<GitIndex, 'mtimeMs'> {
  const raw = parseRawIndex(data, file)
  return { version: raw.version, entries: raw.entries.map(decodeEntry) }
}

/**
 * One index entry as stored: its fixed-size header (stat data, mode, id, flags; 62
 * bytes, 64 with extended flags) and its path. Rewriting the index keeps untouched
 * entries byte for byte.
 */
export interface RawIndexEntry {
  header: Buffer
  path: string
}

export interface RawIndexExtension {
  signature: string
  data: Buffer
}

/** The whole index as stored, for a read-modify-write under `index.lock`. */
export interface RawIndex {
  version: number
  entries: RawIndexEntry[]
  extensions: RawIndexExtension[]
}

export function parseRawIndex(data: Buffer, file = 'index'): RawIndex {
  const corrupt = (why: string) =>
    new CorruptObjectError(`${file} is not a git index git can read (${why}); run "git status" to let git rebuild it`, {
      file,
    })
  if (data.length < 12 || data.toString('latin1', 0, 4) !== 'DIRC') throw corrupt('bad signature')
  const version = data.readUInt32BE(4)
  if (version < 2 || version > 4) throw corrupt(`unsupported version ${version}`)
  const count = data.readUInt32BE(8)
  const entries: RawIndexEntry[] = []
  let offset = 12
  let previousPath = ''
  for (let i = 0; i < count; i++) {
    if (offset + 62 > data.length) throw corrupt('truncated entry')
    const flags = data.readUInt16BE(offset + 60)
    const extended = version >= 3 && (flags & 0x4000) !== 0
    const headerEnd = offset + 62 + (extended ? 2 : 0)
    let cursor = headerEnd
    let path: string
    if (version === 4) {
      // Path prefix-compressed against the previous entry: strip N bytes, then a NUL-ended suffix.
      let varint = data[cursor++]!
      let strip = varint & 0x7f
      while (varint & 0x80) {
        varint = data[cursor++]!
        strip = ((strip + 1) << 7) | (varint & 0x7f)
      }
      const end = data.indexOf(0, cursor)
      if (end < 0) throw corrupt('unterminated path')
      const prefix = Buffer.from(previousPath, 'utf8')
      path = Buffer.concat([prefix.subarray(0, prefix.length - strip), data.subarray(cursor, end)]).toString('utf8')
      cursor = end + 1
    } else {
      const end = data.indexOf(0, cursor)
      if (end < 0) throw corrupt('unterminated path')
      path = data.toString('utf8', cursor, end)
      // Entries are padded with 1–8 NULs to a multiple of 8 bytes.
      cursor = offset + Math.ceil((end - offset + 1) / 8) * 8
    }
    entries.push({ header: Buffer.from(data.subarray(offset, headerEnd)), path })
    previousPath = path
    offset = cursor
  }
  const extensions: RawIndexExtension[] = []
  while (offset + 8 <= data.length - 20) {
    const size = data.readUInt32BE(offset + 4)
    if (offset + 8 + size > data.length - 20) throw corrupt('truncated extension')
    extensions.push({ signature: data.toString('latin1', offset, offset + 4), data: Buffer.from(data.subarray(offset + 8, offset + 8 + size)) })
    offset += 8 + size
  }
  return { version, entries, extensions }
}

function decodeEntry({ header, path }: RawIndexEntry): IndexEntry {
  const flags = header.readUInt16BE(60)
  const extraFlags = header.length > 62 ? header.readUInt16BE(62) : 0
  return {
    path,
    mode: header.readUInt32BE(24),
    oid: header.toString('hex', 40, 60),
    size: header.readUInt32BE(36),
    mtimeSeconds: header.readUInt32BE(8),
    mtimeNanoseconds: header.readUInt32BE(12),
    stage: (flags >> 12) & 0x3,
    skipWorktree: (flags & 0x8000) !== 0 || (extraFlags & 0x4000) !== 0,
    intentToAdd: (extraFlags & 0x2000) !== 0,
  }
}

/** The stage of a raw entry (0 unless the path is in conflict). */
export function entryStage(entry: RawIndexEntry): number {
  return (entry.header.readUInt16BE(60) >> 12) & 0x3
}

/** The blob id a raw entry records. */
export function entryOid(entry: RawIndexEntry): string {
  return entry.header.toString('hex', 40, 60)
}

/**
 * Encode an index as git writes it: entries sorted by path then stage, version 4 paths
 * prefix-compressed, the rest NUL-padded to 8 bytes, then extensions and the SHA-1 of
 * everything before it.
 */
export function encodeRawIndex(index: RawIndex): Buffer {
  const parts: Buffer[] = []
  const head = Buffer.alloc(12)
  head.write('DIRC', 0, 'latin1')
  head.writeUInt32BE(index.version, 4)
  head.writeUInt32BE(index.entries.length, 8)
  parts.push(head)
  let previous = Buffer.alloc(0)
  for (const entry of index.entries) {
    const path = Buffer.from(entry.path, 'utf8')
    const header = Buffer.from(entry.header)
    header.writeUInt16BE((header.readUInt16BE(60) & 0xf000) | Math.min(path.length, 0xfff), 60)
    parts.push(header)
    if (index.version === 4) {
      let common = 0
      while (common < previous.length && common < path.length && previous[common] === path[common]) common++
      parts.push(encodeOffsetVarint(previous.length - common), path.subarray(common), Buffer.alloc(1))
      previous = path
    } else {
      const length = header.length + path.length
      parts.push(path, Buffer.alloc(Math.ceil((length + 1) / 8) * 8 - length))
    }
  }
  for (const extension of index.extensions) {
    const extHead = Buffer.alloc(8)
    extHead.write(extension.signature, 0, 'latin1')
    extHead.writeUInt32BE(extension.data.length, 4)
    parts.push(extHead, extension.data)
  }
  const body = Buffer.concat(parts)
  return Buffer.concat([body, createHash('sha1').update(body).digest()])
}

/** git's offset varint (varint.c): big-endian groups of 7 bits, each continuation adding one. */
function encodeOffsetVarint(value: number): Buffer {
  const bytes = [value & 0x7f]
  while ((value >>= 7) > 0) bytes.unshift(0x80 | (--value & 0x7f))
  return Buffer.from(bytes)
}
