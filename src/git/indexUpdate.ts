import { IndexLockedError, UnsupportedStateError } from '../domain/errors.js'
import { crashPoint } from './crashPoint.js'
import { openExclusiveOrNull, waitForLock } from './lock.js'
import type { FsStat } from './fs.js'
import { encodeRawIndex, entryStage, parseRawIndex, type RawIndex, type RawIndexEntry } from './gitIndex.js'
import { hashObject, ObjectWriter } from './objects.js'
import type { Repo } from './repo.js'

/** How long a writer waits for someone else's `index.lock` before giving up (git itself does not wait). */
export const INDEX_LOCK_WAIT_MS = 3_000

/** What one path's index entry becomes: a raw entry (stage 0), or null for none. */
export interface IndexChange {
  path: string
  entry: RawIndexEntry | null
}

/**
 * Rewrite `.git/index` exactly as git does: create `index.lock` exclusively, read the
 * index under it, write the new index into the lock and rename it over `index`. Readers
 * (git, gmr) see the old file or the new one, never a half-written one, and no writer's
 * change is lost. Each changed path loses every entry it had (any stage) and gets its
 * new one; all other entries are kept byte for byte. Optional extensions (the cache
 * tree, untracked cache, fsmonitor, offsets) are dropped, as they could describe the old
 * entries; git rebuilds them. Returns the entries the changed paths had before.
 */
export async function updateIndex(repo: Repo, changes: readonly IndexChange[]): Promise<IndexChange[]> {
  const indexPath = `${repo.gitdir}/index`
  const lockPath = `${indexPath}.lock`
  const lock = await takeIndexLock(repo, lockPath)
  let renamed = false
  try {
    const data = await repo.fs.read(indexPath)
    const index: RawIndex = data === null ? { version: 2, entries: [], extensions: [] } : parseRawIndex(data, indexPath)
    const required = index.extensions.find((e) => !/^[A-Z]/.test(e.signature))
    if (required !== undefined) {
      throw new UnsupportedStateError(
        `${indexPath} uses a split or sparse index (extension "${required.signature}"), which gmr cannot edit; run "git update-index --no-split-index" or "git sparse-checkout disable" and run again`,
        { extension: required.signature },
      )
    }
    const previous = changes.map((change) => ({
      path: change.path,
      entry: index.entries.find((e) => e.path === change.path && entryStage(e) === 0) ?? null,
    }))
    const changed = new Set(changes.map((c) => c.path))
    const entries = index.entries.filter((e) => !changed.has(e.path))
    for (const change of changes) if (change.entry !== null) entries.push({ ...change.entry, path: change.path })
    entries.sort(compareEntries)
    const version = index.version === 2 && entries.some((e) => e.header.length > 62) ? 3 : index.version
    crashPoint('index:locked')
    await lock.write(encodeRawIndex({ version, entries, extensions: [] }))
    await lock.close()
    crashPoint('index:written')
    await repo.fs.rename(lockPath, indexPath)
    renamed = true
    return previous
  } finally {
    if (!renamed) {
      await lock.close().catch(() => undefined)
      await repo.fs.remove(lockPath)
    }
  }
}

async function takeIndexLock(repo: Repo, lockPath: string) {
  return waitForLock({
    take: () => openExclusiveOrNull(repo.fs, lockPath),
    stepMs: 2,
    capMs: 50,
    giveUp: {
      afterMs: INDEX_LOCK_WAIT_MS,
      error: () =>
        new IndexLockedError(
          `Unable to create '${lockPath}': File exists. Another git process seems to be running in this repository; wait for it to finish and run again (if no git process is running, it crashed: remove that file)`,
          { path: lockPath },
        ),
    },
  })
}

/** git's order: by path bytes, then by stage. */
function compareEntries(a: RawIndexEntry, b: RawIndexEntry): number {
  return Buffer.compare(Buffer.from(a.path, 'utf8'), Buffer.from(b.path, 'utf8')) || entryStage(a) - entryStage(b)
}

/** The stat fields git records that Node's and memfs's stat results carry beyond `FsStat`. */
interface FullStat extends FsStat {
  dev?: number | bigint
  uid?: number | bigint
  gid?: number | bigint
}

/**
 * The index entry `git add` would make for the file at `path` in the work tree, with
 * its stat data so git sees it clean without re-reading it; null when it is missing.
 */
async function workTreeEntry(repo: Repo, path: string, writer?: ObjectWriter): Promise<RawIndexEntry | null> {
  const full = `${repo.dir}/${path}`
  const st = (await repo.fs.lstat(full)) as FullStat | null
  if (st === null) return null
  const symlink = st.isSymbolicLink()
  const content = symlink ? Buffer.from(await repo.fs.readlink(full)) : await repo.fs.read(full)
  if (content === null) return null
  const mode = symlink ? 0o120000 : (st.mode & 0o100) !== 0 ? 0o100755 : 0o100644
  const header = Buffer.alloc(62)
  const u32 = (value: number | bigint | undefined, at: number) => header.writeUInt32BE(Number(BigInt(value ?? 0) & 0xffffffffn), at)
  const time = (ms: number | undefined, at: number) => {
    const value = ms ?? 0
    u32(Math.floor(value / 1000), at)
    u32(Math.min(999_999_999, Math.round((value % 1000) * 1e6)), at + 4)
  }
  time(st.ctimeMs ?? st.mtimeMs, 0)
  time(st.mtimeMs, 8)
  u32(st.dev, 16)
  u32(st.ino, 20)
  u32(mode, 24)
  u32(st.uid, 28)
  u32(st.gid, 32)
  u32(content.length, 36)
  header.write(writer ? writer.add('blob', content) : hashObject('blob', content), 40, 'hex')
  return { header, path }
}

/**
 * `git add` for `paths`: their blobs are written and their index entries made to match
 * the work tree (a missing file loses its entry).
 */
export async function stageWorkTree(repo: Repo, paths: readonly string[]): Promise<IndexChange[]> {
  const writer = new ObjectWriter(repo)
  const changes = await Promise.all(paths.map(async (path) => ({ path, entry: await workTreeEntry(repo, path, writer) })))
  await writer.flush()
  return updateIndex(repo, changes)
}
