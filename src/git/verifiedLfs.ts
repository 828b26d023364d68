import type { FsStat } from './fs.js'
import type { GitDir } from './repo.js'
import { COARSE_TICK_MS } from './timestampTick.js'

/**
 * What an LFS object file was when its bytes were last known good; ctime changes on any
 * write and cannot be set back. Either `verifiedAt` (ms since the epoch), when a hash of
 * it began (records written before it was kept were only ever made when not racy), or
 * `written`: gmr renamed it into place itself, as LfsStore.commit describes.
 */
interface Stamp {
  size: number
  mtimeMs: number
  ctimeMs: number | null
  ino: string
  verifiedAt?: number
  written?: true
}

function stampOf(st: FsStat, known: { verifiedAt: number } | { written: true }): Stamp {
  return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs ?? null, ino: String(st.ino), ...known }
}

/**
 * The record of LFS objects of one git directory known good, `<gitdir>/gmr/verified-lfs.json`
 * (oid -> stamp): an object is trusted without re-reading it only while its file is
 * exactly as recorded (same size, mtime, ctime and inode), and the record was made when
 * no write could hide behind it: a hash that began more than COARSE_TICK_MS after the
 * file's last change, or gmr's own rename of an object it wrote (LfsStore.commit). Used
 * by the download cache and by downloads from a clone's own store. Derived: deleting it
 * costs only re-hashing.
 */
export class VerifiedLfsRecord {
  private readonly updates = new Map<string, Stamp | null>()

  private constructor(
    private readonly repo: GitDir,
    private stamps: Record<string, Stamp>,
  ) {}

  static path(repo: GitDir): string {
    return `${repo.gitdir}/gmr/verified-lfs.json`
  }

  static async open(repo: GitDir): Promise<VerifiedLfsRecord> {
    return new VerifiedLfsRecord(repo, await readStamps(repo))
  }

  /**
   * Whether the object file of `oid`, as `st` shows it now, holds the bytes last known to
   * be `oid`. A hash's record counts only when the file's ctime predates the hash by more
   * than COARSE_TICK_MS: a write in the same timestamp tick as the recorded stat would leave
   * size, mtime and ctime unchanged (git's "racily clean" problem), and 2 s covers the
   * coarsest common clocks. A racy record is not trusted: the object is hashed again and
   * recorded at a later moment.
   */
  trusted(oid: string, st: FsStat): boolean {
    const stamp = this.updates.has(oid) ? this.updates.get(oid) : this.stamps[oid]
    if (!stamp || stamp.ctimeMs === null || st.ctimeMs === undefined) return false
    const now = stampOf(st, { verifiedAt: 0 })
    const same = stamp.size === now.size && stamp.mtimeMs === now.mtimeMs && stamp.ctimeMs === now.ctimeMs && stamp.ino === now.ino
    return same && (stamp.written === true || stamp.ctimeMs < (stamp.verifiedAt ?? Infinity) - COARSE_TICK_MS)
  }

  /** The object file of `oid`, as `st` describes it, hashed to `oid` in a read that began at `verifiedAt`. */
  record(oid: string, st: FsStat, verifiedAt: number): void {
    this.updates.set(oid, stampOf(st, { verifiedAt }))
  }

  /** The object file of `oid`, as `st` describes it just after LfsStore.commit renamed it into place (only it may say so). */
  recordWritten(oid: string, st: FsStat): void {
    this.updates.set(oid, stampOf(st, { written: true }))
  }

  /** Read again what is on disk (another step, such as a fetch, may have saved since), keeping this record's changes. */
  async reload(): Promise<void> {
    this.stamps = await readStamps(this.repo)
  }

  /** The object of `oid` is not (or no longer) known good. */
  forget(oid: string): void {
    this.updates.set(oid, null)
  }

  /**
   * Write the changes, merged into what is on disk now (another gmr process may have
   * saved in between). Best effort: a record that cannot be written costs only a re-hash.
   */
  async save(): Promise<void> {
    if (this.updates.size === 0) return
    try {
      const stamps = await readStamps(this.repo)
      for (const [oid, stamp] of this.updates) {
        if (stamp === null) delete stamps[oid]
        else stamps[oid] = stamp
      }
      await this.repo.fs.mkdirp(`${this.repo.gitdir}/gmr`)
      await this.repo.fs.writeAtomic(VerifiedLfsRecord.path(this.repo), JSON.stringify(stamps))
      this.stamps = stamps
      this.updates.clear()
    } catch {
      // Deliberately ignored: see above.
    }
  }
}

async function readStamps(repo: GitDir): Promise<Record<string, Stamp>> {
  const text = await repo.fs.readText(VerifiedLfsRecord.path(repo)).catch(() => null)
  if (text === null) return {}
  try {
    const stamps = JSON.parse(text) as unknown
    return stamps !== null && typeof stamps === 'object' && !Array.isArray(stamps) ? (stamps as Record<string, Stamp>) : {}
  } catch {
    // A damaged record only costs a re-hash.
    return {}
  }
}
