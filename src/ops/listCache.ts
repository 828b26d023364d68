import { toFileSystem } from '../git/repo.js'
import { downloadCacheRoot } from './support/downloadCache.js'
import { describeEntry, type CacheEntry, type CacheListResult, type CacheOptions } from './support/cacheEntries.js'

/** The deployment cache's entries, most recently used first, with their sizes. */
export async function listCache(options: CacheOptions): Promise<CacheListResult> {
  const fs = toFileSystem(options.fs)
  const root = downloadCacheRoot(options.env ?? {}, options.cwd, options.cacheDir)
  const described: Array<{ entry: CacheEntry; usedMs: number }> = []
  const names = ((await fs.readdir(`${root}/repos`)) ?? []).filter((name) => /^[0-9a-f]{16}\.git$/.test(name)).sort()
  for (const name of names) described.push(await describeEntry(fs, root, name.slice(0, -'.git'.length)))
  const entries = described.sort((a, b) => b.usedMs - a.usedMs).map((d) => d.entry)
  return { root, entryCount: entries.length, size: entries.reduce((n, e) => n + e.size, 0), entries }
}
