import type { FsStat } from './fs.js'
import type { GitDir } from './repo.js'

/** What was known about one file the last time its bytes were hashed. */
interface Entry {
  size: number
  mtimeMs: number
  ctimeMs: number | null
  ino: string
  /** SHA-256 of the content, as in its LFS pointer. */
  oid: string
  /** When the hash began (ms since the epoch): the content is known as of this moment. */
  verifiedAt: number
}

interface CacheFile {
  format: 1
  files: Record<string, Entry>
}

const FORMAT = 1
const MAX_ENTRIES = 10_000
/**
 * A write in the same timestamp tick as the one recorded would leave size and mtime
 * unchanged (git's "racily clean" problem). Entries whose mtime lies within this margin
 * of the moment their hash began are never trusted; the next look-up hashes again and
 * records a later moment. 2 s covers the coarsest common timestamps.
 */
const RACY_MARGIN_MS = 2000

export function statCachePath(repo: GitDir): string {
  return `${repo.gitdir}/gmr/lfs-stat-cache.json`
}

/**
 * A cache of SHA-256 hashes of large files by absolute path, size, mtime, ctime and inode,
 * so that logging an unchanged 1 GiB file again (or downloading into a folder that already
 * holds it) does not read it. A file whose size, mtime, ctime or inode differ from the
 * record is hashed again. Kept at `.git/gmr/lfs-stat-cache.json`; deleting it is always safe.
 */
export class StatCache {
  private readonly repo: GitDir
  private files: Record<string, Entry>
  private readonly updates = new Map<string, Entry>()

  private constructor(repo: GitDir, files: Record<string, Entry>) {
    this.repo = repo
    this.files = files
  }

  static async open(repo: GitDir): Promise<StatCache> {
    return new StatCache(repo, await readEntries(repo))
  }

  /** The recorded oid of the file at `path`, when `st` shows it cannot have changed since. */
  lookup(path: string, st: FsStat): string | null {
    const entry = this.updates.get(path) ?? this.files[path]
    if (!entry || !sameFile(entry, st)) return null
    return entry.mtimeMs < entry.verifiedAt - RACY_MARGIN_MS ? entry.oid : null
  }

  /** Remember that the file at `path`, as `st` describes it, held content `oid` at `verifiedAt`. */
  record(path: string, st: FsStat, oid: string, verifiedAt: number): void {
    this.updates.set(path, {
      size: st.size,
      mtimeMs: st.mtimeMs,
      ctimeMs: st.ctimeMs ?? null,
      ino: String(st.ino),
      oid,
      verifiedAt,
    })
  }

  /**
   * Write the new records, merged into what is on disk now (another gmr process may have
   * saved in between). Best effort: a cache that cannot be written costs only a re-hash.
   */
  async save(): Promise<void> {
    if (this.updates.size === 0) return
    try {
      const files = { ...(await readEntries(this.repo)), ...Object.fromEntries(this.updates) }
      const paths = Object.keys(files)
      if (paths.length > MAX_ENTRIES) {
        paths.sort((a, b) => files[a]!.verifiedAt - files[b]!.verifiedAt)
        for (const path of paths.slice(0, paths.length - MAX_ENTRIES)) delete files[path]
      }
      const data: CacheFile = { format: FORMAT, files }
      await this.repo.fs.writeAtomic(statCachePath(this.repo), `${JSON.stringify(data)}\n`)
      this.files = files
      this.updates.clear()
    } catch {
      // Deliberately ignored: see above.
    }
  }
}

function sameFile(entry: Entry, st: FsStat): boolean {
  return (
    entry.size === st.size &&
    entry.mtimeMs === st.mtimeMs &&
    entry.ino === String(st.ino) &&
    entry.ctimeMs === (st.ctimeMs ?? null)
  )
}

async function readEntries(repo: GitDir): Promise<Record<string, Entry>> {
  const text = await repo.fs.readText(statCachePath(repo)).catch(() => null)
  if (text === null) return {}
  try {
    const data = JSON.parse(text) as Partial<CacheFile>
    return data.format === FORMAT && data.files && typeof data.files === 'object' ? data.files : {}
  } catch {
    // A damaged cache is an empty one.
    return {}
  }
}
