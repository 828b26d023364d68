import { inflateSync } from 'node:zlib'
import { CorruptObjectError } from '../domain/errors.js'
import { isErrno, type FileSystem, type FsClient } from './fs.js'
import type { ObjectType, ReadObjectResult } from './objects.js'
import { PackIndex } from './pack.js'
import type { GitDir } from './repo.js'

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' }
const OFS_DELTA = 6
const REF_DELTA = 7
/** Resolved delta bases kept per reader, by total size: long chains resolve once, memory stays bounded. */
const BASE_CACHE_BYTES = 32 * 1024 * 1024
/** Pack files kept open at once, per process; the least recently used closes first. */
const OPEN_PACKS = 32
const TRAILER_BYTES = 20

/** The synchronous positioned-read calls Node's fs and memfs both have; about 10x cheaper per call than promises. */
interface SyncFileClient {
  openSync(path: string, flags: string): number
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number
  closeSync(fd: number): void
  fstatSync(fd: number): { size: number }
}

function syncClient(client: FsClient): SyncFileClient | null {
  const c = client as Partial<SyncFileClient>
  return typeof c.openSync === 'function' && typeof c.readSync === 'function' && typeof c.closeSync === 'function' && typeof c.fstatSync === 'function'
    ? (c as SyncFileClient)
    : null
}

/** Bytes read first at an entry: its header, and the whole of a small object (commits, trees, manifests). */
const FIRST_READ = 4096
/** Up to this, an entry is read by the worst case of its deflated size; above it, to its exact end from the index. */
const BOUNDED_READ = 1 << 20
/**
 * Reads that go forward through a pack read further ahead each time, up to this much:
 * git writes a history's commits one after the other in the order a walk from the tip
 * reads them, so walking ten thousand commits makes a few dozen reads instead of ten
 * thousand. A read anywhere else starts again at FIRST_READ, so a tree here and a blob
 * there cost what they did. One window per pack file: memory stays flat in its size.
 */
const READ_AHEAD = 256 * 1024

/**
 * One pack file and its index. An object is one positioned read and one inflate: a read
 * of the first bytes holds a small entry whole; a larger one is read to the worst case
 * that zlib could make of the size its header states (inflate stops at the end of its
 * stream), and only an entry larger still, or one deflated beyond that worst case, is
 * read to its exact end, which takes every entry's offset sorted once. Nothing else of
 * the pack is held in memory, whatever its size.
 */
class PackFile {
  private ends: Float64Array | null = null
  private fd: number | null = null
  private size = 0
  /** The bytes of the last first read, at `windowStart`: replaced, never overwritten, so an entry handed out stays valid. */
  private window: Buffer | null = null
  private windowStart = 0

  constructor(
    readonly path: string,
    readonly index: PackIndex,
    private readonly fs: FileSystem,
  ) {}

  /**
   * The raw bytes of the entry at `offset`: its header and at least its compressed data
   * (more may follow). `exact`: read exactly to the entry's end.
   */
  async entry(offset: number, exact = false): Promise<Buffer> {
    if (exact) return this.read(offset, () => this.entryLength(offset))
    const held = this.fromWindow(offset)
    if (held !== null) return held
    const first = await this.read(offset, () => Math.min(this.firstReadAt(offset), this.entryEnd() - offset))
    if (syncClient(this.fs.client) !== null) {
      this.window = first
      this.windowStart = offset
    }
    const bound = boundedLength(first)
    if (bound <= first.length || this.entryEnd() - offset <= first.length) return first
    return this.read(offset, () => (bound <= BOUNDED_READ ? Math.min(bound, this.entryEnd() - offset) : this.entryLength(offset)))
  }

  /** The entry at `offset` from the last first read, when it holds the entry's worst case; else null. */
  private fromWindow(offset: number): Buffer | null {
    const window = this.window
    const at = offset - this.windowStart
    if (window === null || at < 0 || at >= window.length) return null
    const entry = window.subarray(at)
    return boundedLength(entry) <= entry.length || this.windowStart + window.length >= this.entryEnd() ? entry : null
  }

  /** How much to read first at `offset`: twice the last first read when `offset` lies just past it (a walk going forward), else FIRST_READ. */
  private firstReadAt(offset: number): number {
    const window = this.window
    if (window === null || offset < this.windowStart || offset > this.windowStart + window.length + FIRST_READ) return FIRST_READ
    return Math.min(READ_AHEAD, 2 * Math.max(window.length, FIRST_READ))
  }

  /** `length()` bytes at `offset` (fewer only if the file is shorter); `length` runs once the file's size is known. */
  private async read(offset: number, length: () => number): Promise<Buffer> {
    const sync = syncClient(this.fs.client)
    if (sync) {
      const fd = this.open(sync)
      const buffer = Buffer.allocUnsafe(this.checked(offset, length()))
      const read = sync.readSync(fd, buffer, 0, buffer.length, offset)
      return buffer.subarray(0, read)
    }
    // A file system without synchronous calls: open, read and close per read.
    const handle = await this.fs.open(this.path, 'r')
    try {
      if (this.size === 0) this.size = (await handle.stat()).size
      const buffer = Buffer.allocUnsafe(this.checked(offset, length()))
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset)
      return buffer.subarray(0, bytesRead)
    } finally {
      await handle.close()
    }
  }

  private checked(offset: number, length: number): number {
    if (length <= 0) throw new CorruptObjectError(`${this.path} is shorter than its index says (an entry at ${offset}); run "git fsck"`, { path: this.path })
    return length
  }

  /** Where the last entry ends: the checksum trailer follows it. */
  private entryEnd(): number {
    return this.size - TRAILER_BYTES
  }

  private open(sync: SyncFileClient): number {
    if (this.fd === null) {
      this.fd = sync.openSync(this.path, 'r')
      this.size = sync.fstatSync(this.fd).size
      openPacks.add(this)
      if (openPacks.size > OPEN_PACKS) openPacks.values().next().value!.close()
    } else {
      // Most recently used goes last.
      openPacks.delete(this)
      openPacks.add(this)
    }
    return this.fd
  }

  close(): void {
    openPacks.delete(this)
    this.window = null
    if (this.fd === null) return
    const sync = syncClient(this.fs.client)
    const fd = this.fd
    this.fd = null
    sync?.closeSync(fd)
  }

  private entryLength(offset: number): number {
    if (this.ends === null) {
      const offsets = new Float64Array(this.index.count)
      for (let i = 0; i < offsets.length; i++) offsets[i] = this.index.offsetAt(i)
      this.ends = offsets.sort()
    }
    const ends = this.ends
    let lo = 0
    let hi = ends.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (ends[mid]! <= offset) lo = mid + 1
      else hi = mid
    }
    const end = lo < ends.length ? ends[lo]! : this.entryEnd()
    return end - offset
  }
}

/** An entry's header: its type, the size of its inflated data, and where the data (or a delta's base) starts. */
function entryHeader(data: Buffer): { type: number; size: number; pos: number } {
  let pos = 0
  let byte = data[pos++]!
  const type = (byte >> 4) & 7
  let size = byte & 0x0f
  let shift = 4
  while (byte & 0x80) {
    byte = data[pos++]!
    size += (byte & 0x7f) * 2 ** shift
    shift += 7
  }
  return { type, size, pos }
}

/**
 * The most bytes the entry starting with `first` can take: its header, a delta's base
 * name (at most 20 bytes), and zlib's worst case for its size with any settings
 * (deflateBound's conservative formula, plus the zlib wrapper).
 */
function boundedLength(first: Buffer): number {
  const { size, pos } = entryHeader(first)
  return pos + 20 + size + Math.ceil(size / 8) + Math.ceil(size / 64) + 5 + 6
}

const openPacks = new Set<PackFile>()

interface PackList {
  /** Names in objects/pack when the list was made, to notice new packs cheaply. */
  names: string
  packs: PackFile[]
}

/** Per file system and git directory; a pack's name is its checksum and git never rewrites one. */
const packLists = new WeakMap<FsClient, Map<string, PackList>>()

/**
 * The one pack reader: every object gmr reads goes through here. An object is a binary
 * search in a pack index, one positioned read of its entry and one inflate; deltas
 * (offset and reference) resolve through their bases, kept in a bounded cache. The
 * list of packs is read once per process and again only when an object is not found
 * in it (a fetch or a repack added packs since), so a long-lived process sees new
 * packs and a short one pays for the listing once.
 */
export class PackedObjects {
  private readonly bases = new Map<PackFile, Map<number, ReadObjectResult>>()
  private baseBytes = 0

  constructor(private readonly repo: GitDir) {}

  /** Whether this reader reads `repo`'s objects. */
  reads(repo: GitDir): boolean {
    return repo.gitdir === this.repo.gitdir && repo.fs.client === this.repo.fs.client
  }

  /**
   * The packed object, or null when no pack has it. `refresh` looks for packs added
   * since the last listing; without it only the packs already known are searched.
   */
  async read(oid: string, refresh = true): Promise<ReadObjectResult | null> {
    return this.readAs(oid, refresh, false)
  }

  /** `read`; `base`: the object is a delta's base, kept for the next delta against it. */
  private async readAs(oid: string, refresh: boolean, base: boolean): Promise<ReadObjectResult | null> {
    let found = this.locate(await this.list(false), oid)
    if (found === null && refresh) found = this.locate(await this.list(true), oid)
    if (found === null) return null
    try {
      return await this.at(found.pack, found.offset, base)
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err
      // Repacked away since the listing: the object is in the pack that replaced it, or loose.
      found = this.locate(await this.list(true), oid)
      return found === null ? null : this.at(found.pack, found.offset, base)
    }
  }

  /** The indexes of every pack, for existence checks in bulk. */
  async indexes(): Promise<PackIndex[]> {
    return (await this.list(true)).map((p) => p.index)
  }

  private locate(packs: PackFile[], oid: string): { pack: PackFile; offset: number } | null {
    for (const pack of packs) {
      const offset = pack.index.offset(oid)
      if (offset !== null) return { pack, offset }
    }
    return null
  }

  /** The packs of this git directory; `refresh` re-lists the folder and loads only new indexes. */
  private async list(refresh: boolean): Promise<PackFile[]> {
    const { fs, gitdir } = this.repo
    let byDir = packLists.get(fs.client)
    if (!byDir) {
      byDir = new Map()
      packLists.set(fs.client, byDir)
    }
    const known = byDir.get(gitdir)
    if (known && !refresh) return known.packs
    const dir = `${gitdir}/objects/pack`
    const names = (await fs.readdir(dir)) ?? []
    const key = names.join('\n')
    if (known && known.names === key) return known.packs
    const present = new Set(names)
    const reuse = new Map((known?.packs ?? []).map((p) => [p.path, p]))
    const packs: PackFile[] = []
    for (const name of names) {
      // An .idx is written after its .pack; one without its pack is a pack being removed.
      if (!name.startsWith('pack-') || !name.endsWith('.idx')) continue
      const packPath = `${dir}/${name.slice(0, -4)}.pack`
      if (!present.has(`${name.slice(0, -4)}.pack`)) continue
      const old = reuse.get(packPath)
      if (old) {
        packs.push(old)
        reuse.delete(packPath)
        continue
      }
      const data = await fs.read(`${dir}/${name}`)
      if (data !== null) packs.push(new PackFile(packPath, PackIndex.parse(data, `${dir}/${name}`), fs))
    }
    for (const gone of reuse.values()) gone.close()
    byDir.set(gitdir, { names: key, packs })
    return packs
  }

  /** The object at `offset`; `base`: it is a delta's base, kept for the next delta against it (a walk's commits are not). */
  private async at(pack: PackFile, offset: number, base = false): Promise<ReadObjectResult> {
    const cached = this.bases.get(pack)?.get(offset)
    if (cached) return cached
    let result: ReadObjectResult
    try {
      result = await this.decode(pack, offset, await pack.entry(offset))
    } catch (err) {
      // Deflated beyond zlib's worst case (another compressor's choice): read to the entry's exact end.
      if (!(err instanceof TruncatedEntry)) throw err
      try {
        result = await this.decode(pack, offset, await pack.entry(offset, true))
      } catch (again) {
        if (!(again instanceof TruncatedEntry)) throw again
        throw new CorruptObjectError(`${pack.path} has an entry cut short at ${offset}; run "git fsck"`, { path: pack.path })
      }
    }
    if (base) this.remember(pack, offset, result)
    return result
  }

  private async decode(pack: PackFile, offset: number, data: Buffer): Promise<ReadObjectResult> {
    const { type, size, pos: start } = entryHeader(data)
    let pos = start
    if (type === OFS_DELTA) {
      let byte = data[pos++]!
      let distance = byte & 0x7f
      while (byte & 0x80) {
        byte = data[pos++]!
        distance = (distance + 1) * 128 + (byte & 0x7f)
      }
      const base = await this.at(pack, offset - distance, true)
      return { type: base.type, content: applyDelta(base.content, this.inflate(data, pos, size, pack), pack.path) }
    }
    if (type === REF_DELTA) {
      const baseOid = data.subarray(pos, pos + 20).toString('hex')
      const base = await this.readAs(baseOid, true, true)
      if (base === null) {
        throw new CorruptObjectError(`${pack.path} has a delta against ${baseOid}, which is missing; run "git fsck"`, { path: pack.path, oid: baseOid })
      }
      return { type: base.type, content: applyDelta(base.content, this.inflate(data, pos + 20, size, pack), pack.path) }
    }
    const name = TYPES[type]
    if (name === undefined) throw new CorruptObjectError(`${pack.path} has an entry of unknown type ${type} at ${offset}; run "git fsck"`, { path: pack.path })
    return { type: name, content: this.inflate(data, pos, size, pack) }
  }

  /** The entry's data inflated: exactly `size` bytes, as its header says. */
  private inflate(data: Buffer, from: number, size: number, pack: PackFile): Buffer {
    let out: Buffer
    try {
      out = inflateSync(data.subarray(from))
    } catch (err) {
      // The stream did not end in the bytes read: too few were read, or the pack is cut short.
      if ((err as { code?: string }).code === 'Z_BUF_ERROR') throw new TruncatedEntry()
      throw new CorruptObjectError(`${pack.path} has an entry that is not valid zlib data; run "git fsck"`, { path: pack.path })
    }
    if (out.length !== size) throw new CorruptObjectError(`${pack.path} has an entry whose data is not the size its header says; run "git fsck"`, { path: pack.path })
    return out
  }

  private remember(pack: PackFile, offset: number, result: ReadObjectResult): void {
    const size = result.content.length
    if (size > BASE_CACHE_BYTES / 4) return
    if (this.baseBytes + size > BASE_CACHE_BYTES) {
      this.bases.clear()
      this.baseBytes = 0
    }
    let inPack = this.bases.get(pack)
    if (inPack === undefined) {
      inPack = new Map()
      this.bases.set(pack, inPack)
    }
    inPack.set(offset, result)
    this.baseBytes += size
  }
}

/** An entry's zlib stream went past the bytes read for it. */
class TruncatedEntry extends Error {}

/** git's delta format: the sizes, then copy-from-base and insert instructions. */
export function applyDelta(base: Buffer, delta: Buffer, where = 'pack'): Buffer {
  let pos = 0
  const varint = (): number => {
    let value = 0
    let shift = 0
    let byte: number
    do {
      byte = delta[pos++]!
      value += (byte & 0x7f) * 2 ** shift
      shift += 7
    } while (byte & 0x80)
    return value
  }
  const corrupt = () => new CorruptObjectError(`a delta in ${where} does not apply; run "git fsck"`, { path: where })
  if (varint() !== base.length) throw corrupt()
  const out = Buffer.allocUnsafe(varint())
  let written = 0
  while (pos < delta.length) {
    const op = delta[pos++]!
    if (op & 0x80) {
      let offset = 0
      let size = 0
      for (let i = 0; i < 4; i++) if (op & (1 << i)) offset += delta[pos++]! * 2 ** (8 * i)
      for (let i = 0; i < 3; i++) if (op & (0x10 << i)) size += delta[pos++]! << (8 * i)
      if (size === 0) size = 0x10000
      if (offset + size > base.length || written + size > out.length) throw corrupt()
      base.copy(out, written, offset, offset + size)
      written += size
    } else if (op > 0) {
      if (written + op > out.length || pos + op > delta.length) throw corrupt()
      delta.copy(out, written, pos, pos + op)
      written += op
      pos += op
    } else throw corrupt()
  }
  if (written !== out.length) throw corrupt()
  return out
}
