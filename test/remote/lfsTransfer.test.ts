import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer, type GitServerOptions } from '../helpers/gitServer.js'
import { filesBelow, sha256 } from '../helpers/lfs.js'
import { mustSucceed } from '../helpers/runners.js'

/**
 * Issue 11 part 3: the LFS client does what git-lfs does by default, against the test LFS
 * server with its fault switches: 5xx and 429 tried again (said on stderr), a download cut
 * mid-way resumed with Range (or read again when the server ignores Range), an expired
 * action asked for again, and batches of at most 100 objects.
 */
let repo: TempRepo
let env: Record<string, string>
const { git, ok } = mustSucceed(() => env)
const servers: GitServer[] = []
const weights = randomBytes(3 * 1024 * 1024)
const LFS_OBJECT = /\/info\/lfs\/objects\/[0-9a-f]{64}$/
const BATCH = /\/info\/lfs\/objects\/batch$/

let counter = 0
/** A registry pushed to a fresh server (churn:v0 holds model.bin, 3 MiB), its clone, and a log of the batch requests. */
async function served(options: GitServerOptions = {}) {
  const batches: string[] = []
  const lfs = { ...options.lfs, onBatch: (operation: string, objects: number) => batches.push(`${operation} ${objects}`) }
  const server = await startGitServer({ ...options, lfs })
  servers.push(server)
  server.createRepo('models')
  const n = ++counter
  const dir = join(repo.scratch, `registry-${n}`)
  fs.mkdirSync(dir)
  const model = join(repo.scratch, `model-${n}`)
  fs.mkdirSync(model)
  fs.writeFileSync(join(model, 'model.bin'), weights)
  await git(dir, 'init', '-q', '-b', 'main')
  await ok(dir, 'init')
  await ok(dir, 'log', 'churn', model)
  await git(dir, 'remote', 'add', 'origin', server.url('models'))
  const clone = async () => {
    const into = join(repo.scratch, `clone-${++counter}`)
    await ok(repo.scratch, 'clone', server.url('models'), into)
    return into
  }
  return { server, dir, batches, clone }
}

const gets = (server: GitServer) => server.requests.filter((r) => r.class === 'lfs-object' && r.method === 'GET')
const warnings = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('warning: '))
const downloadedModel = (dir: string) => sha256(fs.readFileSync(join(dir, 'model.bin')))

beforeAll(() => {
  repo = makeRepo()
  env = { ...repo.env, GIT_CONFIG_GLOBAL: join(repo.scratch, 'gitconfig'), XDG_CACHE_HOME: join(repo.scratch, 'cache'), GIT_TERMINAL_PROMPT: '0' }
  fs.writeFileSync(env.GIT_CONFIG_GLOBAL!, '')
})
afterAll(async () => {
  for (const server of servers) await server.stop()
  repo.cleanup()
})

describe('retries', () => {
  it('a batch answered 503 twice is tried again, each retry said on stderr, and the push goes through', async () => {
    const { server, dir } = await served()
    server.failures.respondWith = { path: BATCH, status: 503, times: 2 }
    const pushed = await gmr(dir, env, ['push'])
    expect(pushed.code, pushed.stderr).toBe(0)
    expect(warnings(pushed.stderr)).toEqual([
      expect.stringMatching(/^warning: the LFS batch request \(upload, 1 objects\): the LFS server answered 503; retrying in [\d.]+ s \(retry 1 of 4\)$/),
      expect.stringMatching(/^warning: the LFS batch request \(upload, 1 objects\): the LFS server answered 503; retrying in [\d.]+ s \(retry 2 of 4\)$/),
    ])
    expect(server.requests.filter((r) => r.class === 'lfs-batch').map((r) => r.status)).toEqual([503, 503, 200])
    expect(sha256(fs.readFileSync(server.lfsObjectPath('models', sha256(weights))))).toBe(sha256(weights))
  })

  it("429 waits for the server's Retry-After", async () => {
    const { server, dir } = await served()
    server.failures.respondWith = { path: BATCH, status: 429, headers: { 'Retry-After': '1' } }
    const pushed = await gmr(dir, env, ['push'])
    expect(pushed.code, pushed.stderr).toBe(0)
    expect(warnings(pushed.stderr)).toEqual([expect.stringMatching(/answered 429; retrying in 1 s \(retry 1 of 4\)$/)])
  })

  it('an upload whose connection is cut is sent again', async () => {
    const { server, dir } = await served()
    server.failures.dropConnectionAfterBytes = { path: LFS_OBJECT, method: 'PUT', direction: 'request', bytes: 1024 * 1024 }
    const pushed = await gmr(dir, env, ['push'])
    expect(pushed.code, pushed.stderr).toBe(0)
    expect(warnings(pushed.stderr)).toEqual([expect.stringMatching(/^warning: the upload of LFS object [0-9a-f]{64}: the connection broke; retrying/)])
    const puts = server.requests.filter((r) => r.class === 'lfs-object' && r.method === 'PUT')
    expect(puts.map((r) => r.fault ?? r.status)).toEqual(['dropped', 200])
    expect(sha256(fs.readFileSync(server.lfsObjectPath('models', sha256(weights))))).toBe(sha256(weights))
  })

  it('gives up after the configured retries with the last answer as the one error line, and nothing kept', async () => {
    const { server, dir, clone } = await served()
    await ok(dir, 'push')
    const bob = await clone()
    server.failures.respondWith = { path: LFS_OBJECT, method: 'GET', status: 502, times: 10 }
    const failed = await gmr(bob, { ...env, GMR_LFS_RETRIES: '2' }, ['download', 'churn:v0', '--to', join(bob, 'out')])
    expect(failed.code).toBe(1)
    const lines = failed.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    expect(warnings(failed.stderr)).toHaveLength(2)
    expect(lines[2]).toMatch(/^error: cannot download LFS object [0-9a-f]{64} \(model\.bin\): the LFS server answered 502/)
    expect(fs.existsSync(join(bob, 'out'))).toBe(false)
    const oid = sha256(weights)
    expect(fs.existsSync(join(bob, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(false)
    expect(filesBelow(join(bob, '.git', 'lfs', 'tmp'))).toEqual([])
  })
})

/** Push churn, clone it, and download v0 in the clone while the object's connection is cut at 1 MiB once; the download must succeed. */
async function cutDownload(options: GitServerOptions = {}) {
  const { server, dir, clone } = await served(options)
  await ok(dir, 'push')
  const bob = await clone()
  server.resetStats()
  server.failures.dropConnectionAfterBytes = { path: LFS_OBJECT, method: 'GET', bytes: 1024 * 1024 }
  const result = await gmr(bob, env, ['download', 'churn:v0', '--to', join(bob, 'out')])
  expect(result.code, result.stderr).toBe(0)
  expect(downloadedModel(join(bob, 'out'))).toBe(sha256(weights))
  return { server, result }
}

describe('resuming a download', () => {
  it('a connection cut mid-download is resumed with Range from the bytes already received', async () => {
    const { server, result } = await cutDownload()
    const [cut, resumed, ...more] = gets(server)
    expect(more).toEqual([])
    expect(cut).toMatchObject({ fault: 'dropped', completed: false })
    expect(cut!.headers.range).toBeUndefined()
    const from = Number(/^bytes=(\d+)-$/.exec(String(resumed!.headers.range))?.[1])
    expect(from).toBeGreaterThan(0)
    expect(from).toBeLessThanOrEqual(1024 * 1024)
    expect(resumed).toMatchObject({ status: 206, completed: true, bytesOut: weights.length - from })
    expect(warnings(result.stderr)).toEqual([expect.stringMatching(new RegExp(`broke after ${from} of ${weights.length} bytes; resuming in .* \\(retry 1 of 4\\)$`))])
  })

  it('a server that ignores Range sends the whole object again; the result is still the object', async () => {
    const { server } = await cutDownload({ lfs: { ignoreRange: true } })
    const [, again] = gets(server)
    expect(again!.headers.range).toMatch(/^bytes=\d+-$/)
    expect(again).toMatchObject({ status: 200, completed: true, bytesOut: weights.length })
  })
})

describe('action expiry', () => {
  it('an upload action that expired before use is asked for again, never sent to the server', async () => {
    const { server, dir, batches } = await served({ lfs: { expireFirstActions: 1 } })
    const pushed = await gmr(dir, env, ['push'])
    expect(pushed.code, pushed.stderr).toBe(0)
    expect(batches).toEqual(['upload 1', 'upload 1'])
    // The expired token never reached the server: one PUT, accepted.
    expect(server.requests.filter((r) => r.class === 'lfs-object').map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 200'])
    expect(sha256(fs.readFileSync(server.lfsObjectPath('models', sha256(weights))))).toBe(sha256(weights))
  })

  it('an expired download action is renewed with one more batch request', async () => {
    const { server, dir, clone, batches } = await served()
    await ok(dir, 'push')
    const bob = await clone()
    const expiring = await startGitServer({ root: server.root, lfs: { expireFirstActions: 1, onBatch: (op, n) => batches.push(`${op} ${n}`) } })
    servers.push(expiring)
    await git(bob, 'remote', 'set-url', 'origin', expiring.url('models'))
    batches.length = 0
    const result = await gmr(bob, env, ['download', 'churn:v0', '--to', join(bob, 'out')])
    expect(result.code, result.stderr).toBe(0)
    expect(downloadedModel(join(bob, 'out'))).toBe(sha256(weights))
    expect(batches).toEqual(['download 1', 'download 1'])
    // The expired link was never used: one GET, with the renewed token.
    expect(gets(expiring).map((r) => r.status)).toEqual([200])
    expect(warnings(result.stderr)).toEqual([expect.stringMatching(/^warning: the download link for LFS object [0-9a-f]{64} expired; asking the LFS server for a new one$/)])
  })
})

describe('batches', () => {
  it('250 objects go up in 3 batch requests of at most 100, and come down the same way', async () => {
    const { server, dir, batches, clone } = await served()
    const many = join(repo.scratch, 'many')
    fs.mkdirSync(many)
    const files = Array.from({ length: 250 }, (_, i) => randomBytes(64 + i))
    files.forEach((bytes, i) => fs.writeFileSync(join(many, `part-${String(i).padStart(3, '0')}.bin`), bytes))
    await ok(dir, 'log', 'shards', many, '--large-file-threshold', '1')
    batches.length = 0
    expect(await ok(dir, 'push')).toMatch(/uploaded 251 large files/)
    expect(batches).toEqual(['upload 100', 'upload 100', 'upload 51'])
    for (const bytes of files.slice(0, 3)) expect(fs.existsSync(server.lfsObjectPath('models', sha256(bytes)))).toBe(true)

    const bob = await clone()
    batches.length = 0
    await ok(bob, 'download', 'shards:v0', '--to', join(bob, 'shards'))
    expect(batches).toEqual(['download 100', 'download 100', 'download 50'])
    files.forEach((bytes, i) => expect(sha256(fs.readFileSync(join(bob, 'shards', `part-${String(i).padStart(3, '0')}.bin`)))).toBe(sha256(bytes)))
  })
})
