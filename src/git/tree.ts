import { isObjectId } from '../domain/objectId.js'
import { CorruptObjectError } from '../domain/errors.js'

export type TreeMode = '100644' | '100755' | '120000' | '40000' | '160000'

export interface TreeEntry {
  mode: TreeMode
  name: string
  oid: string
}

const MODES: ReadonlySet<string> = new Set<TreeMode>(['100644', '100755', '120000', '40000', '160000'])
const SPACE = 0x20
const NUL = 0

function badEntry(why: string, entry: Partial<TreeEntry>): CorruptObjectError {
  return new CorruptObjectError(`invalid tree entry ${JSON.stringify(entry.name ?? '')}: ${why}`, { entry })
}

function checkEntry(entry: TreeEntry): void {
  const { name } = entry
  if (name === '' || name === '.' || name === '..') throw badEntry('empty, "." and ".." are not file names', entry)
  if (name.includes('/')) throw badEntry('a name cannot contain "/"; build one tree per folder', entry)
  if (name.includes('\0')) throw badEntry('a name cannot contain a NUL byte', entry)
  // A ".git" entry would be checked out as the repository itself (CVE-2014-9390); git fsck rejects it.
  if (name.toLowerCase() === '.git') throw badEntry('".git" cannot be stored in a tree', entry)
  if (!MODES.has(entry.mode)) throw badEntry(`unknown mode "${entry.mode}"`, entry)
  if (!isObjectId(entry.oid)) throw badEntry(`"${entry.oid}" is not a 40-character lowercase hex SHA-1`, entry)
}

/**
 * git orders entries by the bytes of their names, a folder's name taken as if it ended
 * in "/"; any other order makes a tree git fsck rejects and a different oid.
 */
function sortKey(entry: TreeEntry): Buffer {
  return Buffer.from(entry.mode === '40000' ? `${entry.name}/` : entry.name, 'utf8')
}

export function encodeTree(entries: TreeEntry[]): Buffer {
  const names = new Set<string>()
  for (const entry of entries) {
    checkEntry(entry)
    if (names.has(entry.name)) throw badEntry('the name appears twice in one folder', entry)
    names.add(entry.name)
  }
  const keyed = entries.map((entry) => ({ entry, key: sortKey(entry) }))
  keyed.sort((a, b) => Buffer.compare(a.key, b.key))
  const chunks: Buffer[] = []
  for (const { entry } of keyed) {
    chunks.push(Buffer.from(`${entry.mode} ${entry.name}\0`, 'utf8'), Buffer.from(entry.oid, 'hex'))
  }
  return Buffer.concat(chunks)
}

export function decodeTree(content: Uint8Array): TreeEntry[] {
  const data = Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength)
  const entries: TreeEntry[] = []
  let pos = 0
  while (pos < data.length) {
    const space = data.indexOf(SPACE, pos)
    const nul = space < 0 ? -1 : data.indexOf(NUL, space + 1)
    if (space < 0 || nul < 0 || nul + 21 > data.length) {
      throw new CorruptObjectError(`tree is truncated at byte ${pos}; run "git fsck"`, { offset: pos })
    }
    const mode = normaliseMode(data.toString('latin1', pos, space))
    const name = data.toString('utf8', space + 1, nul)
    const oid = data.toString('hex', nul + 1, nul + 21)
    if (mode === null) {
      throw new CorruptObjectError(`tree entry ${JSON.stringify(name)} has an unknown mode; run "git fsck"`, { name })
    }
    entries.push({ mode, name, oid })
    pos = nul + 21
  }
  return entries
}

// Old git versions wrote zero-padded and group-writable modes; git reads them as these.
function normaliseMode(raw: string): TreeMode | null {
  if (MODES.has(raw)) return raw as TreeMode
  if (raw === '040000') return '40000'
  if (/^100[0-7]{3}$/.test(raw)) return (parseInt(raw, 8) & 0o100) !== 0 ? '100755' : '100644'
  return null
}
