import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { crashPoint } from '../../git/crashPoint.js'
import type { GitDir } from '../../git/repo.js'
import { sweepTempFiles } from '../../git/tempFiles.js'

/**
 * A command's output as it was printed, kept so that printing it again is one read:
 * `<gitdir>/gmr/rendered/<name>`, a header line, then the bytes exactly as printed. The
 * header names the key the output was rendered for (a digest of everything it depends
 * on: the printed form and gmr's version, the branch tip, what the manifest added), the
 * byte count and the CRC-32 of the bytes; a file for another key, cut short or edited by
 * hand is rendered anew, never printed. Written through a temporary file and a rename.
 * Like the version index it is derived, and deleting it is always safe. The operation
 * owns the key, the caller (the CLI) owns the bytes: nothing here knows their shape.
 */
const FORMAT = 'gmr-rendered-1'

function renderedPath(repo: GitDir, name: string): string {
  return `${repo.gitdir}/gmr/rendered/${name}`
}

/** The key of an output from everything it depends on, in order. */
export function renderKey(parts: readonly string[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(`${part.length}:${part}`)
  return hash.digest('hex')
}

function headerLine(key: string, body: Uint8Array): string {
  return `${FORMAT} ${key} ${body.length} ${crc32(body)}\n`
}

/** The output kept for `key`, or null when there is none, it was kept for another key, or its bytes are not the ones written. */
export async function readRendered(repo: GitDir, name: string, key: string): Promise<Buffer | null> {
  const data = await repo.fs.read(renderedPath(repo, name))
  const headerEnd = data === null ? 0 : data.indexOf(10) + 1
  if (data === null || headerEnd === 0) return null
  const body = data.subarray(headerEnd)
  return data.toString('latin1', 0, headerEnd) === headerLine(key, body) ? body : null
}

/** Keep `body` as the output for `key`; a read-only or full disk only means the next run renders again. */
export async function writeRendered(repo: GitDir, name: string, key: string, body: Uint8Array): Promise<void> {
  const path = renderedPath(repo, name)
  const slash = path.lastIndexOf('/')
  try {
    // What killed runs left half-written: temporary names of processes that are gone.
    await sweepTempFiles(repo.fs, path.slice(0, slash), `${path.slice(slash + 1)}.`)
    await repo.fs.writeAtomic(path, Buffer.concat([Buffer.from(headerLine(key, body), 'latin1'), body]))
  } catch {
    return
  }
  crashPoint('rendered:written')
}
