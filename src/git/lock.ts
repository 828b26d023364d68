import { hostname } from 'node:os'
import { backoff } from '../domain/async.js'
import { RegistryLockedError } from '../domain/errors.js'
import { crashPoint } from './crashPoint.js'
import { isErrno, storageFailure, tempPathFor, type FileSystem, type FsFileHandle } from './fs.js'
import { processAlive, processIdentity, type ProcessIdentity } from './processes.js'
import type { GitDir } from './repo.js'
import { sweepTempFiles } from './tempFiles.js'

export interface LockOptions {
  /**
   * How long to wait while one holder keeps the lock (default 30 s). Every time the lock
   * changes hands the wait starts again, so a queue of busy writers never times out.
   */
  timeoutMs?: number
  /** What the holder is doing, recorded in the lock for whoever waits (`gmr link churn:v3 churn-model`). */
  command?: string
  /** Told, in one sentence, when a lock left behind by a process that is gone is taken over. */
  onNotice?: (message: string) => void
}

/** What a lock file says about its holder. */
export interface LockHolder extends ProcessIdentity {
  host: string
  /** When the lock was taken (ISO 8601). */
  since: string
  command: string
  /** Tells two holders with the same pid apart. */
  nonce: string
}

const DEFAULT_TIMEOUT_MS = 30_000

/**
 * Run `fn` holding `<gitdir>/gmr/<name>.lock`, so that gmr processes editing the registry
 * take turns: read manifest, edit, commit, move refs happen as one step and no edit is lost.
 *
 * The lock file is written complete under a temporary name and then linked into place, so
 * it always names its holder (pid, host, process start, time, command). A lock whose
 * process is gone (same host; a reused pid is told apart by its start time) is taken over
 * at once; a live holder is waited for as long as the lock keeps changing hands, and one
 * that holds it past the timeout is named in the error. The lock is released on every path
 * out, failures included.
 */
export async function withLock<T>(repo: GitDir, name: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const path = `${repo.gitdir}/gmr/${name}.lock`
  const me: LockHolder = {
    ...(await processIdentity(repo.fs, process.pid)),
    host: hostname(),
    since: new Date().toISOString(),
    command: options.command ?? 'gmr',
    nonce: Math.random().toString(36).slice(2, 10),
  }
  await acquire(repo, path, me, options)
  crashPoint('registry-lock-held')
  try {
    await sweepTempFiles(repo.fs, `${repo.gitdir}/gmr`)
    return await fn()
  } finally {
    await release(repo, path, me)
  }
}

/** What a waiter found between two tries at a lock. */
export type LockLook = 'retry' | 'changed-hands' | 'held'

export interface LockWait<T> {
  /** Take the lock: create its file exclusively; null when someone else holds it. */
  take(): Promise<T | null>
  /**
   * Look at the holder between tries: 'retry' at once (released, or taken over from a
   * process that is gone), 'changed-hands' (the queue is moving: the wait starts again),
   * or 'held'. Without it, the lock is simply held.
   */
  look?(): Promise<LockLook>
  /** The pause between tries grows by `stepMs` a try up to `capMs` (random, so waiters do not retry in step). */
  stepMs: number
  capMs: number
  /** How long one holder may keep the lock, and the error that ends the wait then; without it the wait lasts as long as the holder. */
  giveUp?: { afterMs: number; error(): Error }
}

/**
 * The one loop every lock file in gmr is waited for with (the registry lock here, git's
 * `<ref>.lock` and `index.lock`, the download cache's lock): try, look, back off, give up
 * after the timeout.
 */
export async function waitForLock<T>(wait: LockWait<T>): Promise<T> {
  const patience = wait.giveUp?.afterMs ?? Number.POSITIVE_INFINITY
  let deadline = Date.now() + patience
  for (let attempt = 0; ; attempt++) {
    const taken = await wait.take()
    if (taken !== null) return taken
    const look = wait.look ? await wait.look() : 'held'
    if (look === 'retry') continue
    if (look === 'changed-hands') deadline = Date.now() + patience
    if (wait.giveUp && Date.now() >= deadline) throw wait.giveUp.error()
    await backoff(attempt, { stepMs: wait.stepMs, capMs: wait.capMs, deadline })
  }
}

/** Open `path` for writing, created exclusively; null when it exists (someone holds that lock). */
export async function openExclusiveOrNull(fs: FileSystem, path: string): Promise<FsFileHandle | null> {
  try {
    return await fs.openExclusive(path)
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return null
    throw err
  }
}

async function acquire(repo: GitDir, path: string, me: LockHolder, options: LockOptions): Promise<void> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const text = `${JSON.stringify(me)}\n`
  let seen: string | null = null
  let holder: LockHolder | null = null
  await waitForLock({
    take: async () => ((await createComplete(repo, path, text)) ? true : null),
    look: async () => {
      const current = await repo.fs.readText(path)
      if (current === null) return 'retry' // released between our two looks
      holder = parseHolder(current)
      if (holder !== null && (await holderGone(repo, holder)) && (await takeOver(repo, path, current, text))) {
        options.onNotice?.(tookOverNotice(path, holder))
        return 'retry'
      }
      if (current === seen) return 'held'
      seen = current
      return 'changed-hands'
    },
    stepMs: 5,
    capMs: 100,
    giveUp: { afterMs: timeout, error: () => lockedError(path, holder, timeout) },
  })
}

/** Create `path` holding `text`, whole or not at all; false when it exists. */
async function createComplete(repo: GitDir, path: string, text: string): Promise<boolean> {
  const { fs } = repo
  const temp = tempPathFor(path)
  try {
    await fs.write(temp, text)
    if (await fs.link(temp, path)) return true
    // No hard links (some injected file systems): create exclusively, then fill.
    const handle = await fs.openExclusive(path)
    try {
      await handle.write(text)
    } finally {
      await handle.close()
    }
    return true
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false
    throw storageFailure(err, 'create', path)
  } finally {
    // Best effort: on a read-only or full disk this fails too, and the sweep gets it next time.
    await fs.remove(temp).catch(() => undefined)
  }
}

async function release(repo: GitDir, path: string, me: LockHolder): Promise<void> {
  const current = await repo.fs.readText(path)
  // Never remove a lock that is no longer ours (it was taken over after we stalled past recognition).
  if (current !== null && parseHolder(current)?.nonce === me.nonce) await repo.fs.remove(path)
}

/**
 * Remove the lock file still reading `stale`. Only one waiter does this at a time (the
 * `.takeover` guard), and it looks again under the guard, so a fresh lock that replaced
 * the stale one in between is never removed.
 */
async function takeOver(repo: GitDir, path: string, stale: string, text: string): Promise<boolean> {
  const guard = `${path}.takeover`
  if (!(await createComplete(repo, guard, text))) {
    // A waiter killed in the middle of a takeover leaves the guard; it is as stale as any lock.
    const other = await repo.fs.readText(guard)
    const holder = other === null ? null : parseHolder(other)
    if (holder !== null && (await holderGone(repo, holder))) await repo.fs.remove(guard)
    return false
  }
  try {
    if ((await repo.fs.readText(path)) !== stale) return false
    await repo.fs.remove(path)
    return true
  } finally {
    await repo.fs.remove(guard)
  }
}

/** The holder a lock file names; older gmr versions wrote only the pid. Null when it cannot be read. */
function parseHolder(text: string): LockHolder | null {
  if (/^\d+\s*$/.test(text)) {
    return { pid: Number(text), host: hostname(), since: '', command: 'gmr', nonce: text.trim(), start: null, boot: null }
  }
  try {
    const data = JSON.parse(text) as Partial<LockHolder>
    if (typeof data.pid !== 'number' || typeof data.host !== 'string') return null
    return {
      pid: data.pid,
      host: data.host,
      since: String(data.since ?? ''),
      command: String(data.command ?? 'gmr'),
      nonce: String(data.nonce ?? ''),
      start: typeof data.start === 'string' ? data.start : null,
      boot: typeof data.boot === 'string' ? data.boot : null,
    }
  } catch {
    return null
  }
}

/** Only a holder on this machine can be known to be gone; one elsewhere is waited for. */
async function holderGone(repo: GitDir, holder: LockHolder): Promise<boolean> {
  return holder.host === hostname() && !(await processAlive(repo.fs, holder))
}

function describeHolder(holder: LockHolder): string {
  const since = holder.since === '' ? '' : ` since ${holder.since}`
  return `gmr process ${holder.pid} on ${holder.host}${since} ("${holder.command}")`
}

function tookOverNotice(path: string, holder: LockHolder): string {
  return `took over the registry lock ${path}: ${describeHolder(holder)} is no longer running`
}

function lockedError(path: string, holder: LockHolder | null, timeout: number): RegistryLockedError {
  const seconds = timeout >= 1000 ? `${Math.round(timeout / 1000)} s` : `${timeout} ms`
  if (holder === null) {
    return new RegistryLockedError(
      `the registry is locked (${path} exists but does not say by whom) and was not released in ${seconds}; if no gmr process is running, delete that file`,
      { path },
    )
  }
  const local = holder.host === hostname()
  const fix = local
    ? `wait for it to finish and try again, or stop it (kill ${holder.pid})`
    : `wait for it to finish and try again; if it is not running on ${holder.host}, delete ${path}`
  return new RegistryLockedError(
    `the registry is locked by ${describeHolder(holder)}, which has held it for over ${seconds}; ${fix}`,
    { path, pid: holder.pid, host: holder.host, since: holder.since, command: holder.command },
  )
}
