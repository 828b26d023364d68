import { sleep } from '../domain/async.js'
import { GmrError } from '../domain/errors.js'
import { isErrno } from './fs.js'
import type { GitDir } from './repo.js'

/** Another gmr process held a registry lock for longer than we waited. */
export class RegistryLockedError extends GmrError {}

export interface LockOptions {
  /** How long to wait for another holder (default 30 s). */
  timeoutMs?: number
}

/**
 * Run `fn` holding `<gitdir>/gmr/<name>.lock`, created exclusively, so that gmr
 * processes editing the registry take turns: read manifest, edit, commit, move refs
 * happen as one step and no edit is lost. Waiters retry with a growing random backoff.
 */
export async function withLock<T>(repo: GitDir, name: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const path = `${repo.gitdir}/gmr/${name}.lock`
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  await repo.fs.mkdirp(`${repo.gitdir}/gmr`)
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await repo.fs.openExclusive(path)
      await handle.write(`${process.pid}\n`)
      await handle.close()
      break
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err
      if (Date.now() >= deadline) {
        throw new RegistryLockedError(
          `another gmr process is changing the registry (${path} exists); wait for it, or delete that file if no gmr process is running`,
          { path },
        )
      }
      await sleep(Math.random() * Math.min(100, 5 * attempt))
    }
  }
  try {
    return await fn()
  } finally {
    await repo.fs.remove(path)
  }
}
