import { readInto, writeAll, type FsStreamHandle } from './fs.js'

export interface StreamCopyOptions {
  source: FsStreamHandle
  /** Where the bytes go; without one the source is only read (to hash it). */
  target?: FsStreamHandle
  /** Each chunk in order, with the count of bytes read so far; the buffer is reused afterwards. */
  onChunk(chunk: Buffer, done: number): void
  /** Turn a failed read or write into the error the caller wants to report. */
  readError(err: unknown): unknown
  writeError(err: unknown): unknown
}

const CHUNK = 1024 * 1024
const BUFFERS = 4
/** The page size the kernel copies file data in; buffers start on such a boundary. */
const PAGE = 4096
/**
 * Buffer sets of finished copies, for the next: a download writes up to 8 files at once and
 * a fetch a thousand small ones, so no more sets exist than copies ever ran at once.
 */
const spareSets: Buffer[][] = []

/**
 * Read a file from start to end through a few fixed buffers, handing each chunk to
 * `onChunk` (which hashes it) and writing it to `target`. Up to BUFFERS - 1 reads are
 * in flight while a chunk is hashed and earlier chunks are written, so the disk and the
 * hash keep each other busy; memory stays at BUFFERS × 1 MiB whatever the file's size.
 * The buffers start on page boundaries (pageAlignedBuffers), which halves the CPU a read costs.
 * Returns the number of bytes copied.
 */
export async function streamCopy(options: StreamCopyOptions): Promise<number> {
  const { source, target } = options
  const buffers = spareSets.pop() ?? pageAlignedBuffers(BUFFERS, CHUNK)
  const slots = buffers.map((buffer) => ({ buffer, writing: Promise.resolve() as Promise<unknown> }))
  const reads: Array<Promise<number>> = []
  const issueRead = (index: number): void => {
    const slot = slots[index % BUFFERS]!
    // A buffer is refilled only once the write of its previous chunk is done.
    reads[index] = quiet(slot.writing.then(() => readFull(source, slot.buffer, index * CHUNK, options)))
  }
  for (let i = 0; i < BUFFERS - 1; i++) issueRead(i)
  let done = 0
  try {
    for (let index = 0; ; index++) {
      const count = await reads[index]!
      if (count === 0) break
      const slot = slots[index % BUFFERS]!
      const chunk = slot.buffer.subarray(0, count)
      done += count
      options.onChunk(chunk, done)
      if (target) slot.writing = quiet(writeFull(target, chunk, done - count, options))
      if (count < CHUNK) break
      issueRead(index + BUFFERS - 1)
    }
    await Promise.all(slots.map((slot) => slot.writing))
  } finally {
    // Nothing may still be reading or writing when the caller closes the files.
    await Promise.allSettled([...reads, ...slots.map((slot) => slot.writing)])
    spareSets.push(buffers)
  }
  return done
}

/** What this file needs of the WebAssembly global, which Node has and its type definitions leave out. */
interface WasmMemoryConstructor {
  new (descriptor: { initial: number }): { buffer: ArrayBuffer }
}

/**
 * `count` buffers of `size` bytes (a multiple of 64 KiB), each starting on a page boundary.
 * A read copies the file's page-cache pages into the buffer; on this project's machine (an
 * AMD EPYC, whose kernel copies with `rep movsb`) a buffer 16 bytes past a page boundary
 * makes that copy three times slower: 0.7 s of system time per GiB instead of 0.24 s, as
 * long as the SHA-256 itself. That is where `Buffer.allocUnsafe` puts a large buffer (malloc
 * maps it and keeps 16 bytes of header in front). A WebAssembly memory is mapped whole, so it
 * starts on a page; where there is none, one larger buffer skips to where a page would begin
 * if the allocator mapped it.
 */
export function pageAlignedBuffers(count: number, size: number): Buffer[] {
  const Memory = (globalThis as { WebAssembly?: { Memory: WasmMemoryConstructor } }).WebAssembly?.Memory
  let base: ArrayBuffer | null = null
  let start = 0
  try {
    if (Memory !== undefined && size % 65536 === 0) base = new Memory({ initial: (count * size) / 65536 }).buffer
  } catch {
    // A process limited in address space may refuse the reservation; the fallback below serves.
  }
  if (base === null) {
    base = new ArrayBuffer(count * size + PAGE)
    start = PAGE - 16
  }
  return Array.from({ length: count }, (_, i) => Buffer.from(base, start + i * size, size))
}

/** Fill `buffer` from `position`, unless the file ends first; returns the bytes read. */
async function readFull(handle: FsStreamHandle, buffer: Buffer, position: number, options: StreamCopyOptions): Promise<number> {
  try {
    return await readInto(handle, buffer, buffer.length, position)
  } catch (err) {
    throw options.readError(err)
  }
}

async function writeFull(handle: FsStreamHandle, chunk: Buffer, position: number, options: StreamCopyOptions): Promise<void> {
  try {
    await writeAll(handle, chunk, position)
  } catch (err) {
    throw options.writeError(err)
  }
}

/** The same promise, marked as handled so that a failure awaited later is not reported as unhandled. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {})
  return promise
}
