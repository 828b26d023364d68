import { artifactRef } from '../domain/layout.js'
import { OID_HEX } from '../domain/objectId.js'
import type { Env } from './config.js'
import type { FsClient } from './fs.js'
import { startGitOutput, type GitBinary, type GitOutput } from './gitBinary.js'

// What the version index (src/git/versionIndex.ts) does before the repository is opened:
// where the index is, and the walk of an artifact's chain by `git log`. A fresh clone's
// first `gmr versions` starts git here before the registry is opened (src/cli/lookupRun.ts),
// so that git walks the chain on the second core while gmr reads what else the listing needs.

export function indexPath(gitdir: string, artifact: string): string {
  return `${gitdir}/gmr/versions/${artifact}.ndjson`
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
 * artifact's branch is a plain ref there, and no index is kept for it at all (one for
 * another tip is extended by the in-process walk, which needs no git; one of an older
 * format is rebuilt once, the way it was before; a warm listing pays one stat). A guess
 * and nothing more: the version index uses it only for the same git directory, tip and
 * range it would ask git for itself (versionIndex.ts), and its caller stops it otherwise.
 * Null when nothing was started; never throws.
 */
export async function startFirstWalk(place: StartPlace, artifact: string): Promise<ChainLog | null> {
  try {
    if (!PLAIN_NAME.test(artifact)) return null
    const gitdir = `${place.dir === '/' ? '' : place.dir}/.git`
    const kept = await place.fs.promises.stat(indexPath(gitdir, artifact)).then(
      () => true,
      () => false,
    )
    const tip = kept ? null : await readPlainRef(place.fs, gitdir, artifactRef(artifact))
    return tip === null ? null : startChainLog(gitdir, { env: place.env }, tip, null)
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

async function readText(fs: FsClient, path: string): Promise<string | null> {
  const data = await fs.promises.readFile(path).catch(() => null)
  return data === null ? null : Buffer.from(data as Uint8Array).toString('utf8')
}

/** End a walk started ahead (if one was, and git still runs) and wait until git is gone. */
export async function stopWalk(started: Promise<ChainLog | null> | undefined): Promise<void> {
  await (await started)?.output.stop()
}
