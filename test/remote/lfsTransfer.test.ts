import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FsClient } from '../../src/git/fs.js'
import { LfsStore } from '../../src/git/lfsStore.js'
import { openRepo } from '../../src/git/repo.js'
import { CredentialSource } from '../../src/remote/credentials.js'
import { LfsClient } from '../../src/remote/lfsClient.js'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo, remoteUserEnv } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer, type GitServerOptions } from '../helpers/gitServer.js'
import type { LfsRequestLogEntry } from '../helpers/lfsServer.js'
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
/**
 * A registry for a fresh server (churn:v0 holds model.bin: `model`, 3 MiB unless given), its
 * clone, a log of the batch requests, and the connection every LFS request came on.
 */
async function served(options: GitServerOptions = {}, model: Buffer = weights) {
  const batches: string[] = []
  const connections: number[] = []
  const lfs = {
    ...options.lfs,
    onBatch: (operation: string, objects: number) => batches.push(`${operation} ${objects}`),
    onRequest: (entry: LfsRequestLogEntry) => connections.push(entry.connection),
  }
  const server = await startGitServer({ ...options, lfs })
  servers.push(server)
  server.createRepo('models')
  const n = ++counter
  const dir = join(repo.scratch, `registry-${n}`)
  fs.mkdirSync(dir)
  const folder = join(repo.scratch, `model-${n}`)
  fs.mkdirSync(folder)
  fs.writeFileSync(join(folder, 'model.bin'), model)
  await git(dir, 'init', '-q', '-b', 'main')
  await ok(dir, 'init')
  await ok(dir, 'log', 'churn', folder, '--large-file-threshold', '1024')
  await git(dir, 'remote', 'add', 'origin', server.url('models'))
  const clone = async () => {
    const into = join(repo.scratch, `clone-${++counter}`)
    await ok(repo.scratch, 'clone', server.url('models'), into)
    return into
  }
  return { server, dir, batches, connections, clone }
}

const gets = (server: GitServer) => server.requests.filter((r) => r.class === 'lfs-object' && r.method === 'GET')
const warnings = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('warning: '))
const downloadedModel = (dir: string) => sha256(fs.readFileSync(join(dir, 'model.bin')))

beforeAll(() => {
  repo = makeRepo()
  env = remoteUserEnv(repo)
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

describe('a push uploads while its plan is checked', () => {
  it('refused for an object missing from the store, with the batch endpoint stalled: one line, exit 1, no ref on the remote, nothing half-written, no wait', async () => {
    const { server, dir } = await served()
    const folder = join(repo.scratch, 'two-files')
    fs.mkdirSync(folder)
    const kept = randomBytes(200 * 1024)
    const lost = randomBytes(300 * 1024)
    fs.writeFileSync(join(folder, 'a.bin'), kept)
    fs.writeFileSync(join(folder, 'b.bin'), lost)
    await ok(dir, 'log', 'churn', folder, '--large-file-threshold', '1024')
    const oid = sha256(lost)
    fs.rmSync(join(dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))
    // The uploads start as soon as the objects are known, before the store is checked: the
    // refusal must cut the batch request under way (held for 120 s by the server) and exit.
    server.failures.stallAfterBytes = { path: BATCH, bytes: 0 }
    const refused = await gmr(dir, env, ['push'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      `error: cannot push: the large file churn:v1/b.bin (LFS object ${oid}) is not in this clone's store; fetch it (gmr download) or push from the clone that logged it\n`,
    )
    expect(await git(server.repoPath('models'), 'for-each-ref')).toBe('')
    expect(filesBelow(join(server.repoPath('models'), 'lfs', 'tmp'))).toEqual([])
    for (const path of filesBelow(join(server.repoPath('models'), 'lfs', 'objects'))) {
      const name = path.split('/').at(-1)!
      expect(sha256(fs.readFileSync(server.lfsObjectPath('models', name)))).toBe(name)
    }
  })
})

/** Push churn, clone it, and download v0 in the clone while the object's connection is cut at `at` bytes once; the download must succeed. */
async function cutDownload(options: GitServerOptions = {}, model = weights, at = 1024 * 1024) {
  const { server, dir, clone } = await served(options, model)
  await ok(dir, 'push')
  const bob = await clone()
  server.resetStats()
  server.failures.dropConnectionAfterBytes = { path: LFS_OBJECT, method: 'GET', bytes: at }
  const result = await gmr(bob, env, ['download', 'churn:v0', '--to', join(bob, 'out')])
  expect(result.code, result.stderr).toBe(0)
  expect(downloadedModel(join(bob, 'out'))).toBe(sha256(model))
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
    const { server, dir, batches, connections, clone } = await served()
    const many = join(repo.scratch, 'many')
    fs.mkdirSync(many)
    const files = Array.from({ length: 250 }, (_, i) => randomBytes(64 + i))
    files.forEach((bytes, i) => fs.writeFileSync(join(many, `part-${String(i).padStart(3, '0')}.bin`), bytes))
    await ok(dir, 'log', 'shards', many, '--large-file-threshold', '1')
    // git-lfs's setting, honoured (unset, objects this small move 16 at a time: see below).
    await git(dir, 'config', 'lfs.concurrenttransfers', '8')
    batches.length = 0
    connections.length = 0
    expect(await ok(dir, 'push')).toMatch(/uploaded 251 large files/)
    expect(batches).toEqual(['upload 100', 'upload 100', 'upload 51'])
    // The next batch is asked for as soon as the one before is answered, not once half of it has moved (then: after 51 uploads).
    const arrived = server.requests.filter((r) => r.class === 'lfs-batch' || r.class === 'lfs-object').map((r) => r.class)
    expect(arrived.indexOf('lfs-batch', 1)).toBeLessThan(1 + 9)
    // Kept alive: 505 requests (a PUT and a verify per object, 3 batches) on no more connections than 8 transfers and a batch call.
    expect(connections).toHaveLength(505)
    expect(new Set(connections).size).toBeLessThanOrEqual(9)
    for (const bytes of files.slice(0, 3)) expect(fs.existsSync(server.lfsObjectPath('models', sha256(bytes)))).toBe(true)

    const bob = await clone()
    await git(bob, 'config', 'lfs.concurrenttransfers', '8')
    batches.length = 0
    connections.length = 0
    await ok(bob, 'download', 'shards:v0', '--to', join(bob, 'shards'))
    expect(batches).toEqual(['download 100', 'download 100', 'download 50'])
    expect(connections).toHaveLength(253)
    expect(new Set(connections).size).toBeLessThanOrEqual(9)

    // Unset, small objects move 16 at a time, still on kept-alive connections: 16 transfers and a batch call.
    const carol = await clone()
    connections.length = 0
    await ok(carol, 'download', 'shards:v0', '--to', join(carol, 'shards'))
    expect(connections).toHaveLength(253)
    expect(new Set(connections).size).toBeGreaterThan(9)
    expect(new Set(connections).size).toBeLessThanOrEqual(17)
    files.forEach((bytes, i) => expect(sha256(fs.readFileSync(join(bob, 'shards', `part-${String(i).padStart(3, '0')}.bin`)))).toBe(sha256(bytes)))
  })
})

describe('batches ahead of the uploads', () => {
  it('are asked one after another while no upload has finished (every worker held by a stalled verify call)', async () => {
    const { server, dir, batches } = await served()
    const many = join(repo.scratch, 'held')
    fs.mkdirSync(many)
    Array.from({ length: 250 }, (_, i) => randomBytes(64 + i)).forEach((bytes, i) => fs.writeFileSync(join(many, `part-${i}.bin`), bytes))
    await ok(dir, 'log', 'held', many, '--large-file-threshold', '1')
    await git(dir, 'config', 'lfs.concurrenttransfers', '8')
    batches.length = 0
    // The verify calls of the first 8 uploads (one per worker) are never answered, until the push gives up on them.
    server.failures.stallAfterBytes = { path: /\/info\/lfs\/verify$/, bytes: 0, times: 8 }
    const failed = await gmr(dir, { ...env, GMR_TIMEOUT: '3' }, ['push'])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/^error: \S+ (did not answer|stopped sending) for 3 s \(the verify call for LFS object [0-9a-f]{64}\)/)
    // Asked when the last one started to move, the third batch waited for 100 uploads of the first two (was: 2 batches here).
    expect(batches).toEqual(['upload 100', 'upload 100', 'upload 51'])
    expect(await git(server.repoPath('models'), 'for-each-ref')).toBe('')
  })
})

describe('the store beside the transfers', () => {
  it('objects keep arriving while the store has not committed any: a fetch waits for commits only at its end', async () => {
    const { server, dir } = await served()
    const many = join(repo.scratch, 'gated')
    fs.mkdirSync(many)
    const files = Array.from({ length: 20 }, (_, i) => randomBytes(1000 + i))
    files.forEach((bytes, i) => fs.writeFileSync(join(many, `part-${i}.bin`), bytes))
    await ok(dir, 'log', 'gated', many, '--large-file-threshold', '1')
    await ok(dir, 'push')
    const into = join(repo.scratch, 'gated-store')
    await git(repo.scratch, 'init', '-q', '--bare', into)
    const pointers = files.map((bytes) => ({ oid: sha256(bytes), size: bytes.length }))
    // Before, each transfer held its place until its object was committed: 8 objects in, then nothing moved.
    let allStaged = () => {}
    const everyStaged = new Promise<void>((resolve) => (allStaged = resolve))
    let staged = 0
    class GatedStore extends LfsStore {
      // Small objects arrive whole and are staged from memory.
      override async stageHeld(...args: Parameters<LfsStore['stageHeld']>) {
        const result = await super.stageHeld(...args)
        if (++staged === files.length) allStaged()
        return result
      }
      override async commit(...args: Parameters<LfsStore['commit']>) {
        await everyStaged
        return super.commit(...args)
      }
    }
    const store = new GatedStore(await openRepo({ fs: fs as unknown as FsClient, dir: into, gitdir: into }))
    const result = await new LfsClient(server.lfsUrl('models'), new CredentialSource(env)).download(store, pointers)
    expect(result).toEqual({ objects: 20, bytes: pointers.reduce((n, p) => n + p.size, 0) })
    for (const [i, { oid }] of pointers.entries()) expect(sha256(fs.readFileSync(store.objectPath(oid)))).toBe(sha256(files[i]!))
    expect(filesBelow(join(into, 'lfs', 'tmp'))).toEqual([])
  })
})

/** 256 KiB: under the client's whole-object limit, so it is read, sent and received in one piece. */
const small = randomBytes(256 * 1024)

/** Neither the object nor a temporary file of it in the clone's store. */
function keptNothing(clone: string, model: Buffer) {
  const oid = sha256(model)
  expect(fs.existsSync(join(clone, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(false)
  expect(filesBelow(join(clone, '.git', 'lfs', 'tmp'))).toEqual([])
}

/** Push churn (model.bin = small) and clone it; the clone's download answers as `answer` says. */
async function smallDownload(answer: (server: GitServer) => void) {
  const { server, dir, clone } = await served({}, small)
  await ok(dir, 'push')
  const bob = await clone()
  answer(server)
  const result = await gmr(bob, env, ['download', 'churn:v0', '--to', join(bob, 'out')])
  return { bob, result }
}

describe('small objects, moved whole', () => {
  it('an upload whose connection is cut is sent again', async () => {
    const { server, dir } = await served({}, small)
    server.failures.dropConnectionAfterBytes = { path: LFS_OBJECT, method: 'PUT', direction: 'request', bytes: 64 * 1024 }
    const pushed = await gmr(dir, env, ['push'])
    expect(pushed.code, pushed.stderr).toBe(0)
    expect(warnings(pushed.stderr)).toEqual([expect.stringMatching(/^warning: the upload of LFS object [0-9a-f]{64}: the connection broke; retrying/)])
    const puts = server.requests.filter((r) => r.class === 'lfs-object' && r.method === 'PUT')
    expect(puts.map((r) => r.fault ?? r.status)).toEqual(['dropped', 200])
    expect(sha256(fs.readFileSync(server.lfsObjectPath('models', sha256(small))))).toBe(sha256(small))
  })

  it('uploads and downloads through reused buffers, each smaller than the last, arrive as themselves (verified by the server, then the store)', async () => {
    const { server } = await served()
    const from = join(repo.scratch, 'shrinking-store')
    await git(repo.scratch, 'init', '-q', '--bare', from)
    const store = new LfsStore(await openRepo({ fs: fs as unknown as FsClient, dir: from, gitdir: from }))
    // Descending sizes, in pieces (over 1 MiB) and whole: a buffer sent past the object's own bytes would carry the tail of the one before.
    const sizes = [2.5 * 1024 * 1024 + 3, 1.5 * 1024 * 1024 + 1, 600 * 1024, 500 * 1024 - 1, 400 * 1024 - 2, 1000]
    const files = sizes.map((size) => randomBytes(size))
    for (const bytes of files) {
      const path = store.objectPath(sha256(bytes))
      fs.mkdirSync(join(path, '..'), { recursive: true })
      fs.writeFileSync(path, bytes)
    }
    const pointers = files.map((bytes) => ({ oid: sha256(bytes), size: bytes.length }))
    const client = new LfsClient(server.lfsUrl('models'), new CredentialSource(env), { concurrency: 1 })
    expect(await client.upload(store, pointers)).toEqual({ objects: 6, bytes: pointers.reduce((n, p) => n + p.size, 0) })
    for (const bytes of files) expect(sha256(fs.readFileSync(server.lfsObjectPath('models', sha256(bytes))))).toBe(sha256(bytes))

    // And back, through the same kind of reused buffers: each object received whole into one, largest first.
    const into = join(repo.scratch, 'shrinking-clone')
    await git(repo.scratch, 'init', '-q', '--bare', into)
    const received = new LfsStore(await openRepo({ fs: fs as unknown as FsClient, dir: into, gitdir: into }))
    expect(await client.download(received, pointers)).toEqual({ objects: 6, bytes: pointers.reduce((n, p) => n + p.size, 0) })
    for (const bytes of files) expect(fs.readFileSync(received.objectPath(sha256(bytes))).equals(bytes)).toBe(true)
  })

  it('a download cut mid-way is resumed with Range from the bytes already received', async () => {
    const { server, result } = await cutDownload({}, small, 64 * 1024)
    const [cut, resumed, ...more] = gets(server)
    expect(more).toEqual([])
    expect(cut).toMatchObject({ fault: 'dropped', completed: false })
    const from = Number(/^bytes=(\d+)-$/.exec(String(resumed!.headers.range))?.[1])
    expect(from).toBeGreaterThan(0)
    expect(resumed).toMatchObject({ status: 206, completed: true, bytesOut: small.length - from })
    expect(warnings(result.stderr)).toEqual([expect.stringMatching(new RegExp(`broke after ${from} of ${small.length} bytes; resuming in .* \\(retry 1 of 4\\)$`))])
  })

  it('bytes that are not the object are refused: one line, no file, nothing kept', async () => {
    const { bob, result } = await smallDownload((server) => (server.failures.streamBody = { path: LFS_OBJECT, method: 'GET', bytes: small.length }))
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      new RegExp(`^error: the bytes received for model\\.bin are not Git LFS object ${sha256(small)} \\(${small.length} bytes hashing to [0-9a-f]{64}\\); try again\n$`),
    )
    expect(fs.existsSync(join(bob, 'out'))).toBe(false)
    keptNothing(bob, small)
  })

  it('more bytes than the pointer declares are cut off: one line, no file, nothing kept', async () => {
    const { bob, result } = await smallDownload((server) => (server.failures.streamBody = { path: LFS_OBJECT, method: 'GET', bytes: 8 * small.length }))
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(new RegExp(`^error: the LFS server sent more than the ${small.length} bytes the pointer declares for LFS object ${sha256(small)} \\(model\\.bin\\); stopped there and kept nothing`))
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(fs.existsSync(join(bob, 'out'))).toBe(false)
    keptNothing(bob, small)
  })
})
