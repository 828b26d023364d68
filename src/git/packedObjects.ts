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

/**
 * One pack file: its index, and where each entry ends (the next entry's offset), so
 * that an object is one positioned read of exactly its bytes and one inflate. Nothing
 * else of the pack is held in memory, whatever its size.
 */
class PackFile {
  private ends: Float64Array | null = null
  private fd: number | null = null
  private size = 0

  constructor(
    readonly path: string,
    readonly index: PackIndex,
    private readonly fs: FileSystem,
  ) {}

  /** The raw bytes of the entry at `offset`: its header and its compressed data. */
  async entry(offset: number): Promise<Buffer> {
    const sync = syncClient(this.fs.client)
    if (sync) {
      const fd = this.open(sync)
      const buffer = Buffer.allocUnsafe(this.entryLength(offset))
      const read = sync.readSync(fd, buffer, 0, buffer.length, offset)
      return buffer.subarray(0, read)
    }
    // A file system without synchronous calls: open, read and close per entry.
    const handle = await this.fs.open(this.path, 'r')
    try {
      if (this.size === 0) this.size = (await handle.stat()).size
      const buffer = Buffer.allocUnsafe(this.entryLength(offset))
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset)
      return buffer.subarray(0, bytesRead)
    } finally {
      await handle.close()
    }
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
    const end = lo < ends.length ? ends[lo]! : this.size - TRAILER_BYTES
    if (end <= offset) throw new CorruptObjectError(`${this.path} is shorter than its index says; run "git fsck"`, { path: this.path })
    return end - offset
  }
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
  private readonly bases = new Map<string, ReadObjectResult>()
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
    let found = this.locate(await this.list(false), oid)
    if (found === null && refresh) found = this.locate(await this.list(true), oid)
    if (found === null) return null
    try {
      return await this.at(found.pack, found.offset)
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err
      // Repacked away since the listing: the object is in the pack that replaced it, or loose.
      found = this.locate(await this.list(true), oid)
      return found === null ? null : this.at(found.pack, found.offset)
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

  private async at(pack: PackFile, offset: number): Promise<ReadObjectResult> {
    const key = `${pack.path}:${offset}`
    const cached = this.bases.get(key)
    if (cached) return cached
    const data = await pack.entry(offset)
    let pos = 0
    let byte = data[pos++]!
    const type = (byte >> 4) & 7
    while (byte & 0x80) byte = data[pos++]!
    let result: ReadObjectResult
    if (type === OFS_DELTA) {
      byte = data[pos++]!
      let distance = byte & 0x7f
      while (byte & 0x80) {
        byte = data[pos++]!
        distance = (distance + 1) * 128 + (byte & 0x7f)
      }
      const base = await this.at(pack, offset - distance)
      result = { type: base.type, content: applyDelta(base.content, this.inflate(data, pos, pack), pack.path) }
    } else if (type === REF_DELTA) {
      const baseOid = data.subarray(pos, pos + 20).toString('hex')
      const base = await this.read(baseOid)
      if (base === null) {
        throw new CorruptObjectError(`${pack.path} has a delta against ${baseOid}, which is missing; run "git fsck"`, { path: pack.path, oid: baseOid })
      }
      result = { type: base.type, content: applyDelta(base.content, this.inflate(data, pos + 20, pack), pack.path) }
    } else {
      const name = TYPES[type]
      if (name === undefined) throw new CorruptObjectError(`${pack.path} has an entry of unknown type ${type} at ${offset}; run "git fsck"`, { path: pack.path })
      result = { type: name, content: this.inflate(data, pos, pack) }
    }
    this.remember(key, result)
    return result
  }

  private inflate(data: Buffer, from: number, pack: PackFile): Buffer {
    try {
      return inflateSync(data.subarray(from))
    } catch {
      throw new CorruptObjectError(`${pack.path} has an entry that is not valid zlib data; run "git fsck"`, { path: pack.path })
    }
  }

  private remember(key: string, result: ReadObjectResult): void {
    const size = result.content.length
    if (size > BASE_CACHE_BYTES / 4) return
    if (this.baseBytes + size > BASE_CACHE_BYTES) {
      this.bases.clear()
      this.baseBytes = 0
    }
    this.bases.set(key, result)
    this.baseBytes += size
  }
}

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
