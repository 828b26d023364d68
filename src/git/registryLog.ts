import { manifestDir } from '../domain/layout.js'
import { decodeCommit, type CommitData } from './commit.js'
import { readObject } from './objects.js'
import { readRef } from './refs.js'
import type { GitDir } from './repo.js'
import { entryAt, readTreeEntries } from './treePath.js'

/** Who made a change and when (seconds since the epoch). */
export interface Signature {
  name: string
  email: string
  time: number
}

/** One commit on the registry branch's first-parent line that changed manifests. */
export interface RegistryLogEntry {
  commit: string
  author: Signature
  /** When the change reached the branch (committer time). */
  time: number
  subject: string
  /** Manifest path → blob id after this commit, or null when the file was removed. */
  changes: Record<string, string | null>
  /**
   * For a merge: the commit on the merged branch that made each change, when the
   * change came from there unchanged (the author of a pull request, not its merger).
   */
  origins?: Record<string, { commit: string; author: Signature }>
}

interface LogHeader {
  format: 1
  tip: string
  count: number
}

const FORMAT = 1
const ORIGIN_SEARCH_LIMIT = 1000

/**
 * The manifest changes on a branch, oldest first, walking only first parents (the
 * commits that landed on the branch, merges included). Cached in
 * `.git/gmr/registry-log/<branch>.ndjson` like the version index: trusted while its tip
 * is the branch tip, extended by walking only new commits, rebuilt otherwise.
 */
export async function loadRegistryLog(repo: GitDir, branchRef: string): Promise<RegistryLogEntry[]> {
  const tip = await readRef(repo, branchRef)
  if (tip === null) return []
  const path = `${repo.gitdir}/gmr/registry-log/${branchRef.replace(/^refs\/heads\//, '')}.ndjson`
  const cached = await readLog(repo, path)
  if (cached?.header.tip === tip) return cached.entries
  const reader = new ManifestTreeReader(repo)
  const fresh: RegistryLogEntry[] = []
  let oid: string | undefined = tip
  let reachedKnown = false
  while (oid !== undefined) {
    if (cached && oid === cached.header.tip) {
      reachedKnown = true
      break
    }
    const commit = await reader.commit(oid)
    const parent = commit.parents[0]
    const changes = diffManifests(await reader.manifests(oid), parent ? await reader.manifests(parent) : new Map())
    if (Object.keys(changes).length > 0) {
      const entry: RegistryLogEntry = {
        commit: oid,
        author: signature(commit.author),
        time: commit.committer.timestamp,
        subject: commit.message.split('\n')[0] ?? '',
        changes,
      }
      if (commit.parents.length > 1) {
        const origins = await findOrigins(reader, commit.parents[1]!, changes)
        if (Object.keys(origins).length > 0) entry.origins = origins
      }
      fresh.push(entry)
    }
    oid = parent
  }
  fresh.reverse()
  const entries = [...(reachedKnown ? cached!.entries : []), ...fresh]
  await writeLog(repo, path, tip, entries)
  return entries
}

function signature(identity: CommitData['author']): Signature {
  return { name: identity.name, email: identity.email, time: identity.timestamp }
}

function diffManifests(after: Map<string, string>, before: Map<string, string>): Record<string, string | null> {
  const changes: Record<string, string | null> = {}
  for (const [path, oid] of after) if (before.get(path) !== oid) changes[path] = oid
  for (const path of before.keys()) if (!after.has(path)) changes[path] = null
  return changes
}

/** For each change a merge brought, the commit on the merged side that made it. */
async function findOrigins(
  reader: ManifestTreeReader,
  mergedTip: string,
  changes: Record<string, string | null>,
): Promise<Record<string, { commit: string; author: Signature }>> {
  const origins: Record<string, { commit: string; author: Signature }> = {}
  const wanted = new Map(Object.entries(changes))
  const merged = await reader.manifests(mergedTip)
  for (const [path, oid] of [...wanted]) if ((merged.get(path) ?? null) !== oid) wanted.delete(path)
  let oid: string | undefined = mergedTip
  for (let steps = 0; oid !== undefined && wanted.size > 0 && steps < ORIGIN_SEARCH_LIMIT; steps++) {
    const commit = await reader.commit(oid)
    const parent = commit.parents[0]
    const [here, before] = [await reader.manifests(oid), parent ? await reader.manifests(parent) : new Map()]
    for (const path of [...wanted.keys()]) {
      if ((here.get(path) ?? null) !== (before.get(path) ?? null)) {
        origins[path] = { commit: oid, author: signature(commit.author) }
        wanted.delete(path)
      }
    }
    oid = parent
  }
  return origins
}

/** Reads commits and the manifest listing of their trees, sharing subtrees between commits. */
class ManifestTreeReader {
  private readonly cache = {}
  private readonly commits = new Map<string, CommitData>()
  private readonly registryTrees = new Map<string, Map<string, string>>()

  constructor(private readonly repo: GitDir) {}

  async commit(oid: string): Promise<CommitData> {
    let commit = this.commits.get(oid)
    if (!commit) {
      commit = decodeCommit((await readObject(this.repo, oid, { cache: this.cache })).content)
      this.commits.set(oid, commit)
    }
    return commit
  }

  /** Manifest path → blob id for every registry/{artifacts,models}/*.yaml in a commit. */
  async manifests(oid: string): Promise<Map<string, string>> {
    const commit = await this.commit(oid)
    const registry = await entryAt(this.repo, commit.tree, 'registry', this.cache)
    if (!registry || registry.mode !== '40000') return new Map()
    const known = this.registryTrees.get(registry.oid)
    if (known) return known
    const out = new Map<string, string>()
    for (const kind of ['artifact', 'model'] as const) {
      const dir = manifestDir(kind)
      const sub = await entryAt(this.repo, registry.oid, dir.slice('registry/'.length), this.cache)
      if (!sub || sub.mode !== '40000') continue
      for (const entry of await readTreeEntries(this.repo, sub.oid, this.cache)) {
        if (entry.mode !== '40000' && entry.name.endsWith('.yaml')) out.set(`${dir}/${entry.name}`, entry.oid)
      }
    }
    this.registryTrees.set(registry.oid, out)
    return out
  }
}

async function readLog(repo: GitDir, path: string): Promise<{ header: LogHeader; entries: RegistryLogEntry[] } | null> {
  const text = await repo.fs.readText(path)
  if (text === null) return null
  try {
    const lines = text.split('\n').filter(Boolean)
    const header = JSON.parse(lines[0] ?? '') as LogHeader
    if (header.format !== FORMAT || lines.length - 1 !== header.count) return null
    return { header, entries: lines.slice(1).map((line) => JSON.parse(line) as RegistryLogEntry) }
  } catch {
    return null
  }
}

async function writeLog(repo: GitDir, path: string, tip: string, entries: RegistryLogEntry[]): Promise<void> {
  const header: LogHeader = { format: FORMAT, tip, count: entries.length }
  const text = [header, ...entries].map((line) => JSON.stringify(line)).join('\n') + '\n'
  try {
    await repo.fs.writeAtomic(path, text)
  } catch {
    // Only a cache.
  }
}
