import { InvalidInputError } from '../domain/errors.js'
import { configValue } from '../domain/gitConfig.js'
import { parseDuration, parseSize } from '../domain/retention.js'
import { readGitConfig, type Env } from '../git/config.js'
import { toFileSystem } from '../git/repo.js'
import { listCache } from './listCache.js'
import { removeEntry, sweepLeftovers, type CacheEntry, type CacheListResult, type CacheOptions } from './support/cacheEntries.js'
import { downloadCacheEntry, type DownloadCache } from './support/downloadCache.js'

export interface CachePruneOptions extends CacheOptions {
  /** Remove least recently used entries until the cache is at most this size (`10G`, or bytes). */
  maxSize?: string | number
  /** Remove entries not used for this long (`30d`). */
  olderThan?: string
  /** Remove every entry. */
  all?: boolean
  /** Never remove this entry (the one a download just used). */
  keep?: string
  /** Only say what would go: nothing is removed, not even a killed run's leftovers. */
  dryRun?: boolean
}

export interface CachePruneResult extends CacheListResult {
  /** Entries removed. */
  removed: CacheEntry[]
  /** Their size in bytes. */
  freedSize: number
  /** Entries that were to go but a download is using: left, one line each. */
  notes: string[]
  /** True when nothing was removed: `removed`, `freedSize` and `entries` say what a prune would do. */
  dryRun: boolean
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
  if (!options.dryRun) await sweepLeftovers(fs, `${listed.root}/repos`)
  // A dry run asks whether a download holds the entry; a prune takes its lock to remove it.
  const remove = options.dryRun ? async (entry: CacheEntry) => !entry.inUse : (entry: CacheEntry) => removeEntry(downloadCacheEntry(fs, listed.root, entry.key))
  const removed: CacheEntry[] = []
  const notes: string[] = []
  let size = listed.size
  // Oldest use first, so a size bound removes the least recently used.
  for (const entry of [...listed.entries].reverse()) {
    if (entry.key === options.keep) continue
    const old = cutoff !== null && Date.parse(entry.usedAt) < cutoff
    const over = maxSize !== undefined && size > maxSize
    if (!options.all && !old && !over) continue
    if (await remove(entry)) {
      removed.push(entry)
      size -= entry.size
    } else notes.push(`${entry.url ?? entry.path} is in use by a download; ${options.dryRun ? 'a prune would leave it' : 'left it'}`)
  }
  const entries = listed.entries.filter((e) => !removed.includes(e))
  const freedSize = removed.reduce((n, e) => n + e.size, 0)
  return { root: listed.root, entryCount: entries.length, size, entries, removed, freedSize, notes, dryRun: options.dryRun ?? false }
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
