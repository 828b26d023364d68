import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { cannotWrite } from '../../git/cannotWrite.js'
import { crashPoint } from '../../git/crashPoint.js'
import { tempPathFor, writeAll, type FsStreamHandle } from '../../git/fs.js'
import type { GitDir } from '../../git/repo.js'
import { sweepTempFiles } from '../../git/tempFiles.js'

/**
 * A command's output as it was printed, kept so that printing it again is one read:
 * `<gitdir>/gmr/rendered/<name>`, a header line, then the bytes exactly as printed. The
 * header names the key the output was rendered for (a digest of everything it depends
 * on: the printed form and gmr's version, the branch tip, what the manifest added), the
 * byte count and the CRC-32 of the bytes, both zero-padded so that the line has one width
 * and is written last, over the room left for it; a file for another key, cut short or
 * edited by hand is rendered anew, never printed. Written piece by piece as it is printed
 * into a temporary file, then renamed into place. Like the version index it is derived,
 * and deleting it is always safe. The operation owns the key, the caller (the CLI) owns
 * the bytes: nothing here knows their shape.
 */
const FORMAT = 'gmr-rendered-2'

function renderedPath(repo: GitDir, name: string): string {
  return `${repo.gitdir}/gmr/rendered/${name}`
}

/** The key of an output from everything it depends on, in order. */
export function renderKey(parts: readonly string[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(`${part.length}:${part}`)
  return hash.digest('hex')
}

function headerLine(key: string, length: number, crc: number): string {
  return `${FORMAT} ${key} ${String(length).padStart(15, '0')} ${String(crc).padStart(10, '0')}\n`
}

/** The output kept for `key`, or null when there is none, it was kept for another key, or its bytes are not the ones written. */
export async function readRendered(repo: GitDir, name: string, key: string): Promise<Buffer | null> {
  const data = await repo.fs.read(renderedPath(repo, name))
  const headerEnd = headerLine(key, 0, 0).length
  if (data === null || data.length < headerEnd) return null
  const body = data.subarray(headerEnd)
  return data.toString('latin1', 0, headerEnd) === headerLine(key, body.length, crc32(body)) ? body : null
}

/** An output being kept while it is printed: `write` each piece, then `finish`; `abandon` when the output will not be complete. */
export interface RenderedWriter {
  write(piece: Uint8Array): Promise<void>
  finish(): Promise<void>
  abandon(): Promise<void>
}

/**
 * Start keeping the output for `key`; null when it cannot be kept here (a read-only or
 * full disk: the next run renders again). Any other failure is thrown.
 */
export async function keepRendered(repo: GitDir, name: string, key: string): Promise<RenderedWriter | null> {
  const path = renderedPath(repo, name)
  const slash = path.lastIndexOf('/')
  try {
    // What killed runs left half-written: temporary names of processes that are gone.
    await sweepTempFiles(repo.fs, path.slice(0, slash), `${path.slice(slash + 1)}.`)
    await repo.fs.mkdirp(path.slice(0, slash))
    const temp = tempPathFor(path)
    return new KeptOutput(repo, path, temp, headerLine(key, 0, 0).length, key, await repo.fs.open(temp, 'wx'))
  } catch (err) {
    if (cannotWrite(err)) return null
    throw err
  }
}

class KeptOutput implements RenderedWriter {
  private length = 0
  private crc = 0
  private open = true

  constructor(
    private readonly repo: GitDir,
    private readonly path: string,
    private readonly temp: string,
    private readonly headerBytes: number,
    private readonly key: string,
    private readonly handle: FsStreamHandle,
  ) {}

  async write(piece: Uint8Array): Promise<void> {
    if (!this.open) return
    await this.step(async () => {
      await writeAll(this.handle, piece, this.headerBytes + this.length)
      this.length += piece.length
      this.crc = crc32(piece, this.crc)
    })
    if (this.length === piece.length) crashPoint('rendered:writing')
  }

  async finish(): Promise<void> {
    if (!this.open) return
    const kept = await this.step(async () => {
      // The header last: until it is written the file is not for any key, and until the rename it is not in place.
      await writeAll(this.handle, Buffer.from(headerLine(this.key, this.length, this.crc), 'latin1'), 0)
      this.open = false
      await this.handle.close()
      await this.repo.fs.rename(this.temp, this.path)
      return true
    })
    if (kept === true) crashPoint('rendered:written')
  }

  async abandon(): Promise<void> {
    if (this.open) {
      this.open = false
      await this.handle.close().catch(() => {})
    }
    await this.repo.fs.remove(this.temp).catch(() => {})
  }

  /** A write step; the output is given up when the disk cannot take it, and anything else is thrown after cleaning up. */
  private async step<T>(run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run()
    } catch (err) {
      await this.abandon()
      if (cannotWrite(err)) return undefined
      throw err
    }
  }
}
