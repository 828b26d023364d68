import { OID_HEX } from '../../domain/objectId.js'
import { createHash } from 'node:crypto'
import { CorruptObjectError, MissingObjectError } from '../../domain/errors.js'
import { redactUrl } from '../../domain/remoteUrl.js'
import type { Env } from '../../git/config.js'
import { isErrno, type FileSystem } from '../../git/fs.js'
import { openExclusiveOrNull, waitForLock } from '../../git/lock.js'
import { hashFile, LfsStore } from '../../git/lfsStore.js'
import { hashObject, readObject, type ReadObjectResult } from '../../git/objects.js'
import { readRef, updateRef } from '../../git/refs.js'
import type { GitDir } from '../../git/repo.js'
import { listTreeFiles } from '../../git/treeWalk.js'
import { VerifiedLfsRecord } from '../../git/verifiedLfs.js'
import type { LfsPointer } from '../../domain/lfsPointer.js'

/**
 * The deployment cache, `$XDG_CACHE_HOME/gmr/repos/<hash of the URL>.git`: a bare
 * repository per remote, holding the versions fetched from it and their LFS objects.
 * Nothing in it is trusted: git objects are hashed when a version is taken from it, LFS
 * objects when they are reused, and a bad entry is thrown away and fetched again. One
 * download at a time uses an entry (a lock beside it), so two cold downloads of the same
 * URL take turns instead of racing in one `git fetch`.
 */
export interface DownloadCache extends GitDir {
  /** `<root>/repos/<key>.lock`, beside the repository. */
  lock: string
}

export function downloadCacheFor(fs: FileSystem, url: string, env: Env, cwd: string, cacheDir?: string): DownloadCache {
  const key = createHash('sha256').update(redactUrl(url)).digest('hex').slice(0, 16)
  return downloadCacheEntry(fs, downloadCacheRoot(env, cwd, cacheDir), key)
}

/** `$XDG_CACHE_HOME/gmr`, else `~/.cache/gmr`, unless the caller names one. */
export function downloadCacheRoot(env: Env, cwd: string, cacheDir?: string): string {
  return cacheDir ?? `${env.XDG_CACHE_HOME || `${env.HOME ?? cwd}/.cache`}/gmr`
}

/** The entry of `key` (the hash of a remote URL) under `root`. */
export function downloadCacheEntry(fs: FileSystem, root: string, key: string): DownloadCache {
  return { fs, gitdir: `${root}/repos/${key}.git`, lock: `${root}/repos/${key}.lock` }
}

const POLL_MS = 100

/**
 * Run `fn` holding the cache entry's lock: a file created exclusively with our pid in it.
 * A lock whose process is gone (killed mid-download) is taken over; a live holder is waited
 * for, as long as it runs (its own network timeouts bound it).
 */
export async function withCacheLock<T>(cache: DownloadCache, fn: () => Promise<T>): Promise<T> {
  const { fs } = cache
  await fs.mkdirp(cache.lock.slice(0, cache.lock.lastIndexOf('/')))
  const handle = await waitForLock({
    take: () => openExclusiveOrNull(fs, cache.lock),
    look: async () => {
      if (!(await holderIsGone(fs, cache.lock))) return 'held'
      await fs.remove(cache.lock)
      return 'retry'
    },
    stepMs: POLL_MS,
    capMs: POLL_MS,
  })
  await handle.write(`${process.pid}\n`)
  await handle.close()
  try {
    return await fn()
  } finally {
    await fs.remove(cache.lock)
  }
}

/** Take the entry's lock without waiting (a dead holder's is taken over); false while a live process holds it. */
export async function tryCacheLock(cache: DownloadCache): Promise<boolean> {
  const { fs } = cache
  await fs.mkdirp(cache.lock.slice(0, cache.lock.lastIndexOf('/')))
  for (let attempt = 0; attempt < 2; attempt++) {
    const handle = await openExclusiveOrNull(fs, cache.lock)
    if (handle !== null) {
      await handle.write(`${process.pid}\n`)
      await handle.close()
      return true
    }
    if (attempt > 0 || !(await holderIsGone(fs, cache.lock))) return false
    await fs.remove(cache.lock)
  }
  return false
}

/** Whether the process named in a cache entry's lock is gone (the lock is then stale). */
export async function holderIsGone(fs: FileSystem, lock: string): Promise<boolean> {
  const text = await fs.readText(lock).catch(() => null)
  const pid = Number(text?.trim())
  // Still being written (empty), or unreadable: not ours to judge yet.
  if (!text || !Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return isErrno(err, 'ESRCH')
  }
}

/**
 * Where the cache keeps an artifact version it resolved by number. An artifact's vN is
 * one commit for good (versions are only ever appended), so once kept it is served
 * without asking the remote; an alias or `latest` may move and is always asked for.
 */
function artifactVersionRef(artifact: string, version: number): string {
  return `refs/gmr/cache/${artifact}/v${version}`
}

/** The commit of `artifact:v<version>` when the cache has kept it (with the commit itself), else null. */
export async function keptArtifactVersion(cache: GitDir, artifact: string, version: number): Promise<string | null> {
  const oid = await readRef(cache, artifactVersionRef(artifact, version)).catch(() => null)
  if (oid === null) return null
  return readObject(cache, oid).then(() => oid, () => null)
}

export async function keepArtifactVersion(cache: GitDir, artifact: string, version: number, commit: string): Promise<void> {
  const ref = artifactVersionRef(artifact, version)
  await updateRef(cache, ref, commit, await readRef(cache, ref))
}

/** readObject that also checks the content hashes to the id it was asked for. */
async function readVerified(repo: GitDir, oid: string, cache: object = {}): Promise<ReadObjectResult> {
  const object = await readObject(repo, oid, { cache })
  const actual = hashObject(object.type, object.content)
  if (actual !== oid) {
    throw new CorruptObjectError(`object ${oid} in ${repo.gitdir} is damaged (its content hashes to ${actual})`, { oid, actual })
  }
  return object
}

/**
 * Hash every git object a version's files come from: the commit, its trees, its blobs.
 * Returns the first damaged (or missing) object, or null when all of them are sound.
 */
export async function findDamagedObject(repo: GitDir, commit: string): Promise<string | null> {
  const cache = {}
  let current = commit
  try {
    const object = await readVerified(repo, commit, cache)
    if (object.type !== 'commit') return null
    const tree = new RegExp(`^tree (${OID_HEX})$`, 'm').exec(object.content.toString('latin1'))?.[1]
    if (tree === undefined) return null
    const files = await listTreeFiles(repo, tree, cache, (oid) => {
      current = oid
      return readVerified(repo, oid, cache)
    })
    for (const file of files) {
      if (file.mode === '160000') continue
      current = file.oid
      await readVerified(repo, file.oid, cache)
    }
    return null
  } catch (err) {
    if (err instanceof CorruptObjectError || err instanceof MissingObjectError) return current
    throw err
  }
}

/**
 * Throw away the cache's git data (objects, refs, shallow list) and keep its LFS objects,
 * which are checked one by one: the next fetch starts from an empty repository.
 */
export async function discardGitData(cache: DownloadCache): Promise<void> {
  for (const name of (await cache.fs.readdir(cache.gitdir)) ?? []) {
    if (name !== 'lfs' && name !== 'gmr') await cache.fs.removeTree(`${cache.gitdir}/${name}`)
  }
}

/**
 * The cache's record of LFS objects known good (git/verifiedLfs.ts): an object is hashed
 * again on reuse unless its file is exactly as it was when last hashed (same size, mtime,
 * ctime and inode), so a later edit of the file, which moves its ctime, is always caught
 * without re-reading gigabytes on every deploy.
 */
export class VerifiedLfsObjects {
  private constructor(
    private readonly repo: GitDir,
    private readonly record: VerifiedLfsRecord,
  ) {}

  static async open(repo: GitDir): Promise<VerifiedLfsObjects> {
    return new VerifiedLfsObjects(repo, await VerifiedLfsRecord.open(repo))
  }

  /**
   * Check the objects of `objects` the cache holds: a damaged one is deleted (so the
   * download fetches it again) and named in the returned notes. Objects that just arrived
   * were hashed on the way in; their first reuse hashes (and records) them once more.
   */
  async discardDamaged(objects: readonly (LfsPointer & { path: string })[]): Promise<string[]> {
    const store = new LfsStore(this.repo)
    const notes: string[] = []
    for (const object of uniqueByOid(objects)) {
      const path = store.objectPath(object.oid)
      const st = await this.repo.fs.stat(path)
      if (st === null || !st.isFile()) continue
      if (this.record.trusted(object.oid, st) && st.size === object.size) continue
      const { pointer, stat, verifiedAt } = await hashFile(this.repo, path, { label: object.path })
      if (pointer.oid === object.oid && pointer.size === object.size) {
        if (stat) this.record.record(object.oid, stat, verifiedAt)
        continue
      }
      this.record.forget(object.oid)
      await this.repo.fs.remove(path)
      notes.push(`the download cache's copy of ${object.path} (LFS object ${object.oid}) was damaged; discarded it and fetched it again`)
    }
    return notes
  }

  async save(): Promise<void> {
    await this.record.save()
  }
}

function uniqueByOid<T extends LfsPointer>(objects: readonly T[]): T[] {
  return [...new Map(objects.map((o) => [o.oid, o])).values()]
}
