import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { gmrProcess, type TempRepo } from '../helpers/gitRepo.js'
import type { GitServer } from '../helpers/gitServer.js'
import { expectValid } from '../helpers/jsonSchemas.js'
import { mustSucceed } from '../helpers/runners.js'
import { servedRegistry } from '../helpers/servedRegistry.js'
import { repoFingerprint } from '../helpers/state.js'

// gmr cache ls | prune | clear, and GMR_CACHE_MAX, over real remote downloads.

let server: GitServer
let repo: TempRepo
let env: Record<string, string>
let urls: string[]
const weights = randomBytes(256 * 1024)
const { git, ok } = mustSucceed(() => env)
const cacheRoot = () => join(repo.scratch, 'cache', 'gmr')

beforeAll(async () => {
  ;({ server, repo, env } = await servedRegistry(weights, 'production'))
  urls = []
  // The same registry on three hosts' repositories: three cache entries.
  for (const name of ['models', 'mirror-a', 'mirror-b']) {
    const url = server.url(name, server.credentials)
    if (name !== 'models') {
      server.createRepo(name)
      await git(repo.dir, 'remote', 'add', name, url)
    }
    await ok(repo.dir, 'push', name === 'models' ? 'origin' : name)
    urls.push(url)
  }
})
afterAll(async () => {
  await server.stop()
  repo.cleanup()
})
beforeEach(() => fs.rmSync(cacheRoot(), { recursive: true, force: true }))

async function deploy(url: string, extra: Record<string, string> = {}) {
  const target = join(repo.scratch, `deploy-${Math.random().toString(36).slice(2)}`)
  const result = await gmr(repo.scratch, { ...env, ...extra }, ['download', `${url}#churn-model:production`, '--to', target])
  expect(result.code, result.stderr).toBe(0)
  return result
}

const json = async (...args: string[]) => JSON.parse(await ok(repo.scratch, ...args, '--json'))
const redacted = (url: string) => url.replace(/\/\/[^@]*@/, '//')

describe('gmr cache', () => {
  it('ls lists each cached remote with its size and last use, newest first; clear removes them all', async () => {
    expect(await json('cache', 'ls')).toEqual({ root: cacheRoot(), entryCount: 0, size: 0, entries: [] })
    await deploy(urls[0]!)
    await deploy(urls[1]!)
    const listed = await json('cache', 'ls')
    expect(listed.entryCount).toBe(2)
    expect(listed.entries.map((e: { url: string }) => e.url)).toEqual([redacted(urls[1]!), redacted(urls[0]!)])
    for (const entry of listed.entries) {
      expect(entry.size).toBeGreaterThan(weights.length)
      expect(entry.inUse).toBe(false)
      expect(fs.existsSync(entry.path)).toBe(true)
    }
    expect(listed.size).toBe(listed.entries[0].size + listed.entries[1].size)
    const text = await ok(repo.scratch, 'cache', 'ls')
    expect(text).toContain(redacted(urls[0]!))
    expect(text).not.toContain(server.credentials!.password)
    expect(text).toMatch(/2 cached remotes, \d+(\.\d)? KiB in /)

    const cleared = await json('cache', 'clear')
    expect(cleared).toMatchObject({ entryCount: 0, size: 0, freedSize: listed.size })
    expect(fs.readdirSync(join(cacheRoot(), 'repos'))).toEqual([])
    // A later download fills it again from the server.
    await deploy(urls[0]!)
    expect((await json('cache', 'ls')).entryCount).toBe(1)
  })

  it('prune --older-than and --max-size remove the stale and the least recently used; an entry in use is skipped with a note', async () => {
    for (const url of urls) await deploy(url)
    const before = await json('cache', 'ls')
    // The first remote was last used 40 days ago.
    const first = before.entries.find((e: { url: string }) => e.url === redacted(urls[0]!))
    const usedFile = join(first.path, 'gmr/used.json')
    fs.writeFileSync(usedFile, JSON.stringify({ url: first.url, usedAt: new Date(Date.now() - 40 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z') }))
    const old = await json('cache', 'prune', '--older-than', '30d')
    expect(old.removed.map((e: { url: string }) => e.url)).toEqual([redacted(urls[0]!)])
    expect(fs.existsSync(first.path)).toBe(false)

    // A download holds the second remote's lock: bounding to one entry skips it and removes the third instead.
    const second = before.entries.find((e: { url: string }) => e.url === redacted(urls[1]!))
    const lock = second.path.replace(/\.git$/, '.lock')
    fs.writeFileSync(lock, `${process.pid}\n`)
    const bounded = await gmr(repo.scratch, env, ['cache', 'prune', '--max-size', '1K'])
    expect(bounded.code).toBe(0)
    expect(bounded.stderr).toBe(`note: ${redacted(urls[1]!)} is in use by a download; left it\n`)
    expect(bounded.stdout).toMatch(new RegExp(`^removed .*${redacted(urls[2]!).replace(/[.?*+^$[\]\\(){}|-]/g, '\\$&')}\\nfreed .*; 1 cached remote left`))
    expect((await json('cache', 'ls')).entries[0].inUse).toBe(true)
    fs.rmSync(lock)

    const bad = await gmr(repo.scratch, env, ['cache', 'prune', '--max-size', 'lots'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe('error: --max-size "lots" is not a size: write a number with an optional unit, K, M, G or T (e.g. 10G, 500M)\n')
    const nothing = await gmr(repo.scratch, env, ['cache', 'prune'])
    expect(nothing.code).toBe(1)
    expect(nothing.stderr).toMatch(/^error: say what to remove: --max-size SIZE/)
  })

  it('prune --dry-run and clear --dry-run say what they would remove and free, remove nothing, and the real run then does that', async () => {
    await deploy(urls[0]!)
    await deploy(urls[1]!)
    const before = repoFingerprint(cacheRoot(), { caches: true })
    const planned = await json('cache', 'clear', '--dry-run')
    expectValid('cache-prune', planned)
    expect(planned).toMatchObject({ dryRun: true, entryCount: 0, size: 0, notes: [] })
    expect(planned.removed.map((e: { url: string }) => e.url).sort()).toEqual([redacted(urls[0]!), redacted(urls[1]!)].sort())
    const text = await ok(repo.scratch, 'cache', 'clear', '--dry-run')
    expect(text).toMatch(/^would remove .*\nwould remove .*\nwould free .*; 0 cached remotes would be left, 0 B\nnothing was changed \(--dry-run\)\n$/)

    // One in use: a prune would leave it, and says so as the prune does.
    const inUse = planned.removed.find((e: { url: string }) => e.url === redacted(urls[1]!))
    const lock = inUse.path.replace(/\.git$/, '.lock')
    fs.writeFileSync(lock, `${process.pid}\n`)
    const bounded = await gmr(repo.scratch, env, ['cache', 'prune', '--max-size', '1K', '--dry-run'])
    expect(bounded.stderr).toBe(`note: ${redacted(urls[1]!)} is in use by a download; a prune would leave it\n`)
    fs.rmSync(lock)
    expect(repoFingerprint(cacheRoot(), { caches: true })).toEqual(before)

    const cleared = await json('cache', 'clear')
    expectValid('cache-prune', cleared)
    expect(cleared).toMatchObject({ dryRun: false, freedSize: planned.freedSize })
    expect(cleared.removed.map((e: { key: string }) => e.key).sort()).toEqual(planned.removed.map((e: { key: string }) => e.key).sort())
  })

  it('GMR_CACHE_MAX (or gmr.cacheMax) bounds the cache after each download, least recently used first, never the entry just used', async () => {
    await deploy(urls[0]!)
    await deploy(urls[1]!)
    const bounded = await deploy(urls[2]!, { GMR_CACHE_MAX: '300K' })
    expect(bounded.stderr).toContain(
      `note: removed ${redacted(urls[0]!)} from the download cache (least recently used; the cache is bounded to 300K)\n` +
        `note: removed ${redacted(urls[1]!)} from the download cache (least recently used; the cache is bounded to 300K)\n`,
    )
    expect((await json('cache', 'ls')).entries.map((e: { url: string }) => e.url)).toEqual([redacted(urls[2]!)])

    await git(repo.scratch, 'config', '--file', env.GIT_CONFIG_GLOBAL!, 'gmr.cacheMax', '1')
    const again = await deploy(urls[0]!)
    expect(again.stderr).toContain('(least recently used; the cache is bounded to 1)')
    const left = await json('cache', 'ls')
    expect(left.entries.map((e: { url: string }) => e.url)).toEqual([redacted(urls[0]!)])
    await git(repo.scratch, 'config', '--file', env.GIT_CONFIG_GLOBAL!, '--unset', 'gmr.cacheMax')
    // The entry that stayed still serves a download with nothing fetched.
    const target = join(repo.scratch, 'from-cache')
    const served = JSON.parse((await gmrProcess(repo.scratch, env, ['download', `${urls[0]}#churn-model:production`, '--to', target, '--json'])).stdout)
    expect(served.remote).toMatchObject({ fetched: false, lfsObjectCount: 0, lfsByteCount: 0 })
  })

  it('a clear killed in the middle leaves whole entries or none, and the next cache command sweeps what it left', async () => {
    await deploy(urls[0]!)
    await deploy(urls[1]!)
    const killed = await gmrProcess(repo.scratch, { ...env, GMR_CRASH_AT: 'cache-entry-renamed' }, ['cache', 'clear'])
    expect(killed.code).toBe(-1)
    const listed = await json('cache', 'ls')
    expect(listed.entryCount).toBe(1)
    expect(listed.entries[0].inUse).toBe(false)
    // The survivor is whole: it serves a download without fetching anything.
    const target = join(repo.scratch, 'after-kill')
    const served = JSON.parse(await ok(repo.scratch, 'download', `${listed.entries[0].url.replace('//', `//ada:${server.credentials!.password}@`)}#churn-model:production`, '--to', target, '--json'))
    expect(served.remote.fetched).toBe(false)
    await ok(repo.scratch, 'cache', 'clear')
    expect(fs.readdirSync(join(cacheRoot(), 'repos'))).toEqual([])
  })
})
