import { createHash } from 'node:crypto'
import * as nodeFs from 'node:fs'
import type { FsClient, FsStreamHandle } from '../../src/git/fs.js'

export const MiB = 1024 * 1024

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** `size` bytes that look random and are the same for the same seed. */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size)
  let x = seed
  for (let i = 0; i < size; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0
    if (i + 4 <= size) out.writeUInt32LE(x, i)
    else out.fill(x & 0xff, i)
  }
  return out
}

export interface Faults {
  /** Writes to paths containing `under` fail with `code` once `afterBytes` went through (counted over all files). */
  failWrites?: { under: string; afterBytes: number; code: string }
  /** Called after each read through a handle on a path containing `under` (to change the file mid-read). */
  onRead?: { under: string; call(path: string, position: number): void }
  /** Reads return at most this many bytes (short reads, as a slow device may give). */
  maxRead?: number
  /** Opening a path containing `under` for writing fails with `code` (a read-only or unwritable store). */
  failOpen?: { under: string; code: string }
}

/** Node's fs with faults injected into the streaming handles gmr opens for large files, and the synchronous calls it writes small ones with. */
export function faultyFs(faults: Faults): FsClient {
  let written = 0
  const open = async (path: string, flags: string, mode?: number): Promise<unknown> => {
    if (faults.failOpen && flags !== 'r' && path.includes(faults.failOpen.under)) {
      throw Object.assign(new Error(`${faults.failOpen.code}: simulated failure, open '${path}'`), { code: faults.failOpen.code })
    }
    const handle = (await nodeFs.promises.open(path, flags, mode)) as unknown as FsStreamHandle
    const targeted = [faults.failWrites?.under, faults.onRead?.under].some((under) => under !== undefined && path.includes(under))
    if (!targeted && faults.maxRead === undefined) return handle
    const wrapped: FsStreamHandle = {
      read: async (buffer, offset, length, position) => {
        const result = await handle.read(buffer, offset, Math.min(length, faults.maxRead ?? length), position)
        if (faults.onRead && path.includes(faults.onRead.under)) faults.onRead.call(path, position)
        return result
      },
      write: async (buffer, offset, length, position) => {
        const fail = faults.failWrites
        if (fail && path.includes(fail.under) && written + length > fail.afterBytes) {
          throw Object.assign(new Error(`${fail.code}: simulated failure, write`), { code: fail.code })
        }
        written += length
        return handle.write(buffer, offset, length, position)
      },
      stat: () => handle.stat(),
      close: () => handle.close(),
    }
    return wrapped
  }
  // A full disk fails a kernel copy the same way: the bytes that fit are written, then ENOSPC (or the given code).
  const copyFile = async (from: string, to: string, mode?: number): Promise<void> => {
    // A kernel copy opens its target for writing too.
    if (faults.failOpen && to.includes(faults.failOpen.under)) {
      throw Object.assign(new Error(`${faults.failOpen.code}: simulated failure, copyfile '${from}' -> '${to}'`), { code: faults.failOpen.code })
    }
    const fail = faults.failWrites
    if (!fail || !to.includes(fail.under)) return nodeFs.promises.copyFile(from, to, mode)
    const data = await nodeFs.promises.readFile(from)
    if (written + data.length <= fail.afterBytes) {
      written += data.length
      return nodeFs.promises.copyFile(from, to, mode)
    }
    await nodeFs.promises.writeFile(to, data.subarray(0, Math.max(0, fail.afterBytes - written)), { flag: 'wx' })
    throw Object.assign(new Error(`${fail.code}: simulated failure, copyfile '${from}' -> '${to}'`), { code: fail.code })
  }
  // The synchronous twins a small file is written through (FileSystem.createWith) fail the same way.
  const paths = new Map<number, string>()
  const openSync = (path: string, flags: string, mode?: number): number => {
    if (faults.failOpen && flags !== 'r' && path.includes(faults.failOpen.under)) {
      throw Object.assign(new Error(`${faults.failOpen.code}: simulated failure, open '${path}'`), { code: faults.failOpen.code })
    }
    const fd = nodeFs.openSync(path, flags, mode)
    paths.set(fd, path)
    return fd
  }
  const writeSync = (fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number => {
    const fail = faults.failWrites
    if (fail && paths.get(fd)?.includes(fail.under) && written + length > fail.afterBytes) {
      throw Object.assign(new Error(`${fail.code}: simulated failure, write`), { code: fail.code })
    }
    written += length
    return nodeFs.writeSync(fd, buffer, offset, length, position)
  }
  const closeSync = (fd: number): void => {
    paths.delete(fd)
    nodeFs.closeSync(fd)
  }
  return {
    ...(nodeFs as unknown as FsClient),
    openSync,
    writeSync,
    closeSync,
    promises: { ...(nodeFs.promises as unknown as FsClient['promises']), open, copyFile },
  }
}

/** Every file below `dir`, recursively (empty when it does not exist). */
export function filesBelow(dir: string): string[] {
  if (!nodeFs.existsSync(dir)) return []
  return (nodeFs.readdirSync(dir, { recursive: true }) as string[])
    .filter((p) => nodeFs.statSync(`${dir}/${p}`).isFile())
    .sort()
}
