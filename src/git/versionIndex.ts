import { crc32 } from 'node:zlib'
import { CorruptObjectError } from '../domain/errors.js'
import { artifactRef } from '../domain/layout.js'
import { isObjectId } from '../domain/objectId.js'
import { parsePlainYaml } from '../domain/fastYaml.js'
import type { VersionSource } from '../domain/versionMessage.js'
import { assertSoundChain, versionShapeProblem } from '../domain/versionChain.js'
import { parseVersionMessageBody } from '../domain/versionMessageBody.js'
import { readVersionMessageWith, type VersionMessageReading } from '../domain/versionMessageFields.js'
import { decodeCommit, type CommitData } from './commit.js'
import type { GitBinary } from './gitBinary.js'
import { readObject } from './objects.js'
import { readRef } from './refs.js'
import { cannotWrite } from './cannotWrite.js'
import { crashPoint } from './crashPoint.js'
import type { GitDir } from './repo.js'
import { loadVersionMessageReader } from './lazyModules.js'
import { indexPath, LOG_FIELDS, startChainLog, type ChainLog } from './versionIndexStart.js'

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

/** 3: the header carries the records' CRC-32, and the line table one per line. */
const FORMAT = 3

interface IndexHeader {
  format: typeof FORMAT
  tip: string
  count: number
  /** CRC-32 of every byte after the header line: an index cut short or edited by hand is rebuilt, never believed. */
  crc32: number
}

/** The index's format: what is derived from the records (a kept rendering of them) names it too. */
export const VERSION_INDEX_FORMAT: number = FORMAT

/**
 * The derived index of an artifact's versions: `<gitdir>/gmr/versions/<artifact>.ndjson`,
 * a header line naming the branch tip it was built from, then one JSON line per version.
 * It is a cache: it is trusted only while its tip equals the branch tip (and its bytes
 * are the ones written), extended by walking just the new commits when the branch moved
 * forward, and rebuilt from the branch when anything else happened. Deleting it is
 * always safe.
 */
export async function loadVersions(repo: GitDir, artifact: string, started?: StartedWalk): Promise<ArtifactVersions> {
  return loadVersionsOf(repo, artifact, artifactRef(artifact), artifact, started)
}

/**
 * A walk of the whole chain that `git log` began before the repository was opened
 * (`startFirstWalk`, src/git/versionIndexStart.ts): used when it is the walk the index
 * needs (same git directory and tip, no index to extend); the caller stops it either way.
 */
export type StartedWalk = Promise<ChainLog | null>

/**
 * An artifact's versions, refused when its branch breaks the shape every number relies
 * on (a merge commit, a message naming another artifact or number): what `log` builds
 * on and `show`/`versions` print.
 */
export async function loadSoundVersions(repo: GitDir, artifact: string, started?: StartedWalk): Promise<ArtifactVersions> {
  const known = await loadVersions(repo, artifact, started)
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
  started?: StartedWalk,
): Promise<ArtifactVersions> {
  const tip = await readRef(repo, ref)
  if (tip === null) return { artifact, tip, versions: [] }
  const stored = await readIndex(repo, indexName)
  if (stored?.header.tip === tip) return { artifact, tip, versions: stored.versions }
  const versions = await walkNewVersions(repo, artifact, tip, stored?.versions ?? [], started)
  await writeIndex(repo, indexName, tip, versions)
  return { artifact, tip, versions }
}

/**
 * One version by number without parsing the rest: the path `resolve A:v5000` takes.
 * Falls back to reading the whole index (and leaves a line table for the next lookup),
 * or to `loadVersions` whenever the index is not current.
 */
export async function loadVersion(repo: GitDir, artifact: string, version: number): Promise<VersionRecord | null> {
  const tip = await readRef(repo, artifactRef(artifact))
  if (tip === null) return null
  const located = await readLocated(repo, artifact, tip, version)
  if (located !== undefined) return located
  const stored = await readIndex(repo, artifact)
  if (stored?.header.tip !== tip) return (await loadVersions(repo, artifact)).versions[version] ?? null
  await writeLineTable(repo, artifact, tip, stored.data)
  return stored.versions[version] ?? null
}

async function writeLineTable(repo: GitDir, artifact: string, tip: string, index: Buffer): Promise<void> {
  try {
    await repo.fs.writeAtomic(linesPath(repo, artifact), lineTable(tip, index))
  } catch (err) {
    // Only a shortcut: without it a lookup reads the whole index.
    if (!cannotWrite(err)) throw err
  }
}

/**
 * The line table beside an index, `<artifact>.lines`: TABLE_MAGIC, the tip it was
 * written for (40 bytes), where the header line ends, then for each record line where
 * it ends and the CRC-32 of its bytes (u32 little-endian each). With it, `resolve
 * A:v5000` reads two short ranges of the index instead of all of it, and still never
 * believes a line that is not the one written. Like the index, it is derived and safe
 * to delete; a table of an older layout (no magic) is ignored and written anew.
 */
function linesPath(repo: GitDir, artifact: string): string {
  return `${repo.gitdir}/gmr/versions/${artifact}.lines`
}

const TABLE_MAGIC = 'gmr-lines-3\n'
const TABLE_START = TABLE_MAGIC.length + 40

/** The table for an index's bytes: one scan for line ends, one CRC-32 per record line. */
function lineTable(tip: string, index: Buffer): Buffer {
  const headerEnd = index.indexOf(10) + 1
  let count = 0
  for (let at = headerEnd; at < index.length; at = index.indexOf(10, at) + 1) count++
  const table = Buffer.alloc(TABLE_START + 4 + 8 * count)
  table.write(TABLE_MAGIC + tip, 0, 'latin1')
  table.writeUInt32LE(headerEnd, TABLE_START)
  let start = headerEnd
  for (let i = 0; i < count; i++) {
    const end = index.indexOf(10, start)
    table.writeUInt32LE(end + 1, TABLE_START + 4 + 8 * i)
    table.writeUInt32LE(crc32(index.subarray(start, end)), TABLE_START + 8 + 8 * i)
    start = end + 1
  }
  return table
}

/**
 * Record `version` through the line table, or undefined when the table is missing, of
 * another layout or not for `tip`, or the index beside it is not (the caller then reads
 * the whole index).
 */
async function readLocated(repo: GitDir, artifact: string, tip: string, version: number): Promise<VersionRecord | null | undefined> {
  const table = await repo.fs.read(linesPath(repo, artifact))
  if (table === null || table.length < TABLE_START + 4 || table.toString('latin1', 0, TABLE_START) !== TABLE_MAGIC + tip) return undefined
  const count = (table.length - TABLE_START - 4) / 8
  if (!Number.isInteger(count)) return undefined
  const headerEnd = table.readUInt32LE(TABLE_START)
  const handle = await repo.fs.open(indexPath(repo.gitdir, artifact), 'r').catch(() => null)
  if (handle === null) return undefined
  try {
    const header = Buffer.alloc(headerEnd)
    const start = version === 0 || version > count ? headerEnd : table.readUInt32LE(TABLE_START + 4 + 8 * (version - 1))
    const line = Buffer.alloc(version < count ? table.readUInt32LE(TABLE_START + 4 + 8 * version) - 1 - start : 0)
    const [a, b] = await Promise.all([handle.read(header, 0, headerEnd, 0), handle.read(line, 0, line.length, start)])
    // The index may have been rewritten (or cut short) after the table was: then trust neither.
    const written = a.bytesRead === headerEnd ? parseHeader(header.toString('utf8')) : null
    if (written?.tip !== tip || written.count !== count) return undefined
    if (version >= count) return null
    if (b.bytesRead !== line.length || crc32(line) !== table.readUInt32LE(TABLE_START + 8 + 8 * version)) return undefined
    const record = JSON.parse(line.toString('utf8')) as VersionRecord
    return record.version === version ? record : undefined
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

/** Records for consecutive commits of a chain, oldest first, numbered from `start`. */
export async function versionRecords(
  artifact: string,
  start: number,
  chain: ReadonlyArray<{ oid: string; commit: CommitData }>,
): Promise<VersionRecord[]> {
  return recordsOf(artifact, start, chain.map(({ oid, commit }) => chainCommit(oid, commit)))
}

/** What the index reads of one commit of a chain: from the object in-process, or from `git log`. */
interface ChainCommit {
  oid: string
  tree: string
  parents: string[]
  /** Committer time, seconds since the epoch. */
  time: number
  /** `Name <email>` of the author. */
  author: string
  message: string
}

function chainCommit(oid: string, commit: CommitData): ChainCommit {
  const { tree, parents, author, committer, message } = commit
  return { oid, tree, parents, time: committer.timestamp, author: `${author.name} <${author.email}>`, message }
}

/**
 * What the index reads of a commit object: read in place for the commits gmr and git
 * write (tree, parents, author, committer, then any other headers), and by decodeCommit,
 * which names any damage, for anything else. Decoding every header of a few hundred
 * commits into objects cost as much as reading them.
 */
function chainCommitOf(oid: string, content: Buffer): ChainCommit {
  return readChainCommit(oid, content.toString('utf8')) ?? chainCommit(oid, decodeCommit(content))
}

function readChainCommit(oid: string, text: string): ChainCommit | null {
  if (!text.startsWith('tree ') || text.charCodeAt(45) !== NEWLINE) return null
  const tree = text.slice(5, 45)
  const parents: string[] = []
  let at = 46
  while (text.startsWith('parent ', at) && text.charCodeAt(at + 47) === NEWLINE) {
    parents.push(text.slice(at + 7, at + 47))
    at += 48
  }
  if (!isObjectId(tree) || !parents.every(isObjectId)) return null
  const author = identityAt(text, at, 'author ')
  const committer = author && identityAt(text, author.end + 1, 'committer ')
  if (!author || !committer) return null
  const split = text.indexOf('\n\n', committer.end)
  const headersEnd = split < 0 ? text.length : split
  // Other headers (gpgsig, encoding, mergetag): a word, a space and its value, or a continuation line.
  for (let line = committer.end + 1; line < headersEnd; ) {
    const end = text.indexOf('\n', line)
    const next = end < 0 || end > headersEnd ? headersEnd : end
    if (text.charCodeAt(line) !== SPACE) {
      const space = text.indexOf(' ', line)
      if (space <= line || space >= next || CORE_HEADERS.has(text.slice(line, space))) return null
    }
    line = next + 1
  }
  return { oid, tree, parents, time: committer.time, author: author.person, message: split < 0 ? '' : text.slice(split + 2) }
}

const NEWLINE = 10
const SPACE = 32
const CORE_HEADERS = new Set(['tree', 'parent', 'author', 'committer'])

/** The line `<field>Name <email> 1700000000 +0100` at `at` as `Name <email>` and its time; null where decodeCommit might read it otherwise. */
function identityAt(text: string, at: number, field: string): { person: string; time: number; end: number } | null {
  const end = text.indexOf('\n', at)
  if (!text.startsWith(field, at) || end < 0) return null
  const open = text.indexOf('<', at)
  const close = text.indexOf('>', at)
  if (open < 0 || close < open || close > end || text.lastIndexOf('<', close) !== open) return null
  const when = /^ (\d+) [+-]\d{4}$/.exec(text.slice(close + 1, end))
  if (when === null) return null
  const nameEnd = open > at + field.length && text.charCodeAt(open - 1) === SPACE ? open - 1 : open
  return { person: `${text.slice(at + field.length, nameEnd)} <${text.slice(open + 1, close)}>`, time: Number(when[1]), end }
}

/**
 * Records for consecutive commits of a chain, oldest first, numbered from `start`;
 * `read` holds any already made (by the streaming git walk), numbered later here.
 * gmr's own message bodies are read with the plain-YAML reader; the YAML library loads
 * only for a body that reader is not sure of, because loading it costs more than the
 * whole of `gmr resolve`.
 */
async function recordsOf(
  artifact: string,
  start: number,
  chain: readonly ChainCommit[],
  read: ReadonlyArray<VersionRecord | undefined> = [],
): Promise<VersionRecord[]> {
  let readFully: ((text: string) => VersionMessageReading) | undefined
  const records: VersionRecord[] = new Array(chain.length)
  for (let i = 0; i < chain.length; i++) {
    let record = read[i] ?? recordOf(artifact, chain[i]!, readPlainly)
    if (record === undefined) {
      readFully ??= await loadVersionMessageReader()
      record = recordOf(artifact, chain[i]!, readFully)!
    }
    record.version = start + i
    records[i] = record
  }
  return records
}

/** gmr's own bodies with the reader of exactly their shape, others with the plain-YAML reader; undefined when neither is sure. */
function readPlainly(message: string): VersionMessageReading | undefined {
  return readVersionMessageWith(message, readBodyPlainly)
}

function readBodyPlainly(body: string): unknown {
  return parseVersionMessageBody(body) ?? parsePlainYaml(body)
}

/** The record of one commit, numbered later; undefined when `read` is not sure of its message. */
function recordOf(artifact: string, commit: ChainCommit, read: (message: string) => VersionMessageReading | undefined): VersionRecord | undefined {
  const reading = read(commit.message)
  if (reading === undefined) return undefined
  const { message: parsed, said } = reading
  const problem = versionShapeProblem(artifact, commit.parents.length, said)
  return {
    version: 0,
    commit: commit.oid,
    tree: commit.tree,
    time: commit.time,
    author: commit.author,
    messageVersion: parsed.version ?? null,
    ...(problem !== null && { problem }),
    ...(parsed.description !== undefined && { description: parsed.description }),
    metadata: parsed.metadata ?? {},
    source: parsed.source ?? null,
  }
}

/**
 * Commits walked in-process before handing the rest of a chain to the git binary:
 * starting git costs about as much as reading a few hundred commits here, so short
 * chains (a check over a hundred artifacts) never spawn and long ones spawn once.
 */
const IN_PROCESS_WALK = 256

async function walkNewVersions(repo: GitDir, artifact: string, tip: string, known: VersionRecord[], started?: StartedWalk): Promise<VersionRecord[]> {
  const knownTip = known.length > 0 ? known[known.length - 1]!.commit : null
  const early = repo.binary && knownTip === null ? await started : null
  if (repo.binary && early?.gitdir === repo.gitdir && early.tip === tip && early.stopAt === null) {
    // git has walked the whole chain since start-up: no commit is read in-process first.
    const walked = (await walkWithGit(repo, repo.binary, artifact, tip, null, early)) ?? (await walkChain(repo, tip, null, Infinity))
    return recordsOf(artifact, 0, walked.commits.reverse(), walked.read?.reverse())
  }
  let walk = await walkChain(repo, tip, knownTip, repo.binary ? IN_PROCESS_WALK : Infinity)
  if (walk.next !== undefined) {
    const rest =
      (repo.binary && (await walkWithGit(repo, repo.binary, artifact, walk.next, knownTip))) || (await walkChain(repo, walk.next, knownTip, Infinity))
    const read = rest.read ? new Array<VersionRecord | undefined>(walk.commits.length).concat(rest.read) : undefined
    walk = { commits: walk.commits.concat(rest.commits), reachedKnown: rest.reachedKnown, ...(read && { read }) }
  }
  const base = walk.reachedKnown ? known : []
  return base.concat(await recordsOf(artifact, base.length, walk.commits.reverse(), walk.read?.reverse()))
}

/** The first-parent chain from `tip` down to (not including) `stopAt`, or to the root; newest first. */
interface ChainWalk {
  commits: ChainCommit[]
  /** The records of those commits made while walking (numbered later), where they were. */
  read?: Array<VersionRecord | undefined>
  /** Whether the walk met `stopAt` (else it went to the root: history was rewritten). */
  reachedKnown: boolean
  /** Where a walk cut short by its limit stopped: the next commit to read. */
  next?: string
}

async function walkChain(repo: GitDir, tip: string, stopAt: string | null, limit: number): Promise<ChainWalk> {
  const commits: ChainCommit[] = []
  const cache = {}
  let oid: string | undefined = tip
  while (oid !== undefined) {
    if (oid === stopAt) return { commits, reachedKnown: true }
    if (commits.length >= limit) return { commits, reachedKnown: false, next: oid }
    const object = await readObject(repo, oid, { cache })
    if (object.type !== 'commit') {
      throw new CorruptObjectError(`${oid} on the artifact branch is a ${object.type}, not a commit`, { oid })
    }
    const commit = chainCommitOf(oid, object.content)
    commits.push(commit)
    oid = commit.parents[0]
  }
  return { commits, reachedKnown: false }
}

/**
 * The same walk done by git, in one `git log --first-parent` stream that carries exactly
 * the fields a record needs and each message verbatim (`%B`): each commit is read, and
 * its record made, while git is still writing the next ones. Null when git cannot
 * answer or says anything this reader is not sure of (a commit declaring another
 * encoding, a field that is not what it should be); the caller then walks in-process,
 * which also names any damage precisely.
 */
async function walkWithGit(
  repo: GitDir,
  binary: GitBinary,
  artifact: string,
  tip: string,
  stopAt: string | null,
  started = startChainLog(repo.gitdir, binary, tip, stopAt),
): Promise<ChainWalk | null> {
  const log = new LogReader((commit) => recordOf(artifact, commit, readPlainly))
  const ran = await started.output.read((chunk) => log.push(chunk))
  if (!ran) return stopAt === null ? null : walkWithGit(repo, binary, artifact, tip, null)
  const walked = log.end()
  if (walked === null) return null
  const { commits, read } = walked
  if (stopAt === null) return { commits, read, reachedKnown: false }
  const oldest = commits[commits.length - 1]
  // Not on top of stopAt (history was rewritten): the exclusion stopped at a shared ancestor; take the whole chain.
  if ((oldest ? oldest.parents[0] : tip) !== stopAt) return walkWithGit(repo, binary, artifact, tip, null)
  return { commits, read, reachedKnown: true }
}

/**
 * `git log -z` in LOG_FORMAT as it arrives, newest first: each piece is decoded up to its
 * last NUL (never inside a character) and read field by field with indexOf; each
 * complete commit is checked and handed to `onCommit` at once.
 */
class LogReader {
  private readonly commits: ChainCommit[] = []
  private readonly read: Array<VersionRecord | undefined> = []
  /** The fields of the commit being read: LOG_FIELDS of them, `taken` so far. */
  private readonly fields: string[] = new Array<string>(LOG_FIELDS).fill('')
  private taken = 0
  private rest: Buffer | null = null
  private failed = false

  constructor(private readonly onCommit: (commit: ChainCommit) => VersionRecord | undefined) {}

  push(chunk: Buffer): void {
    if (this.failed) return
    const data = this.rest === null ? chunk : Buffer.concat([this.rest, chunk])
    const last = data.lastIndexOf(0)
    this.rest = last + 1 < data.length ? data.subarray(last + 1) : null
    if (last < 0) return
    const text = data.toString('utf8', 0, last + 1)
    for (let at = 0; at < text.length; ) {
      const end = text.indexOf('\0', at)
      this.fields[this.taken++] = text.slice(at, end)
      at = end + 1
      if (this.taken === LOG_FIELDS) {
        this.taken = 0
        if (!this.tryTake()) {
          this.failed = true
          return
        }
      }
    }
  }

  /** The commits and their records; null when anything was not as this reader expects. */
  end(): { commits: ChainCommit[]; read: Array<VersionRecord | undefined> } | null {
    if (this.failed || this.rest !== null || this.taken > 0) return null
    return { commits: this.commits, read: this.read }
  }

  /** Called from git's stdout events, where a throw would end the process: anything unexpected makes the walk fall back. */
  private tryTake(): boolean {
    try {
      return this.take()
    } catch {
      return false
    }
  }

  private take(): boolean {
    const [oid, parentList, tree, author, time, encoding, message] = this.fields as [string, string, string, string, string, string, string]
    // -z ends a record with NUL, and the next begins after it: ids lead every record. Each
    // commit's id is the first parent of the one before, already checked, but for the tip's.
    const newer = this.commits[this.commits.length - 1]
    if (newer === undefined ? !isObjectId(oid) : newer.parents[0] !== oid) return false
    if (!isObjectId(tree) || !/^[0-9]+$/.test(time)) return false
    if (encoding !== '' && !/^utf-?8$/i.test(encoding)) return false
    const parents = parentList === '' ? [] : parentList.split(' ')
    if (!parents.every(isObjectId)) return false
    const commit = { oid, tree, parents, time: Number(time), author, message }
    this.commits.push(commit)
    this.read.push(this.onCommit(commit))
    return true
  }
}

/** The index as written: its header, bytes and records; null when it is missing, of another format, or not what was written. */
async function readIndex(repo: GitDir, name: string): Promise<{ header: IndexHeader; data: Buffer; versions: VersionRecord[] } | null> {
  const data = await repo.fs.read(indexPath(repo.gitdir, name))
  if (data === null) return null
  const headerEnd = data.indexOf(10) + 1
  const header = headerEnd === 0 ? null : parseHeader(data.toString('utf8', 0, headerEnd - 1))
  if (header === null || crc32(data.subarray(headerEnd)) !== header.crc32) return null
  const versions = parseRecords(data.toString('utf8', headerEnd))
  if (versions?.length !== header.count || (header.count > 0 && versions[header.count - 1]!.commit !== header.tip)) return null
  return { header, data, versions }
}

/** Every record line in one JSON.parse (twice as fast as one per line for 10,000 versions); null for lines that are not records. */
function parseRecords(body: string): VersionRecord[] | null {
  if (body === '') return []
  if (!body.endsWith('\n')) return null
  try {
    // A JSON line holds no raw newline: each one ends a record.
    const records: unknown = JSON.parse(`[${body.slice(0, -1).replaceAll('\n', ',')}]`)
    return Array.isArray(records) && records.every(isRecordShaped) ? (records as VersionRecord[]) : null
  } catch {
    return null
  }
}

function isRecordShaped(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as VersionRecord).commit === 'string'
}

function parseHeader(text: string): IndexHeader | null {
  try {
    const header = JSON.parse(text) as IndexHeader
    return header.format === FORMAT && typeof header.tip === 'string' && Number.isSafeInteger(header.count) && Number.isSafeInteger(header.crc32)
      ? header
      : null
  } catch {
    return null
  }
}

/**
 * One JSON line per record, each exactly `JSON.stringify(record)`. Stringified in one
 * call and cut where the array separates its elements: ten thousand calls cost three
 * times as much, and appending their lines one by one makes a chain of pieces that the
 * garbage collector copies until it is flattened. Where every record starts with its
 * `version` (as recordOf makes them) and `},{"version":` occurs only between records,
 * the cut is one replaceAll; otherwise (metadata holding a list of such objects) a scan
 * finds the separators.
 */
function recordLines(versions: readonly VersionRecord[]): string {
  if (versions.length === 0) return ''
  const array = JSON.stringify(versions)
  if (versions.every(startsWithVersion) && occurrences(array, BETWEEN_RECORDS) === versions.length - 1) {
    // Each record's own `{"version":` is there once, after the one before it: no other occurrence can be a separator.
    return `${array.slice(1, -1).replaceAll(BETWEEN_RECORDS, '}\n{"version":')}\n`
  }
  return scannedLines(array)
}

const BETWEEN_RECORDS = '},{"version":'

/** Whether JSON.stringify writes the record's `version` first. */
function startsWithVersion(record: VersionRecord): boolean {
  for (const key in record) return key === 'version'
  return false
}

/** How many times `part` occurs in `text`, none of them overlapping (a string that cannot overlap itself). */
function occurrences(text: string, part: string): number {
  let count = 0
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length)) count++
  return count
}

/** `recordLines` by scanning the whole array for the commas at its top level. */
function scannedLines(array: string): string {
  const lines: string[] = []
  let depth = 0
  let start = 1
  for (let i = 1; i < array.length - 1; i++) {
    const c = array.charCodeAt(i)
    if (c === QUOTE) i = closingQuote(array, i)
    else if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) depth--
    else if (c === 0x2c && depth === 0) {
      lines.push(array.slice(start, i))
      start = i + 1
    }
  }
  lines.push(array.slice(start, -1))
  return `${lines.join('\n')}\n`
}

const QUOTE = 0x22

/** Where the JSON string opened at `open` closes: the next quote not escaped (preceded by an even run of backslashes). */
function closingQuote(text: string, open: number): number {
  for (let at = text.indexOf('"', open + 1); at >= 0; at = text.indexOf('"', at + 1)) {
    let slashes = 0
    while (text.charCodeAt(at - 1 - slashes) === 0x5c) slashes++
    if (slashes % 2 === 0) return at
  }
  // Never for JSON.stringify's output; the scan then ends rather than starting over.
  return text.length
}

/** The index in one write, then its line table (a crash in between leaves a table that the index's header refutes). */
async function writeIndex(repo: GitDir, name: string, tip: string, versions: readonly VersionRecord[]): Promise<void> {
  const records = Buffer.from(recordLines(versions), 'utf8')
  const header: IndexHeader = { format: FORMAT, tip, count: versions.length, crc32: crc32(records) }
  const data = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), records])
  try {
    await repo.fs.writeAtomic(indexPath(repo.gitdir, name), data)
  } catch (err) {
    // The index is only a cache; a read-only .git still answers, just more slowly.
    if (cannotWrite(err)) return
    throw err
  }
  crashPoint('version-index:written')
  await writeLineTable(repo, name, tip, data)
}
