import type { FsStreamHandle } from './fs.js'

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

/**
 * Read a file from start to end through a few fixed buffers, handing each chunk to
 * `onChunk` (which hashes it) and writing it to `target`. Up to BUFFERS - 1 reads are
 * in flight while a chunk is hashed and earlier chunks are written, so the disk and the
 * hash keep each other busy; memory stays at BUFFERS × 1 MiB whatever the file's size.
 * Returns the number of bytes copied.
 */
export async function streamCopy(options: StreamCopyOptions): Promise<number> {
  const { source, target } = options
  const slots = Array.from({ length: BUFFERS }, () => ({
    buffer: Buffer.allocUnsafe(CHUNK),
    writing: Promise.resolve() as Promise<unknown>,
  }))
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
  }
  return done
}

/** Fill `buffer` from `position`, unless the file ends first; returns the bytes read. */
async function readFull(handle: FsStreamHandle, buffer: Buffer, position: number, options: StreamCopyOptions): Promise<number> {
  let filled = 0
  while (filled < buffer.length) {
    let bytesRead: number
    try {
      ;({ bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled))
    } catch (err) {
      throw options.readError(err)
    }
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled
}

async function writeFull(handle: FsStreamHandle, chunk: Buffer, position: number, options: StreamCopyOptions): Promise<void> {
  let written = 0
  while (written < chunk.length) {
    try {
      const { bytesWritten } = await handle.write(chunk, written, chunk.length - written, position + written)
      written += bytesWritten
    } catch (err) {
      throw options.writeError(err)
    }
  }
}

/** The same promise, marked as handled so that a failure awaited later is not reported as unhandled. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {})
  return promise
}
