import { CorruptObjectError } from '../domain/errors.js'
import { artifactRef } from '../domain/layout.js'
import { isObjectId } from '../domain/objectId.js'
import { parsePlainYaml } from '../domain/fastYaml.js'
import type { VersionSource } from '../domain/versionMessage.js'
import { assertSoundChain, versionShapeProblem } from '../domain/versionChain.js'
import { readVersionMessageWith, type VersionMessageReading } from '../domain/versionMessageFields.js'
import { decodeCommit, type CommitData } from './commit.js'
import { readGitOutput, type GitBinary } from './gitBinary.js'
import { readObject } from './objects.js'
import { readRef } from './refs.js'
import type { GitDir } from './repo.js'
import { loadVersionMessageReader } from './lazyModules.js'

/** One version of an artifact, as the index keeps it. */
export interface VersionRecord {
  /** The version number: the commit's first-parent depth on the artifact branch. */
  version: number
  commit: string
  tree: string
  /** Committer time, seconds since the epoch. */
  time: number
  /** `Name <email>` of the author. */
  author: string
  /** The number the commit message claims; differs from `version` only in a damaged branch. */
  messageVersion: number | null
  /** What breaks the branch's shape at this commit besides its number (a merge, another artifact's message); absent when nothing. */
  problem?: string
  /** `gmr log -m`: absent when none was given (and in indexes written before it existed, for versions that had none). */
  description?: string
  metadata: Record<string, unknown>
  source: VersionSource | null
}

export interface ArtifactVersions {
  artifact: string
  /** The branch tip, or null when the artifact has no branch yet. */
  tip: string | null
  versions: VersionRecord[]
}

interface IndexHeader {
  format: typeof FORMAT
  tip: string
  count: number
}

const FORMAT = 2


function indexPath(repo: GitDir, artifact: string): string {
  return `${repo.gitdir}/gmr/versions/${artifact}.ndjson`
}

/**
 * The derived index of an artifact's versions: `<gitdir>/gmr/versions/<artifact>.ndjson`,
 * a header line naming the branch tip it was built from, then one JSON line per version.
 * It is a cache: it is trusted only while its tip equals the branch tip, extended by
 * walking just the new commits when the branch moved forward, and rebuilt from the
 * branch when anything else happened. Deleting it is always safe.
 */
export async function loadVersions(repo: GitDir, artifact: string): Promise<ArtifactVersions> {
  return loadVersionsOf(repo, artifact, artifactRef(artifact), artifact)
}

/**
 * An artifact's versions, refused when its branch breaks the shape every number relies
 * on (a merge commit, a message naming another artifact or number): what `log` builds
 * on and `show`/`versions` print.
 */
export async function loadSoundVersions(repo: GitDir, artifact: string): Promise<ArtifactVersions> {
  const known = await loadVersions(repo, artifact)
  assertSoundChain(artifact, known.versions, known.tip)
  return known
}

/**
 * The versions on any ref holding an artifact's chain (a remote-tracking branch, say),
 * indexed under `indexName` (default: the ref itself).
 */
export async function loadVersionsOf(
  repo: GitDir,
  artifact: string,
  ref: string,
  indexName = ref,
): Promise<ArtifactVersions> {
  const tip = await readRef(repo, ref)
  if (tip === null) return { artifact, tip, versions: [] }
  const cached = await readIndex(repo, indexName)
  if (cached && cached.header.tip === tip) {
    return { artifact, tip, versions: parseRecords(cached.lines) }
  }
  const known = cached ? parseRecords(cached.lines) : []
  const versions = await walkNewVersions(repo, artifact, tip, known)
  await writeIndex(repo, indexName, tip, versions)
  return { artifact, tip, versions }
}

/**
 * One version by number without parsing the rest: the path `resolve A:v5000` takes.
 * Falls back to `loadVersions` whenever the index is not current.
 */
export async function loadVersion(repo: GitDir, artifact: string, version: number): Promise<VersionRecord | null> {
  const tip = await readRef(repo, artifactRef(artifact))
  if (tip === null) return null
  const located = await readLocated(repo, artifact, tip, version)
  if (located !== undefined) return located
  // Bytes, not text: only the header and the one line are decoded.
  const data = await repo.fs.read(indexPath(repo, artifact))
  const header = data === null ? null : parseHeader(data.toString('utf8', 0, Math.max(0, data.indexOf(10))))
  if (data !== null && header?.tip === tip) {
    // An index written before line tables existed: the next lookup finds one.
    await writeLineTable(repo, artifact, tip, data.toString('utf8').split('\n').slice(0, header.count + 1))
    if (version >= header.count) return null
    const line = nthLine(data, version + 1)
    return line === null ? null : (JSON.parse(line) as VersionRecord)
  }
  return (await loadVersions(repo, artifact)).versions[version] ?? null
}

async function writeLineTable(repo: GitDir, artifact: string, tip: string, lines: readonly string[]): Promise<void> {
  try {
    await repo.fs.writeAtomic(linesPath(repo, artifact), lineTable(tip, lines))
  } catch {
    // Only a shortcut: without it a lookup reads the whole index.
  }
}

/**
 * The line table beside an index, `<artifact>.lines`: the tip it was written for (40
 * bytes), then where each record line starts in the index and where the last one ends
 * (u32 little-endian). With it, `resolve A:v5000` reads two short ranges of the index
 * instead of all of it. Like the index, it is derived and safe to delete.
 */
function linesPath(repo: GitDir, artifact: string): string {
  return `${repo.gitdir}/gmr/versions/${artifact}.lines`
}

function lineTable(tip: string, lines: readonly string[]): Buffer {
  const table = Buffer.alloc(40 + 4 * lines.length)
  table.write(tip, 0, 'latin1')
  let at = 0
  for (const [i, line] of lines.entries()) {
    at += Buffer.byteLength(line) + 1
    table.writeUInt32LE(at, 40 + 4 * i)
  }
  return table
}

/**
 * Record `version` through the line table, or undefined when the table is missing or
 * not for `tip`, or the index beside it is not (the caller then reads the whole index).
 */
async function readLocated(repo: GitDir, artifact: string, tip: string, version: number): Promise<VersionRecord | null | undefined> {
  const table = await repo.fs.read(linesPath(repo, artifact))
  if (table === null || table.length < 44 || table.toString('latin1', 0, 40) !== tip) return undefined
  // Entry 0 is where the header line ends, entry n + 1 where record n ends.
  const count = (table.length - 44) / 4
  if (!Number.isInteger(count)) return undefined
  if (version >= count) return null
  const headerEnd = table.readUInt32LE(40)
  const start = table.readUInt32LE(40 + 4 * version)
  const end = table.readUInt32LE(44 + 4 * version)
  const handle = await repo.fs.open(indexPath(repo, artifact), 'r').catch(() => null)
  if (handle === null) return undefined
  try {
    const header = Buffer.alloc(headerEnd)
    const line = Buffer.alloc(end - start)
    const [a, b] = await Promise.all([handle.read(header, 0, headerEnd, 0), handle.read(line, 0, line.length, start)])
    // The index may have been rewritten for another tip after the table was: then trust neither.
    const written = a.bytesRead === headerEnd ? parseHeader(header.toString('utf8')) : null
    if (written?.tip !== tip || written.count !== count || b.bytesRead !== line.length) return undefined
    return JSON.parse(line.toString('utf8')) as VersionRecord
  } catch {
    return undefined
  } finally {
    await handle.close()
  }
}

/**
 * Record a version this process just committed on top of `previousTip`, so the next
 * command finds the index current without reading the commit back.
 */
export async function appendVersion(
  repo: GitDir,
  artifact: string,
  known: ArtifactVersions,
  record: VersionRecord,
): Promise<ArtifactVersions> {
  const versions = [...known.versions, record]
  await writeIndex(repo, artifact, record.commit, versions)
  return { artifact, tip: record.commit, versions }
}

/** Build a record from a commit, numbered by its depth. */
export async function versionRecord(artifact: string, version: number, oid: string, commit: CommitData): Promise<VersionRecord> {
  return (await versionRecords(artifact, version, [{ oid, commit }]))[0]!
}

/**
 * Records for consecutive commits of a chain, oldest first, numbered from `start`.
 * gmr's own message bodies are read with the plain-YAML reader; the YAML library loads
 * only for a body that reader is not sure of, because loading it costs more than the
 * whole of `gmr resolve`.
 */
export async function versionRecords(
  artifact: string,
  start: number,
  chain: ReadonlyArray<{ oid: string; commit: CommitData }>,
): Promise<VersionRecord[]> {
  let readFully: ((text: string) => VersionMessageReading) | undefined
  const records: VersionRecord[] = []
  for (const [i, { oid, commit }] of chain.entries()) {
    let reading = readVersionMessageWith(commit.message, parsePlainYaml)
    if (reading === undefined) {
      readFully ??= await loadVersionMessageReader()
      reading = readFully(commit.message)
    }
    const { message: parsed, said } = reading
    const problem = versionShapeProblem(artifact, commit.parents.length, said)
    records.push({
      version: start + i,
      commit: oid,
      tree: commit.tree,
      time: commit.committer.timestamp,
      author: `${commit.author.name} <${commit.author.email}>`,
      messageVersion: parsed.version ?? null,
      ...(problem !== null && { problem }),
      ...(parsed.description !== undefined && { description: parsed.description }),
      metadata: parsed.metadata ?? {},
      source: parsed.source ?? null,
    })
  }
  return records
}

/**
 * Commits walked in-process before handing the rest of a chain to the git binary:
 * starting git costs about as much as reading a few hundred commits here, so short
 * chains (a check over a hundred artifacts) never spawn and long ones spawn once.
 */
const IN_PROCESS_WALK = 256

async function walkNewVersions(repo: GitDir, artifact: string, tip: string, known: VersionRecord[]): Promise<VersionRecord[]> {
  const knownTip = known.length > 0 ? known[known.length - 1]!.commit : null
  let walk = await walkChain(repo, tip, knownTip, repo.binary ? IN_PROCESS_WALK : Infinity)
  if (walk.next !== undefined) {
    const rest = (repo.binary && (await walkWithGit(repo, repo.binary, walk.next, knownTip))) || (await walkChain(repo, walk.next, knownTip, Infinity))
    walk = { commits: [...walk.commits, ...rest.commits], reachedKnown: rest.reachedKnown }
  }
  const base = walk.reachedKnown ? known : []
  return [...base, ...(await versionRecords(artifact, base.length, walk.commits.reverse()))]
}

/** The first-parent chain from `tip` down to (not including) `stopAt`, or to the root; newest first. */
interface ChainWalk {
  commits: Array<{ oid: string; commit: CommitData }>
  /** Whether the walk met `stopAt` (else it went to the root: history was rewritten). */
  reachedKnown: boolean
  /** Where a walk cut short by its limit stopped: the next commit to read. */
  next?: string
}

async function walkChain(repo: GitDir, tip: string, stopAt: string | null, limit: number): Promise<ChainWalk> {
  const commits: ChainWalk['commits'] = []
  const cache = {}
  let oid: string | undefined = tip
  while (oid !== undefined) {
    if (oid === stopAt) return { commits, reachedKnown: true }
    if (commits.length >= limit) return { commits, reachedKnown: false, next: oid }
    const object = await readObject(repo, oid, { cache })
    if (object.type !== 'commit') {
      throw new CorruptObjectError(`${oid} on the artifact branch is a ${object.type}, not a commit`, { oid })
    }
    const commit = decodeCommit(object.content)
    commits.push({ oid, commit })
    oid = commit.parents[0]
  }
  return { commits, reachedKnown: false }
}

/**
 * The same walk done by git, in one `git log --first-parent` stream that carries each
 * commit's fields and its message verbatim (`%B`): a fresh clone's ten thousand versions
 * in a tenth of a second. Null when git cannot answer or says anything this reader is
 * not sure of (a commit declaring another encoding, a field that is not what it should
 * be); the caller then walks in-process, which also names any damage precisely.
 */
async function walkWithGit(repo: GitDir, binary: GitBinary, tip: string, stopAt: string | null): Promise<ChainWalk | null> {
  const range = [tip, ...(stopAt === null ? [] : [`^${stopAt}`])]
  const listed = await readGitOutput(repo, binary, [...LOG_ARGS, ...range, '--'])
  if (listed === null) return stopAt === null ? null : walkWithGit(repo, binary, tip, null)
  const commits = parseLog(listed)
  if (commits === null) return null
  if (stopAt === null) return { commits, reachedKnown: false }
  const oldest = commits[commits.length - 1]
  // Not on top of stopAt (history was rewritten): the exclusion stopped at a shared ancestor; take the whole chain.
  if ((oldest ? oldest.commit.parents[0] : tip) !== stopAt) return walkWithGit(repo, binary, tip, null)
  return { commits, reachedKnown: true }
}

// Commit id, tree, parents, author, committer, the encoding header, the message as stored.
const LOG_FIELDS = ['%H', '%T', '%P', '%an', '%ae', '%ad', '%cn', '%ce', '%cd', '%e', '%B']
// Plumbing-like output whatever the user's config says: no signatures, no colour, UTF-8 (only ever declared).
const LOG_ARGS = ['log', '--first-parent', '--no-show-signature', '--no-color', '--encoding=UTF-8', '--date=raw', '-z', `--format=${LOG_FIELDS.join('%x00')}`]

/**
 * `git log -z` with LOG_FIELDS, newest first. Each commit is rebuilt as the header lines
 * a commit object holds and decoded by the same decodeCommit an in-process walk uses.
 */
function parseLog(out: Buffer): ChainWalk['commits'] | null {
  const fields = out.toString('utf8').split('\0')
  if (fields[fields.length - 1] === '') fields.pop()
  if (fields.length % LOG_FIELDS.length !== 0) return null
  const commits: ChainWalk['commits'] = []
  for (let i = 0; i < fields.length; i += LOG_FIELDS.length) {
    const [oid, tree, parents, an, ae, ad, cn, ce, cd, encoding, message] = fields.slice(i, i + LOG_FIELDS.length) as string[]
    // -z ends a record with NUL, and the next begins after it: ids lead every record.
    if (!isObjectId(oid!) || (encoding !== '' && !/^utf-?8$/i.test(encoding!))) return null
    const parentLines = parents === '' ? '' : parents!.split(' ').map((p) => `parent ${p}\n`).join('')
    const raw = `tree ${tree}\n${parentLines}author ${an} <${ae}> ${ad}\ncommitter ${cn} <${ce}> ${cd}\n\n${message}`
    try {
      commits.push({ oid: oid!, commit: decodeCommit(Buffer.from(raw, 'utf8')) })
    } catch {
      return null
    }
    if (commits.length > 1 && commits[commits.length - 2]!.commit.parents[0] !== oid) return null
  }
  return commits
}

async function readIndex(repo: GitDir, artifact: string): Promise<{ header: IndexHeader; lines: string[] } | null> {
  const text = await repo.fs.readText(indexPath(repo, artifact))
  if (text === null) return null
  const header = parseHeader(text)
  if (header === null) return null
  const lines = text.split('\n').slice(1, header.count + 1)
  return lines.length === header.count ? { header, lines } : null
}

/** One JSON.parse for all records (twice as fast as one per line for 10,000 versions). */
function parseRecords(lines: readonly string[]): VersionRecord[] {
  return JSON.parse(`[${lines.join(',')}]`) as VersionRecord[]
}

function parseHeader(text: string): IndexHeader | null {
  const end = text.indexOf('\n')
  try {
    const header = JSON.parse(end < 0 ? text : text.slice(0, end)) as IndexHeader
    return header.format === FORMAT && typeof header.tip === 'string' ? header : null
  } catch {
    return null
  }
}

function nthLine(data: Buffer, n: number): string | null {
  let start = 0
  for (let i = 0; i < n; i++) {
    const next = data.indexOf(10, start)
    if (next < 0) return null
    start = next + 1
  }
  const end = data.indexOf(10, start)
  const line = data.toString('utf8', start, end < 0 ? data.length : end)
  return line === '' ? null : line
}

async function writeIndex(repo: GitDir, artifact: string, tip: string, versions: VersionRecord[]): Promise<void> {
  const header: IndexHeader = { format: FORMAT, tip, count: versions.length }
  const lines = [JSON.stringify(header), ...versions.map((v) => JSON.stringify(v))]
  try {
    await repo.fs.writeAtomic(indexPath(repo, artifact), lines.join('\n') + '\n')
  } catch {
    // The index is only a cache; a read-only .git still answers, just more slowly.
    return
  }
  // Written second and checked against the index's header when read: a crash in between leaves a table that is ignored.
  await writeLineTable(repo, artifact, tip, lines)
}
