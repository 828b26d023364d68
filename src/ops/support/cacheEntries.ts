import { redactUrl } from '../../domain/remoteUrl.js'
import type { Env } from '../../git/config.js'
import { tempPathFor, type FileSystem, type FsClient } from '../../git/fs.js'
import { crashPoint } from '../../git/crashPoint.js'
import { sweepTempFiles } from '../../git/tempFiles.js'
import { downloadCacheEntry, holderIsGone, tryCacheLock, type DownloadCache } from './downloadCache.js'

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

const USED_FILE = 'gmr/used.json'

/**
 * Record that a download used `cache` now, and for which remote: the order `--max-size`
 * and `GMR_CACHE_MAX` remove entries in, and the URL `gmr cache ls` shows.
 */
export async function touchCacheEntry(cache: DownloadCache, url: string, now = new Date()): Promise<void> {
  await cache.fs.mkdirp(`${cache.gitdir}/gmr`)
  // Milliseconds: two downloads in one second are still ordered.
  await cache.fs.writeAtomic(`${cache.gitdir}/${USED_FILE}`, JSON.stringify({ url: redactUrl(url), usedAt: now.toISOString() }))
}

export async function describeEntry(fs: FileSystem, root: string, key: string): Promise<{ entry: CacheEntry; usedMs: number }> {
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
export async function removeEntry(cache: DownloadCache): Promise<boolean> {
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
export async function sweepLeftovers(fs: FileSystem, dir: string): Promise<void> {
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
