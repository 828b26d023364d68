import { isObjectId } from '../domain/objectId.js'
import { createHash } from 'node:crypto'
import { deflateSync, inflateSync } from 'node:zlib'
import { CorruptObjectError, MissingObjectError } from '../domain/errors.js'
import { buildPack, deflateOptions } from './pack.js'
import { PackedObjects } from './packedObjects.js'
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
  /** Any object, one per operation: reads that pass the same one share resolved delta bases. */
  cache?: object
}

const DEFAULT_PACK_THRESHOLD = 64
// git writes loose objects at core.loosecompression = 1; matching it keeps us as fast as `git add`.
const DEFAULT_COMPRESSION_LEVEL = 1
const LOOSE_WRITE_CONCURRENCY = 16

export function assertOid(value: string, what = 'object id'): void {
  if (!isObjectId(value)) {
    throw new CorruptObjectError(`${what} "${value}" is not a 40-character lowercase hex SHA-1`, { oid: value })
  }
}

export function objectHeader(type: ObjectType, length: number): Buffer {
  return Buffer.from(`${type} ${length}\0`, 'latin1')
}

export function hashObject(type: ObjectType, content: Uint8Array): string {
  return createHash('sha1').update(objectHeader(type, content.length)).update(content).digest('hex')
}

function looseObjectPath(gitdir: string, oid: string): string {
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

  for (const index of await readerFor(repo).indexes()) {
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

export interface QueuedObject {
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

  /** An object queued and not yet flushed (a tree built earlier in the same commit). */
  queued(oid: string): QueuedObject | undefined {
    return this.queue.get(oid)
  }

  /** Drop queued objects not in `keep` (trees an edit built and then replaced), so none is written dangling. */
  retain(keep: ReadonlySet<string>): void {
    for (const oid of [...this.queue.keys()]) if (!keep.has(oid)) this.queue.delete(oid)
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

/**
 * One object by id. Packed objects come from the one pack reader (positioned reads,
 * nothing loaded whole); reads that share a `cache` object share its resolved delta
 * bases, so walking a history or a tree resolves each delta chain once.
 */
export async function readObject(
  repo: GitDir,
  oid: string,
  options: ReadObjectOptions = {},
): Promise<ReadObjectResult> {
  assertOid(oid)
  const reader = readerFor(repo, options.cache)
  // Packs already listed first (no disk access to rule them out), then loose, then new packs.
  const found = (await reader.read(oid, false)) ?? (await readLooseObject(repo, oid)) ?? (await reader.read(oid, true))
  if (found !== null) return found
  // A shallow clone (actions/checkout's default depth 1) lacks history by design: say so, not "corrupt".
  if (await repo.fs.exists(`${repo.gitdir}/shallow`)) {
    throw new MissingObjectError(
      `object ${oid} is not in this clone: it is shallow (its history was cut when it was cloned); fetch the rest with "git fetch --unshallow" (in CI: actions/checkout with fetch-depth: 0)`,
      { oid, gitdir: repo.gitdir, shallow: true },
    )
  }
  throw new MissingObjectError(
    `object ${oid} is missing from ${repo.gitdir}; fetch it again (git fetch) or run "git fsck" to see what else is missing`,
    { oid, gitdir: repo.gitdir },
  )
}

const readers = new WeakMap<object, PackedObjects>()

/** The pack reader of one operation (its `cache`), so its delta bases are shared. */
function readerFor(repo: GitDir, cache?: object): PackedObjects {
  if (cache === undefined) return new PackedObjects(repo)
  let reader = readers.get(cache)
  if (!reader || !reader.reads(repo)) {
    reader = new PackedObjects(repo)
    readers.set(cache, reader)
  }
  return reader
}
