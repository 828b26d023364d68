import { CorruptObjectError } from '../domain/errors.js'
import { artifactRef } from '../domain/layout.js'
import type { VersionSource } from '../domain/versionMessage.js'
import { decodeCommit, type CommitData } from './commit.js'
import { readObject } from './objects.js'
import { readRef } from './refs.js'
import type { GitDir } from './repo.js'

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
  const text = await repo.fs.readText(indexPath(repo, artifact))
  const header = text === null ? null : parseHeader(text)
  if (text !== null && header?.tip === tip) {
    if (version >= header.count) return null
    const line = nthLine(text, version + 1)
    return line === null ? null : (JSON.parse(line) as VersionRecord)
  }
  return (await loadVersions(repo, artifact)).versions[version] ?? null
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

/**
 * Build a record from a commit, numbered by its depth. The message parser (and the
 * YAML library under it) loads only here, off the path of a cached lookup, because
 * loading it costs more than the whole of `gmr resolve` otherwise.
 */
export async function versionRecord(artifact: string, version: number, oid: string, commit: CommitData): Promise<VersionRecord> {
  const [{ readVersionMessage }, { versionShapeProblem }] = await Promise.all([
    import('../domain/versionMessage.js'),
    import('../domain/versionChain.js'),
  ])
  const { message: parsed, said } = readVersionMessage(commit.message)
  const problem = versionShapeProblem(artifact, commit.parents.length, said)
  return {
    version,
    commit: oid,
    tree: commit.tree,
    time: commit.committer.timestamp,
    author: `${commit.author.name} <${commit.author.email}>`,
    messageVersion: parsed.version ?? null,
    ...(problem !== null && { problem }),
    ...(parsed.description !== undefined && { description: parsed.description }),
    metadata: parsed.metadata ?? {},
    source: parsed.source ?? null,
  }
}

async function walkNewVersions(repo: GitDir, artifact: string, tip: string, known: VersionRecord[]): Promise<VersionRecord[]> {
  const knownTip = known.length > 0 ? known[known.length - 1]!.commit : null
  const fresh: Array<{ oid: string; commit: CommitData }> = []
  const cache = {}
  let oid: string | undefined = tip
  let reachedKnown = false
  while (oid !== undefined) {
    if (oid === knownTip) {
      reachedKnown = true
      break
    }
    const object = await readObject(repo, oid, { cache })
    if (object.type !== 'commit') {
      throw new CorruptObjectError(`${oid} on the artifact branch is a ${object.type}, not a commit`, { oid })
    }
    const commit = decodeCommit(object.content)
    fresh.push({ oid, commit })
    oid = commit.parents[0]
  }
  const base = reachedKnown ? known : []
  fresh.reverse()
  const records = await Promise.all(fresh.map((entry, i) => versionRecord(artifact, base.length + i, entry.oid, entry.commit)))
  return [...base, ...records]
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

function nthLine(text: string, n: number): string | null {
  let start = 0
  for (let i = 0; i < n; i++) {
    const next = text.indexOf('\n', start)
    if (next < 0) return null
    start = next + 1
  }
  const end = text.indexOf('\n', start)
  const line = end < 0 ? text.slice(start) : text.slice(start, end)
  return line === '' ? null : line
}

async function writeIndex(repo: GitDir, artifact: string, tip: string, versions: VersionRecord[]): Promise<void> {
  const header: IndexHeader = { format: FORMAT, tip, count: versions.length }
  const body = [JSON.stringify(header), ...versions.map((v) => JSON.stringify(v))].join('\n') + '\n'
  try {
    await repo.fs.writeAtomic(indexPath(repo, artifact), body)
  } catch {
    // The index is only a cache; a read-only .git still answers, just more slowly.
  }
}
