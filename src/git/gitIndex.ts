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

export function parseGitIndex(data: Buffer, file = 'index'): Omit<GitIndex, 'mtimeMs'> {
  const corrupt = (why: string) =>
    new CorruptObjectError(`${file} is not a git index git can read (${why}); run "git status" to let git rebuild it`, {
      file,
    })
  if (data.length < 12 || data.toString('latin1', 0, 4) !== 'DIRC') throw corrupt('bad signature')
  const version = data.readUInt32BE(4)
  if (version < 2 || version > 4) throw corrupt(`unsupported version ${version}`)
  const count = data.readUInt32BE(8)
  const entries: IndexEntry[] = []
  let offset = 12
  let previousPath = ''
  for (let i = 0; i < count; i++) {
    if (offset + 62 > data.length) throw corrupt('truncated entry')
    const flags = data.readUInt16BE(offset + 60)
    const extended = version >= 3 && (flags & 0x4000) !== 0
    const extraFlags = extended ? data.readUInt16BE(offset + 62) : 0
    let cursor = offset + 62 + (extended ? 2 : 0)
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
    entries.push({
      path,
      mode: data.readUInt32BE(offset + 24),
      oid: data.toString('hex', offset + 40, offset + 60),
      size: data.readUInt32BE(offset + 36),
      mtimeSeconds: data.readUInt32BE(offset + 8),
      mtimeNanoseconds: data.readUInt32BE(offset + 12),
      stage: (flags >> 12) & 0x3,
      skipWorktree: (flags & 0x8000) !== 0 || (extraFlags & 0x4000) !== 0,
      intentToAdd: (extraFlags & 0x2000) !== 0,
    })
    previousPath = path
    offset = cursor
  }
  return { version, entries }
}
