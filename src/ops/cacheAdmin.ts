import { configValue } from '../domain/gitConfig.js'
import { redactUrl } from '../domain/remoteUrl.js'
import { parseDuration, parseSize } from '../domain/retention.js'
import { readGitConfig, type Env } from '../git/config.js'
import { tempPathFor, type FileSystem, type FsClient } from '../git/fs.js'
import { crashPoint } from '../git/crashPoint.js'
import { toFileSystem } from '../git/repo.js'
import { sweepTempFiles } from '../git/tempFiles.js'
import { InvalidInputError } from '../domain/errors.js'
import { downloadCacheEntry, downloadCacheRoot, holderIsGone, tryCacheLock, type DownloadCache } from './downloadCache.js'

/**
 * Looking after the deployment cache (`$XDG_CACHE_HOME/gmr/repos/<key>.git`, see
 * downloadCache.ts): list its entries with their sizes, remove old or least recently
 * used ones, or all. An entry is removed only under its own lock, by renaming it away
 * first, so a download never sees half an entry; one in use is skipped with a note.
 */
export interface CacheOptions {
  fs: FsClient | FileSystem
  env?: Env
  cwd: string
  /** The cache folder (default `$XDG_CACHE_HOME/gmr`, else `~/.cache/gmr`). */
  cacheDir?: string
  now?: () => Date
}

export interface CacheEntry {
  /** The hash of the remote URL the entry's name is. */
  key: string
  /** The remote, without credentials; null for an entry written before gmr recorded it. */
  url: string | null
  path: string
  /** Bytes on disk (sum of file sizes). */
  size: number
  /** The last download that used it, ISO 8601 UTC. */
  usedAt: string
  /** A download holds its lock right now. */
  inUse: boolean
}

export interface CacheListResult {
  root: string
  entryCount: number
  size: number
  entries: CacheEntry[]
}

export interface CachePruneOptions extends CacheOptions {
  /** Remove least recently used entries until the cache is at most this size (`10G`, or bytes). */
  maxSize?: string | number
  /** Remove entries not used for this long (`30d`). */
  olderThan?: string
  /** Remove every entry. */
  all?: boolean
  /** Never remove this entry (the one a download just used). */
  keep?: string
}

export interface CachePruneResult extends CacheListResult {
  /** Entries removed. */
  removed: CacheEntry[]
  /** Their size in bytes. */
  freedSize: number
  /** Entries that were to go but a download is using: left, one line each. */
  notes: string[]
}

const USED_FILE = 'gmr/used.json'

export async function listCache(options: CacheOptions): Promise<CacheListResult> {
  const fs = toFileSystem(options.fs)
  const root = downloadCacheRoot(options.env ?? {}, options.cwd, options.cacheDir)
  const described: Array<{ entry: CacheEntry; usedMs: number }> = []
  const names = ((await fs.readdir(`${root}/repos`)) ?? []).filter((name) => /^[0-9a-f]{16}\.git$/.test(name)).sort()
  for (const name of names) described.push(await describeEntry(fs, root, name.slice(0, -'.git'.length)))
  const entries = described.sort((a, b) => b.usedMs - a.usedMs).map((d) => d.entry)
  return { root, entryCount: entries.length, size: entries.reduce((n, e) => n + e.size, 0), entries }
}

/** Remove entries by age, then by least recent use until under a size, or all; skipping those in use. */
export async function pruneCache(options: CachePruneOptions): Promise<CachePruneResult> {
  if (options.maxSize === undefined && options.olderThan === undefined && !options.all) {
    throw new InvalidInputError('say what to remove: --max-size SIZE (e.g. 10G), --older-than DURATION (e.g. 30d), or both; "gmr cache clear" removes everything', {})
  }
  const maxSize = typeof options.maxSize === 'string' ? parseSize(options.maxSize, '--max-size') : options.maxSize
  const cutoff = options.olderThan === undefined ? null : (options.now?.() ?? new Date()).getTime() - parseDuration(options.olderThan, '--older-than')
  const fs = toFileSystem(options.fs)
  const listed = await listCache(options)
  await sweepLeftovers(fs, `${listed.root}/repos`)
  const removed: CacheEntry[] = []
  const notes: string[] = []
  let size = listed.size
  // Oldest use first, so a size bound removes the least recently used.
  for (const entry of [...listed.entries].reverse()) {
    if (entry.key === options.keep) continue
    const old = cutoff !== null && Date.parse(entry.usedAt) < cutoff
    const over = maxSize !== undefined && size > maxSize
    if (!options.all && !old && !over) continue
    if (await removeEntry(downloadCacheEntry(fs, listed.root, entry.key))) {
      removed.push(entry)
      size -= entry.size
    } else notes.push(`${entry.url ?? entry.path} is in use by a download; left it`)
  }
  const entries = listed.entries.filter((e) => !removed.includes(e))
  return { root: listed.root, entryCount: entries.length, size, entries, removed, freedSize: removed.reduce((n, e) => n + e.size, 0), notes }
}

/**
 * Record that a download used `cache` now, and for which remote: the order `--max-size`
 * and `GMR_CACHE_MAX` remove entries in, and the URL `gmr cache ls` shows.
 */
export async function touchCacheEntry(cache: DownloadCache, url: string, now = new Date()): Promise<void> {
  await cache.fs.mkdirp(`${cache.gitdir}/gmr`)
  // Milliseconds: two downloads in one second are still ordered.
  await cache.fs.writeAtomic(`${cache.gitdir}/${USED_FILE}`, JSON.stringify({ url: redactUrl(url), usedAt: now.toISOString() }))
}

/**
 * After a remote download: bound the cache to `GMR_CACHE_MAX`, else `git config
 * gmr.cacheMax`, removing least recently used entries but never `cache` itself.
 * Returns a note per entry removed or left in use; none when no bound is set.
 */
export async function boundDownloadCache(cache: DownloadCache, env: Env, cwd: string, cacheDir?: string): Promise<string[]> {
  const limit = env.GMR_CACHE_MAX || configValue(await readGitConfig(cache, env), 'gmr.cacheMax')
  if (!limit) return []
  const key = cache.gitdir.slice(cache.gitdir.lastIndexOf('/') + 1, -'.git'.length)
  const maxSize = parseSize(limit, env.GMR_CACHE_MAX ? 'GMR_CACHE_MAX' : 'gmr.cacheMax')
  const result = await pruneCache({ fs: cache.fs, env, cwd, ...(cacheDir !== undefined && { cacheDir }), maxSize, keep: key })
  return [...result.removed.map((e) => `removed ${e.url ?? e.key} from the download cache (least recently used; the cache is bounded to ${limit})`), ...result.notes]
}

async function describeEntry(fs: FileSystem, root: string, key: string): Promise<{ entry: CacheEntry; usedMs: number }> {
  const entry = downloadCacheEntry(fs, root, key)
  let used: { url?: string; usedAt?: string } = {}
  try {
    used = JSON.parse((await fs.readText(`${entry.gitdir}/${USED_FILE}`)) ?? '{}') as typeof used
  } catch {
    // A damaged record: the entry is still listed, dated by its folder.
  }
  const st = await fs.stat(entry.gitdir)
  const lockHeld = (await fs.exists(entry.lock)) && !(await holderIsGone(fs, entry.lock))
  const recorded = used.usedAt === undefined ? NaN : Date.parse(used.usedAt)
  const usedMs = Number.isNaN(recorded) ? (st?.mtimeMs ?? 0) : recorded
  return {
    entry: { key, url: used.url ?? null, path: entry.gitdir, size: await treeSize(fs, entry.gitdir), usedAt: isoSeconds(new Date(usedMs)), inUse: lockHeld },
    usedMs,
  }
}

/**
 * Take the entry's lock without waiting (a stale one is taken over), rename the entry to
 * a temporary name, release the lock, then delete: a kill leaves either the whole entry
 * or a temporary folder the next cache command sweeps. False when a download holds it.
 */
async function removeEntry(cache: DownloadCache): Promise<boolean> {
  const { fs } = cache
  if (!(await tryCacheLock(cache))) return false
  const doomed = tempPathFor(cache.gitdir)
  try {
    await fs.rename(cache.gitdir, doomed)
    crashPoint('cache-entry-renamed')
  } finally {
    await fs.remove(cache.lock)
  }
  await fs.removeTree(doomed)
  return true
}

/** What killed removals left: entries renamed away but not deleted, and locks of entries gone whose holder is gone too. */
async function sweepLeftovers(fs: FileSystem, dir: string): Promise<void> {
  await sweepTempFiles(fs, dir)
  for (const name of (await fs.readdir(dir)) ?? []) {
    if (!name.endsWith('.lock')) continue
    const lock = `${dir}/${name}`
    if (!(await fs.exists(`${dir}/${name.slice(0, -'.lock'.length)}.git`)) && (await holderIsGone(fs, lock))) await fs.remove(lock)
  }
}

async function treeSize(fs: FileSystem, path: string): Promise<number> {
  const st = await fs.lstat(path)
  if (st === null) return 0
  if (!st.isDirectory()) return st.size
  let total = 0
  for (const name of (await fs.readdir(path)) ?? []) total += await treeSize(fs, `${path}/${name}`)
  return total
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
