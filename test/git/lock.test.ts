import * as nodeFs from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sleep } from '../../src/domain/async.js'
import { FileSystem, type FsClient } from '../../src/git/fs.js'
import { RefLockedError } from '../../src/domain/errors.js'
import { waitForLock, withLock } from '../../src/git/lock.js'
import type { GitDir } from '../../src/git/repo.js'
import { diskRepos } from '../helpers/diskRepo.js'

const { diskRepo } = diskRepos('lock')

function setup(client: FsClient = nodeFs as unknown as FsClient): { repo: GitDir; lock: string; notices: string[]; notify: (m: string) => void } {
  const { dir } = diskRepo()
  const repo = { fs: new FileSystem(client), gitdir: join(dir, '.git') }
  nodeFs.mkdirSync(join(dir, '.git/gmr'), { recursive: true })
  const notices: string[] = []
  return { repo, lock: join(dir, '.git/gmr/registry.lock'), notices, notify: (m) => notices.push(m) }
}

function holder(fields: Record<string, unknown>): string {
  return `${JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-11-29T03:00:00.000Z', command: 'gmr link churn:v3 churn-model', nonce: 'n1', start: null, boot: null, ...fields })}\n`
}

/** This test process's start time as /proc says it. */
function ownStart(): string {
  const stat = nodeFs.readFileSync(`/proc/${process.pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!
}

describe('the registry lock', () => {
  it('records who holds it while it is held, and is gone afterwards', async () => {
    const { repo, lock } = setup()
    const seen = await withLock(repo, 'registry', async () => JSON.parse(nodeFs.readFileSync(lock, 'utf8')), { command: 'gmr tag add m x' })
    expect(seen).toMatchObject({ pid: process.pid, host: hostname(), command: 'gmr tag add m x' })
    expect(Date.parse(seen.since)).not.toBeNaN()
    expect(nodeFs.existsSync(lock)).toBe(false)
    expect(nodeFs.readdirSync(join(repo.gitdir, 'gmr'))).toEqual([])
  })

  it.each([
    ['an older gmr, which wrote only the pid', '999999\n'],
    ['a process that is gone', holder({ pid: 999999 })],
    ['a process whose pid is now another process (start time differs)', holder({ start: '1' })],
  ])('takes over at once a lock left by %s, with a notice', async (_, text) => {
    const { repo, lock, notices, notify } = setup()
    nodeFs.writeFileSync(lock, text)
    expect(await withLock(repo, 'registry', async () => 'ran', { timeoutMs: 60_000, onNotice: notify })).toBe('ran')
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(new RegExp(`^took over the registry lock ${lock}: gmr process \\d+ on ${hostname()}.* is no longer running$`))
    expect(nodeFs.existsSync(lock)).toBe(false)
  })

  it('names a live holder when it keeps the lock past the timeout, and leaves its lock alone', async () => {
    const { repo, lock, notices, notify } = setup()
    const text = holder({ start: ownStart() })
    nodeFs.writeFileSync(lock, text)
    const error = await withLock(repo, 'registry', async () => 'ran', { timeoutMs: 300, onNotice: notify }).catch((e: Error) => e)
    expect(error).toMatchObject({ code: 'RegistryLockedError', data: { pid: process.pid, command: 'gmr link churn:v3 churn-model' } })
    expect((error as Error).message).toBe(
      `the registry is locked by gmr process ${process.pid} on ${hostname()} since 2026-11-29T03:00:00.000Z ("gmr link churn:v3 churn-model"), ` +
        `which has held it for over 300 ms; wait for it to finish and try again, or stop it (kill ${process.pid})`,
    )
    expect(notices).toEqual([])
    expect(nodeFs.readFileSync(lock, 'utf8')).toBe(text)
  })

  it('never takes over a lock held on another machine, and says what to do if that holder is gone', async () => {
    const { repo, lock } = setup()
    nodeFs.writeFileSync(lock, holder({ pid: 999999, host: 'build-7' }))
    const error = await withLock(repo, 'registry', async () => 'ran', { timeoutMs: 200 }).catch((e: Error) => e)
    expect((error as Error).message).toMatch(/^the registry is locked by gmr process 999999 on build-7 .*; if it is not running on build-7, delete .*registry\.lock$/)
    expect(nodeFs.existsSync(lock)).toBe(true)
  })

  it('keeps waiting while the lock changes hands, however long the queue takes', async () => {
    const { repo, lock } = setup()
    // Five live holders in turn, each for less than the timeout, together for much more.
    nodeFs.writeFileSync(lock, holder({ nonce: 'h0', start: ownStart() }))
    const queue = (async () => {
      for (let i = 1; i <= 5; i++) {
        await sleep(150)
        nodeFs.writeFileSync(`${lock}.next`, holder({ nonce: `h${i}`, start: ownStart() }))
        nodeFs.renameSync(`${lock}.next`, lock)
      }
      await sleep(150)
      nodeFs.rmSync(lock)
    })()
    expect(await withLock(repo, 'registry', async () => 'ran', { timeoutMs: 400 })).toBe('ran')
    await queue
  })

  it('is released when the work fails', async () => {
    const { repo, lock } = setup()
    await expect(withLock(repo, 'registry', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(nodeFs.existsSync(lock)).toBe(false)
  })

  it('turns a full disk while taking the lock into one clear error and leaves no lock or temporary file', async () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    const client = { ...(nodeFs as unknown as FsClient), writeFileSync: () => { throw full } }
    const { repo, lock } = setup(client)
    const error = await withLock(repo, 'registry', async () => 'ran').catch((e: Error) => e)
    expect(error).toMatchObject({ code: 'StorageError', data: { code: 'ENOSPC' } })
    expect((error as Error).message).toMatch(/^cannot create '.*\/\.git\/gmr\/registry\.lock': no space left on device \(ENOSPC\); free some space and try again$/)
    expect(nodeFs.readdirSync(join(repo.gitdir, 'gmr'))).toEqual([])
    expect(await withLock({ ...repo, fs: new FileSystem(nodeFs as unknown as FsClient) }, 'registry', async () => 'ran')).toBe('ran')
    expect(nodeFs.existsSync(lock)).toBe(false)
  })

  it('removes lock-file leftovers of killed processes when it is taken', async () => {
    const { repo } = setup()
    const leftover = join(repo.gitdir, 'gmr', 'registry.lock.tmp-999999-abc-1')
    nodeFs.writeFileSync(leftover, '{}')
    await withLock(repo, 'registry', async () => undefined)
    expect(nodeFs.existsSync(leftover)).toBe(false)
  })
})

describe('waitForLock, the one loop every lock file is waited for with', () => {
  it('retries at once after a look that says "retry", and returns what the winning try took', async () => {
    const tries: string[] = []
    let n = 0
    const taken = await waitForLock({
      take: async () => (++n === 3 ? 'mine' : null),
      look: async () => {
        tries.push(`look ${n}`)
        return 'retry'
      },
      stepMs: 1,
      capMs: 1,
    })
    expect(taken).toBe('mine')
    expect(tries).toEqual(['look 1', 'look 2'])
  })

  it('gives up with the caller\'s error when one holder keeps the lock, and waits on while it changes hands', async () => {
    const gaveUp = await waitForLock({
      take: async () => null,
      stepMs: 1,
      capMs: 1,
      giveUp: { afterMs: 0, error: () => new RefLockedError('held too long') },
    }).catch((e: unknown) => e)
    expect(gaveUp).toBeInstanceOf(RefLockedError)

    let n = 0
    const taken = await waitForLock({
      take: async () => (++n === 20 ? 'after a queue' : null),
      look: async () => 'changed-hands' as const,
      stepMs: 1,
      capMs: 2,
      giveUp: { afterMs: 30, error: () => new RefLockedError('should have kept waiting') },
    })
    expect(taken).toBe('after a queue')
  })
})
