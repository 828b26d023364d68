import { inflateSync } from 'node:zlib'
import { CorruptObjectError } from '../domain/errors.js'
import { readObject, type ObjectType, type ReadObjectResult } from './objects.js'
import { PackIndex } from './pack.js'
import type { GitDir } from './repo.js'

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' }
const OFS_DELTA = 6
const REF_DELTA = 7
/** Resolved delta bases kept for the next object of the same chain. */
const BASE_CACHE_ENTRIES = 512

interface Pack {
  path: string
  index: PackIndex
  data?: Promise<Buffer>
}

/**
 * Reads many objects quickly. isomorphic-git's readObject looks for a loose file and
 * lists the pack folder on every call (about 0.3 ms each), which is most of the cost of
 * walking five thousand version trees; here each pack index and pack is read once and an
 * object is one binary search and one inflate. Objects that are not in a pack (loose
 * ones) are read the usual way. Meant for one operation's bulk reads: packs written
 * after the first read are not seen (their objects still read, through the fallback).
 */
export class PackedObjects {
  private packs: Promise<Pack[]> | null = null
  private readonly bases = new Map<string, ReadObjectResult>()

  constructor(
    private readonly repo: GitDir,
    private readonly cache: object = {},
  ) {}

  async read(oid: string): Promise<ReadObjectResult> {
    for (const pack of await this.list()) {
      const offset = pack.index.offset(oid)
      if (offset !== null) return this.at(pack, offset)
    }
    return readObject(this.repo, oid, { cache: this.cache })
  }

  private list(): Promise<Pack[]> {
    this.packs ??= (async () => {
      const dir = `${this.repo.gitdir}/objects/pack`
      const names = (await this.repo.fs.readdir(dir)) ?? []
      const packs: Pack[] = []
      for (const name of names) {
        if (!name.startsWith('pack-') || !name.endsWith('.idx') || !names.includes(`${name.slice(0, -4)}.pack`)) continue
        const data = await this.repo.fs.read(`${dir}/${name}`)
        if (data !== null) packs.push({ path: `${dir}/${name.slice(0, -4)}.pack`, index: PackIndex.parse(data, `${dir}/${name}`) })
      }
      return packs
    })()
    return this.packs
  }

  private async at(pack: Pack, offset: number): Promise<ReadObjectResult> {
    const key = `${pack.path}:${offset}`
    const cached = this.bases.get(key)
    if (cached) return cached
    pack.data ??= this.repo.fs.read(pack.path).then((data) => {
      if (data === null) throw new CorruptObjectError(`${pack.path} is missing while its index is there; run "git fsck"`, { path: pack.path })
      return data
    })
    const data = await pack.data
    let pos = offset
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
      result = { type: base.type, content: applyDelta(base.content, inflateSync(data.subarray(pos)), pack.path) }
    } else if (type === REF_DELTA) {
      const base = await this.read(data.subarray(pos, pos + 20).toString('hex'))
      result = { type: base.type, content: applyDelta(base.content, inflateSync(data.subarray(pos + 20)), pack.path) }
    } else {
      const name = TYPES[type]
      if (name === undefined) throw new CorruptObjectError(`${pack.path} has an entry of unknown type ${type} at ${offset}; run "git fsck"`, { path: pack.path })
      result = { type: name, content: inflateSync(data.subarray(pos)) }
    }
    if (this.bases.size >= BASE_CACHE_ENTRIES) this.bases.clear()
    this.bases.set(key, result)
    return result
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
