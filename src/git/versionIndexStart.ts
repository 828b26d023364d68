import { artifactRef } from '../domain/layout.js'
import { OID_HEX } from '../domain/objectId.js'
import type { Env } from './config.js'
import type { FsClient } from './fs.js'
import { startGitOutput, type GitBinary, type GitOutput } from './gitBinary.js'

// What the version index (src/git/versionIndex.ts) does before the rest of gmr loads:
// where the index is and what its header says, and the walk of an artifact's chain by
// `git log`. The lookups' start-up (src/cli/lookup.ts) is bundled apart from the
// lookups themselves, and this is all of the index it carries: a fresh clone's first
// `gmr versions` starts git here, so that git walks the chain on the second core while
// node loads the rest of gmr.

/** 3: the header carries the records' CRC-32, and the line table one per line. */
export const FORMAT = 3

export interface IndexHeader {
  format: typeof FORMAT
  tip: string
  count: number
  /** CRC-32 of every byte after the header line: an index cut short or edited by hand is rebuilt, never believed. */
  crc32: number
}

export function indexPath(gitdir: string, artifact: string): string {
  return `${gitdir}/gmr/versions/${artifact}.ndjson`
}

export function parseIndexHeader(text: string): IndexHeader | null {
  try {
    const header = JSON.parse(text) as IndexHeader
    return header.format === FORMAT && typeof header.tip === 'string' && Number.isSafeInteger(header.count) && Number.isSafeInteger(header.crc32)
      ? header
      : null
  } catch {
    return null
  }
}

// Commit id, parents, tree, author, committer time, the encoding header, the message as stored: one NUL after each.
export const LOG_FIELDS = 7
const LOG_FORMAT = '%H%x00%P%x00%T%x00%an <%ae>%x00%ct%x00%e%x00%B'
// Plumbing-like output whatever the user's config says: no signatures, no colour, UTF-8 (only ever declared).
const LOG_ARGS = ['log', '--first-parent', '--no-show-signature', '--no-color', '--encoding=UTF-8', '-z', `--format=${LOG_FORMAT}`]

/** `git log` of a chain in LOG_FORMAT, newest first, running: from `tip` down to (not including) `stopAt`, or to the root. */
export interface ChainLog {
  gitdir: string
  tip: string
  stopAt: string | null
  output: GitOutput
}

/**
 * Start `git log` of the chain. git log flushes its output after every commit when it
 * writes into a pipe: ten thousand commits arrived as two thousand pieces of about a
 * kilobyte, each a wake-up and a stream event here, and gmr waited on git. GIT_FLUSH=0
 * lets git fill its buffer first (a fifth as many pieces; measured in a CPU profile of
 * the first `versions` in a fresh clone of 10,000 versions, the 60 ms this process sat
 * idle waiting for git were gone).
 */
export function startChainLog(gitdir: string, binary: GitBinary, tip: string, stopAt: string | null): ChainLog {
  const range = [tip, ...(stopAt === null ? [] : [`^${stopAt}`])]
  const output = startGitOutput(gitdir, { ...binary, env: { ...binary.env, GIT_FLUSH: '0' } }, [...LOG_ARGS, ...range, '--'])
  return { gitdir, tip, stopAt, output }
}

/** Where a command runs: the real disk, the folder, the environment git gets. */
export interface StartPlace {
  fs: FsClient
  dir: string
  env: Env
}

/**
 * The whole-chain walk a fresh clone's first `gmr versions <artifact>` will ask for,
 * started before gmr has opened the repository: only when `<dir>/.git` is a folder, the
 * artifact's branch is a plain ref there, and no index of this format is kept for it (an
 * index for another tip is extended by the in-process walk, which needs no git). A guess
 * and nothing more: the version index uses it only for the same git directory, tip and
 * range it would ask git for itself (versionIndex.ts), and its caller stops it otherwise.
 * Null when nothing was started; never throws.
 */
export async function startFirstWalk(place: StartPlace, artifact: string): Promise<ChainLog | null> {
  try {
    if (!PLAIN_NAME.test(artifact)) return null
    const gitdir = `${place.dir === '/' ? '' : place.dir}/.git`
    const tip = await readPlainRef(place.fs, gitdir, artifactRef(artifact))
    if (tip === null || (await indexKept(place.fs, gitdir, artifact))) return null
    return startChainLog(gitdir, { env: place.env }, tip, null)
  } catch {
    return null
  }
}

// Names this guess reads a path for; any other name is left to the command, which checks it.
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/
const OBJECT_ID_LINE = new RegExp(`^(${OID_HEX})\n?$`)

/** The ref's id from its loose file or packed-refs; null when it is missing, symbolic or anything else. */
async function readPlainRef(fs: FsClient, gitdir: string, ref: string): Promise<string | null> {
  const loose = await readText(fs, `${gitdir}/${ref}`)
  if (loose !== null) return OBJECT_ID_LINE.exec(loose)?.[1] ?? null
  const packed = await readText(fs, `${gitdir}/packed-refs`)
  const at = packed?.indexOf(` ${ref}\n`) ?? -1
  if (packed == null || at < 40 || (at > 40 && packed.charCodeAt(at - 41) !== 10)) return null
  return OBJECT_ID_LINE.exec(packed.slice(at - 40, at))?.[1] ?? null
}

/** Whether an index of this format is kept for the artifact (for any tip): its first line read alone. */
async function indexKept(fs: FsClient, gitdir: string, artifact: string): Promise<boolean> {
  const handle = (await fs.promises.open(indexPath(gitdir, artifact), 'r').catch(() => null)) as HeadHandle | null
  if (handle === null) return false
  try {
    const head = Buffer.alloc(512)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    const end = head.subarray(0, bytesRead).indexOf(10)
    return end > 0 && parseIndexHeader(head.toString('utf8', 0, end)) !== null
  } finally {
    await handle.close()
  }
}

interface HeadHandle {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>
  close(): Promise<void>
}

async function readText(fs: FsClient, path: string): Promise<string | null> {
  const data = await fs.promises.readFile(path).catch(() => null)
  return data === null ? null : Buffer.from(data as Uint8Array).toString('utf8')
}

/** End a walk started ahead (if one was, and git still runs) and wait until git is gone. */
export async function stopWalk(started: Promise<ChainLog | null> | undefined): Promise<void> {
  await (await started)?.output.stop()
}
