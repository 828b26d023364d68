import { isObjectId } from '../domain/objectId.js'
import { createHash } from 'node:crypto'
import { crc32, deflateSync } from 'node:zlib'
import { CorruptObjectError } from '../domain/errors.js'
import type { ObjectType } from './objects.js'

export interface PackObject {
  type: ObjectType
  content: Uint8Array
  /** Trusted: the caller has hashed the object already, and a pack never re-hashes. */
  oid: string
}

export interface BuildPackOptions {
  /** zlib level for each entry (default 1, as git does for loose objects: speed over size). */
  level?: number
}

export interface BuiltPack {
  pack: Buffer
  idx: Buffer
  /** Hex of the pack's trailing checksum; also the name git expects: pack-<packSha>.pack. */
  packSha: string
}

export interface PackIndexEntry {
  oid: string
  crc32: number
  offset: number
}

const PACK_TYPE_CODES: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 }
// git writes commits first, then trees, then blobs, so history walks touch the start of a pack.
const PACK_ORDER: Record<ObjectType, number> = { commit: 0, tag: 1, tree: 2, blob: 3 }
const IDX_MAGIC = Buffer.from([0xff, 0x74, 0x4f, 0x63])
const LARGE_OFFSET = 0x80000000
const FANOUT_BYTES = 256 * 4

/**
 * zlib options sized to the input. The default 32 KiB window and 256 KiB of state are
 * allocated and cleared on every call, which dominates deflating thousands of small
 * objects; a window no larger than the input compresses just as well, and every
 * inflater (git, isomorphic-git) accepts any window size up to 32 KiB.
 */
export function deflateOptions(size: number, level: number): { level: number; windowBits: number; memLevel: number } {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(size + 262))))
  return { level, windowBits, memLevel: Math.min(8, Math.max(1, windowBits - 7)) }
}

/**
 * Objects smaller than this go into a pack as zlib streams of stored (uncompressed)
 * blocks. Each deflateSync call allocates native zlib state that is freed only when V8
 * collects its handle, which it does not hurry to do: ten thousand small files held
 * about 200 MB that way. Compressing a few hundred bytes saves little; git itself
 * stores everything so at pack.compression=0, and every inflater reads it.
 */
const STORED_BELOW = 1024
const STORED_BLOCK_MAX = 0xffff

/** One pack entry's data: a zlib stream, deflated or (for small objects) stored. */
function deflateEntry(content: Uint8Array, level: number): Buffer {
  return content.length < STORED_BELOW ? zlibStored(content) : deflateSync(content, deflateOptions(content.length, level))
}

/** A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4) holding `data` as is. */
export function zlibStored(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_BLOCK_MAX))
  const out = Buffer.allocUnsafe(2 + blocks * 5 + data.length + 4)
  // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (fastest; 0x7801 is a multiple of 31).
  out[0] = 0x78
  out[1] = 0x01
  let pos = 2
  for (let b = 0; b < blocks; b++) {
    const start = b * STORED_BLOCK_MAX
    const length = Math.min(STORED_BLOCK_MAX, data.length - start)
    out[pos] = b === blocks - 1 ? 1 : 0
    out.writeUInt16LE(length, pos + 1)
    out.writeUInt16LE(~length & 0xffff, pos + 3)
    out.set(data.subarray(start, start + length), pos + 5)
    pos += 5 + length
  }
  out.writeUInt32BE(adler32(data), pos)
  return out
}

function adler32(data: Uint8Array): number {
  let a = 1
  let b = 0
  for (let i = 0; i < data.length; ) {
    // 5552 bytes is the most that cannot overflow before the modulo (zlib's NMAX).
    const end = Math.min(data.length, i + 5552)
    for (; i < end; i++) {
      a += data[i]!
      b += a
    }
    a %= 65521
    b %= 65521
  }
  return ((b << 16) | a) >>> 0
}

/** The variable-length "type and size" header in front of each pack entry. */
export function packEntryHeader(type: ObjectType, size: number): Buffer {
  const bytes: number[] = []
  let byte = (PACK_TYPE_CODES[type] << 4) | (size % 16)
  // Arithmetic, not bit shifts: sizes can exceed 2^31.
  let rest = Math.floor(size / 16)
  while (rest > 0) {
    bytes.push(byte | 0x80)
    byte = rest % 128
    rest = Math.floor(rest / 128)
  }
  bytes.push(byte)
  return Buffer.from(bytes)
}

/** A version 2 pack of undeltified objects and its version 2 index, built in memory. */
export function buildPack(objects: PackObject[], options: BuildPackOptions = {}): BuiltPack {
  const level = options.level ?? 1
  const seen = new Set<string>()
  const unique: PackObject[] = []
  for (const obj of objects) {
    if (!isObjectId(obj.oid)) throw new CorruptObjectError(`cannot pack object "${obj.oid}": not a SHA-1`, { oid: obj.oid })
    if (seen.has(obj.oid)) continue
    seen.add(obj.oid)
    unique.push(obj)
  }
  const ordered = unique
    .map((obj, i) => ({ obj, i }))
    .sort((a, b) => PACK_ORDER[a.obj.type] - PACK_ORDER[b.obj.type] || a.i - b.i)
    .map((x) => x.obj)

  const header = Buffer.alloc(12)
  header.write('PACK', 0, 'latin1')
  header.writeUInt32BE(2, 4)
  header.writeUInt32BE(ordered.length, 8)

  const hash = createHash('sha1').update(header)
  const chunks: Buffer[] = [header]
  const entries: PackIndexEntry[] = []
  let offset = header.length
  for (const obj of ordered) {
    const entryHeader = packEntryHeader(obj.type, obj.content.length)
    const data = deflateEntry(obj.content, level)
    entries.push({ oid: obj.oid, crc32: crc32(data, crc32(entryHeader)), offset })
    hash.update(entryHeader).update(data)
    chunks.push(entryHeader, data)
    offset += entryHeader.length + data.length
  }
  const checksum = hash.digest()
  chunks.push(checksum)
  return {
    pack: Buffer.concat(chunks, offset + checksum.length),
    idx: encodePackIndex(entries, checksum),
    packSha: checksum.toString('hex'),
  }
}

/** A version 2 pack index for entries of one pack, in any order. */
export function encodePackIndex(entries: PackIndexEntry[], packChecksum: Uint8Array): Buffer {
  const sorted = [...entries].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0))
  const n = sorted.length
  const largeCount = sorted.filter((e) => e.offset >= LARGE_OFFSET).length
  const oidStart = 8 + FANOUT_BYTES
  const crcStart = oidStart + 20 * n
  const offsetStart = crcStart + 4 * n
  const largeStart = offsetStart + 4 * n
  const trailerStart = largeStart + 8 * largeCount
  const idx = Buffer.alloc(trailerStart + 40)

  IDX_MAGIC.copy(idx, 0)
  idx.writeUInt32BE(2, 4)
  const counts = new Uint32Array(256)
  let large = 0
  sorted.forEach((e, i) => {
    const oid = Buffer.from(e.oid, 'hex')
    counts[oid[0]!]! += 1
    oid.copy(idx, oidStart + 20 * i)
    idx.writeUInt32BE(e.crc32 >>> 0, crcStart + 4 * i)
    if (e.offset >= LARGE_OFFSET) {
      idx.writeUInt32BE((LARGE_OFFSET | large) >>> 0, offsetStart + 4 * i)
      idx.writeBigUInt64BE(BigInt(e.offset), largeStart + 8 * large)
      large += 1
    } else {
      idx.writeUInt32BE(e.offset, offsetStart + 4 * i)
    }
  })
  let cumulative = 0
  for (let b = 0; b < 256; b++) {
    cumulative += counts[b]!
    idx.writeUInt32BE(cumulative, 8 + 4 * b)
  }
  Buffer.from(packChecksum).copy(idx, trailerStart)
  createHash('sha1').update(idx.subarray(0, trailerStart + 20)).digest().copy(idx, trailerStart + 20)
  return idx
}

/**
 * A parsed pack index (version 2, or the pre-2006 version 1) that answers "is this
 * object in the pack, and where" by binary search within its fan-out bucket.
 */
export class PackIndex {
  readonly version: 1 | 2
  readonly count: number
  private readonly data: Buffer
  private readonly oidStart: number
  private readonly oidStride: number
  private readonly offsetStart: number
  private readonly largeStart: number

  private constructor(data: Buffer, version: 1 | 2) {
    this.data = data
    this.version = version
    const fanoutStart = version === 2 ? 8 : 0
    this.count = data.readUInt32BE(fanoutStart + 255 * 4)
    if (version === 2) {
      this.oidStart = 8 + FANOUT_BYTES
      this.oidStride = 20
      this.offsetStart = this.oidStart + 24 * this.count
      this.largeStart = this.offsetStart + 4 * this.count
    } else {
      this.oidStart = FANOUT_BYTES + 4
      this.oidStride = 24
      this.offsetStart = FANOUT_BYTES
      this.largeStart = -1
    }
  }

  static parse(data: Buffer, path = 'pack index'): PackIndex {
    const corrupt = (why: string) =>
      new CorruptObjectError(`${path} is corrupt (${why}); run "git fsck" and "git gc" to rebuild it`, { path })
    const isV2 = data.length >= 8 && data.subarray(0, 4).equals(IDX_MAGIC)
    if (isV2 && data.readUInt32BE(4) !== 2) throw corrupt(`unsupported version ${data.readUInt32BE(4)}`)
    const fanoutStart = isV2 ? 8 : 0
    if (data.length < fanoutStart + FANOUT_BYTES + 40) throw corrupt('too short')
    let previous = 0
    for (let b = 0; b < 256; b++) {
      const value = data.readUInt32BE(fanoutStart + 4 * b)
      if (value < previous) throw corrupt('fan-out table is not monotonic')
      previous = value
    }
    const n = previous
    const minLength = isV2 ? 8 + FANOUT_BYTES + 28 * n + 40 : FANOUT_BYTES + 24 * n + 40
    if (data.length < minLength) throw corrupt(`too short for ${n} objects`)
    return new PackIndex(data, isV2 ? 2 : 1)
  }

  /** Hex checksum of the pack this index describes. */
  get packChecksum(): string {
    return this.data.subarray(this.data.length - 40, this.data.length - 20).toString('hex')
  }

  has(oid: string): boolean {
    return this.find(oid) >= 0
  }

  /** Position of `oid` in the sorted table, or -1. */
  find(oid: string): number {
    const target = Buffer.from(oid, 'hex')
    if (target.length !== 20) return -1
    const fanoutStart = this.version === 2 ? 8 : 0
    const first = target[0]!
    let lo = first === 0 ? 0 : this.data.readUInt32BE(fanoutStart + 4 * (first - 1))
    let hi = this.data.readUInt32BE(fanoutStart + 4 * first)
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const pos = this.oidStart + this.oidStride * mid
      const cmp = this.data.compare(target, 0, 20, pos, pos + 20)
      if (cmp === 0) return mid
      if (cmp < 0) lo = mid + 1
      else hi = mid
    }
    return -1
  }

  oidAt(position: number): string {
    const pos = this.oidStart + this.oidStride * position
    return this.data.subarray(pos, pos + 20).toString('hex')
  }

  /** Byte offset of the entry at `position` in the pack. */
  offsetAt(position: number): number {
    if (this.version === 1) return this.data.readUInt32BE(this.offsetStart + 24 * position)
    const small = this.data.readUInt32BE(this.offsetStart + 4 * position)
    if (small < LARGE_OFFSET) return small
    return Number(this.data.readBigUInt64BE(this.largeStart + 8 * (small - LARGE_OFFSET)))
  }

  crc32At(position: number): number | null {
    if (this.version === 1) return null
    return this.data.readUInt32BE(this.oidStart + 20 * this.count + 4 * position)
  }

  offset(oid: string): number | null {
    const position = this.find(oid)
    return position < 0 ? null : this.offsetAt(position)
  }
}
