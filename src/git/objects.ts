import { createHash } from 'node:crypto'
import { deflateSync, inflateSync } from 'node:zlib'
import { CorruptObjectError } from '../domain/errors.js'
import type { FsClient } from './fs.js'
import { buildPack, deflateOptions, PackIndex } from './pack.js'
import type { GitDir } from './repo.js'

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag'

export interface ObjectWriterOptions {
  /** Write one pack instead of loose objects once this many objects are new. */
  packThreshold?: number
  /** zlib level for loose objects and packs; git's default for loose objects is 1 (fastest). */
  compressionLevel?: number
}

export interface FlushResult {
  written: number
  packed: boolean
}

export interface ReadObjectResult {
  type: ObjectType
  content: Buffer
}

export interface ReadObjectOptions {
  /** isomorphic-git's cache object; reuse one across reads, or every packed read re-reads its pack. */
  cache?: object
}

const OID = /^[0-9a-f]{40}$/
const OBJECT_TYPES: readonly string[] = ['blob', 'tree', 'commit', 'tag']
const DEFAULT_PACK_THRESHOLD = 64
// git writes loose objects at core.loosecompression = 1; matching it keeps us as fast as `git add`.
const DEFAULT_COMPRESSION_LEVEL = 1
const LOOSE_WRITE_CONCURRENCY = 16

export function isOid(value: string): boolean {
  return OID.test(value)
}

export function assertOid(value: string, what = 'object id'): void {
  if (!OID.test(value)) {
    throw new CorruptObjectError(`${what} "${value}" is not a 40-character lowercase hex SHA-1`, { oid: value })
  }
}

export function objectHeader(type: ObjectType, length: number): Buffer {
  return Buffer.from(`${type} ${length}\0`, 'latin1')
}

export function hashObject(type: ObjectType, content: Uint8Array): string {
  return createHash('sha1').update(objectHeader(type, content.length)).update(content).digest('hex')
}

export function looseObjectPath(gitdir: string, oid: string): string {
  return `${gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`
}

function deflateObject(type: ObjectType, content: Uint8Array, level: number): Buffer {
  const header = objectHeader(type, content.length)
  return deflateSync(Buffer.concat([header, content]), deflateOptions(header.length + content.length, level))
}

export async function writeLooseObject(repo: GitDir, type: ObjectType, content: Uint8Array): Promise<string> {
  const oid = hashObject(type, content)
  if ((await repo.fs.lstat(looseObjectPath(repo.gitdir, oid))) !== null) return oid
  await writeLoose(repo, oid, type, content, DEFAULT_COMPRESSION_LEVEL)
  return oid
}

// Two writers racing on one oid both rename identical bytes into place, so no lock is needed.
async function writeLoose(
  repo: GitDir,
  oid: string,
  type: ObjectType,
  content: Uint8Array,
  level: number,
): Promise<void> {
  await repo.fs.writeAtomic(looseObjectPath(repo.gitdir, oid), deflateObject(type, content, level))
}

export async function hasObjects(repo: GitDir, oids: Iterable<string>): Promise<Set<string>> {
  const remaining = new Set<string>()
  for (const oid of oids) {
    assertOid(oid)
    remaining.add(oid)
  }
  const found = new Set<string>()
  if (remaining.size === 0) return found

  for (const index of await loadPackIndexes(repo)) {
    for (const oid of remaining) {
      if (index.has(oid)) {
        found.add(oid)
        remaining.delete(oid)
      }
    }
    if (remaining.size === 0) return found
  }

  // One listing of objects/ says which fan-out folders exist; a young repository has few.
  const fanouts = new Set((await repo.fs.readdir(`${repo.gitdir}/objects`)) ?? [])
  const byFanout = new Map<string, string[]>()
  for (const oid of remaining) {
    const prefix = oid.slice(0, 2)
    if (!fanouts.has(prefix)) continue
    const group = byFanout.get(prefix)
    if (group) group.push(oid)
    else byFanout.set(prefix, [oid])
  }
  await Promise.all(
    [...byFanout].map(async ([prefix, group]) => {
      const names = await repo.fs.readdir(`${repo.gitdir}/objects/${prefix}`)
      if (names === null) return
      const present = new Set(names)
      for (const oid of group) if (present.has(oid.slice(2))) found.add(oid)
    }),
  )
  return found
}

interface CachedPackIndex {
  size: number
  mtimeMs: number
  ino: number | bigint
  index: PackIndex
}

// Keyed by the fs client so a disk and a memfs volume with the same paths never mix.
// A pack's name is its checksum and git never rewrites one in place, so size, mtime and
// inode (one stat) are enough to know a cached index still describes the file.
const packIndexCache = new WeakMap<FsClient, Map<string, CachedPackIndex>>()

async function loadPackIndexes(repo: GitDir): Promise<PackIndex[]> {
  const packDir = `${repo.gitdir}/objects/pack`
  const names = (await repo.fs.readdir(packDir)) ?? []
  const present = new Set(names)
  // An .idx is written after its .pack; one without its pack is a pack being removed.
  const idxPaths = names
    .filter((n) => n.startsWith('pack-') && n.endsWith('.idx') && present.has(`${n.slice(0, -4)}.pack`))
    .map((n) => `${packDir}/${n}`)

  let cache = packIndexCache.get(repo.fs.client)
  if (!cache) {
    cache = new Map()
    packIndexCache.set(repo.fs.client, cache)
  }
  const listed = new Set(idxPaths)
  for (const path of cache.keys()) if (path.startsWith(`${packDir}/`) && !listed.has(path)) cache.delete(path)

  const loaded = await Promise.all(
    idxPaths.map(async (path) => {
      const st = await repo.fs.stat(path)
      if (st === null) return null
      const cached = cache.get(path)
      if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs && cached.ino === st.ino) {
        return cached.index
      }
      const data = await repo.fs.read(path)
      if (data === null) return null
      const index = PackIndex.parse(data, path)
      cache.set(path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, index })
      return index
    }),
  )
  return loaded.filter((i): i is PackIndex => i !== null)
}

interface QueuedObject {
  type: ObjectType
  content: Uint8Array
}

/**
 * Collects the objects of one logical write (a version's blobs, trees and commit) so
 * they can land as one pack: writing 10,000 loose files costs far more than one pack.
 * Content is kept by reference until flush; callers must not mutate it in between.
 */
export class ObjectWriter {
  private readonly repo: GitDir
  private readonly packThreshold: number
  private readonly level: number
  private queue = new Map<string, QueuedObject>()

  constructor(repo: GitDir, options: ObjectWriterOptions = {}) {
    this.repo = repo
    this.packThreshold = options.packThreshold ?? DEFAULT_PACK_THRESHOLD
    this.level = options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL
  }

  /** Objects queued and not yet flushed. */
  get pending(): number {
    return this.queue.size
  }

  add(type: ObjectType, content: Uint8Array): string {
    const oid = hashObject(type, content)
    if (!this.queue.has(oid)) this.queue.set(oid, { type, content })
    return oid
  }

  async flush(): Promise<FlushResult> {
    const batch = this.queue
    this.queue = new Map()
    try {
      return await this.writeBatch(batch)
    } catch (err) {
      // Put the batch back so a retry after fixing the cause writes it.
      for (const [oid, obj] of batch) if (!this.queue.has(oid)) this.queue.set(oid, obj)
      throw err
    }
  }

  private async writeBatch(batch: Map<string, QueuedObject>): Promise<FlushResult> {
    if (batch.size === 0) return { written: 0, packed: false }
    const existing = await hasObjects(this.repo, batch.keys())
    const missing: Array<QueuedObject & { oid: string }> = []
    for (const [oid, obj] of batch) if (!existing.has(oid)) missing.push({ oid, ...obj })
    if (missing.length === 0) return { written: 0, packed: false }

    if (missing.length >= this.packThreshold) {
      await writePack(this.repo, missing, this.level)
      return { written: missing.length, packed: true }
    }
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < missing.length) {
        const obj = missing[next++]!
        await writeLoose(this.repo, obj.oid, obj.type, obj.content, this.level)
      }
    }
    await Promise.all(Array.from({ length: Math.min(LOOSE_WRITE_CONCURRENCY, missing.length) }, worker))
    return { written: missing.length, packed: false }
  }
}

async function writePack(
  repo: GitDir,
  objects: Array<{ type: ObjectType; content: Uint8Array; oid: string }>,
  level: number,
): Promise<string> {
  const { pack, idx, packSha } = buildPack(objects, { level })
  const base = `${repo.gitdir}/objects/pack/pack-${packSha}`
  // The .idx is what makes a pack visible to readers, so it goes last.
  await repo.fs.writeAtomic(`${base}.pack`, pack)
  await repo.fs.writeAtomic(`${base}.idx`, idx)
  return packSha
}

/** A loose object, inflated and checked against its header; null when it is not loose. */
async function readLooseObject(repo: GitDir, oid: string): Promise<ReadObjectResult | null> {
  const data = await repo.fs.read(looseObjectPath(repo.gitdir, oid))
  if (data === null) return null
  let raw: Buffer
  try {
    raw = inflateSync(data)
  } catch {
    throw new CorruptObjectError(`loose object ${oid} is not valid zlib data; run "git fsck"`, { oid })
  }
  const nul = raw.indexOf(0)
  const header = /^(blob|tree|commit|tag) (\d+)$/.exec(raw.toString('latin1', 0, nul < 0 ? 0 : nul))
  if (!header || Number(header[2]) !== raw.length - nul - 1) {
    throw new CorruptObjectError(`loose object ${oid} has a damaged header; run "git fsck"`, { oid })
  }
  return { type: header[1] as ObjectType, content: raw.subarray(nul + 1) }
}

export async function readObject(
  repo: GitDir,
  oid: string,
  options: ReadObjectOptions = {},
): Promise<ReadObjectResult> {
  assertOid(oid)
  const loose = await readLooseObject(repo, oid)
  if (loose !== null) return loose
  // Packed objects go through isomorphic-git, loaded on first use: importing it costs
  // ~100 ms, which every CLI start (and every small read of loose objects) would pay.
  const git = await import('isomorphic-git')
  type IsoFs = Parameters<typeof git.readObject>[0]['fs']
  let result: Awaited<ReturnType<typeof git.readObject>>
  try {
    result = await git.readObject({
      fs: repo.fs.client as IsoFs,
      gitdir: repo.gitdir,
      oid,
      format: 'content',
      cache: options.cache ?? {},
    })
  } catch (err) {
    if ((err as { code?: string }).code === 'NotFoundError') {
      // A shallow clone (actions/checkout's default depth 1) lacks history by design: say so, not "corrupt".
      if (await repo.fs.exists(`${repo.gitdir}/shallow`)) {
        throw new CorruptObjectError(
          `object ${oid} is not in this clone: it is shallow (its history was cut when it was cloned); fetch the rest with "git fetch --unshallow" (in CI: actions/checkout with fetch-depth: 0)`,
          { oid, gitdir: repo.gitdir, shallow: true },
        )
      }
      throw new CorruptObjectError(
        `object ${oid} is missing from ${repo.gitdir}; fetch it again (git fetch) or run "git fsck" to see what else is missing`,
        { oid, gitdir: repo.gitdir },
      )
    }
    throw err
  }
  if (!OBJECT_TYPES.includes(result.type)) {
    throw new CorruptObjectError(`object ${oid} has unknown type "${result.type}"; run "git fsck"`, { oid })
  }
  const object = result.object as Uint8Array
  const content = Buffer.isBuffer(object) ? object : Buffer.from(object.buffer, object.byteOffset, object.byteLength)
  return { type: result.type as ObjectType, content }
}
