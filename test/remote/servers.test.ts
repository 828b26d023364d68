import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testEnv, type ProcessResult } from '../helpers/gitRepo.js'
import { LFS_MEDIA_TYPE, startGitServer, type GitServer } from '../helpers/gitServer.js'
import { hasTool } from '../helpers/tools.js'

// The servers run in this process, so every git call must be asynchronous (spawn, never
// execFileSync): a blocking call would stall the server it talks to.

let base: string
let env: Record<string, string>
let counter = 0

beforeAll(async () => {
  base = fs.mkdtempSync(join(tmpdir(), 'gmr-servers-'))
  const home = join(base, 'home')
  fs.mkdirSync(home)
  env = testEnv(home, { GIT_CONFIG_GLOBAL: join(home, '.gitconfig'), GIT_TERMINAL_PROMPT: '0' })
  if (hasTool('git-lfs')) await ok(base, 'lfs', 'install')
})
afterAll(() => fs.rmSync(base, { recursive: true, force: true }))

function run(cwd: string, args: string[], extraEnv: Record<string, string> = {}, input?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: { ...env, ...extraEnv }, stdio: 'pipe' })
    child.stdin.end(input)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** Runs git and insists that it succeeds; returns stdout. */
async function ok(cwd: string, ...args: string[]): Promise<string> {
  const result = await run(cwd, args)
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}):\n${result.stderr}`)
  return result.stdout
}

/** A fresh folder under the test's temporary root. */
function folder(name: string): string {
  const dir = join(base, `${name}-${++counter}`)
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

/** A work repository with a remote `origin` at `url`. */
async function workRepo(url: string, options: { lfs?: boolean } = {}): Promise<string> {
  const dir = folder('work')
  await ok(dir, 'init', '-q', '-b', 'main')
  await ok(dir, 'remote', 'add', 'origin', url)
  if (options.lfs) await ok(dir, 'lfs', 'track', '*.bin')
  return dir
}

async function commitFile(dir: string, path: string, content: string | Buffer, message = `add ${path}`): Promise<string> {
  fs.mkdirSync(join(dir, path, '..'), { recursive: true })
  fs.writeFileSync(join(dir, path), content)
  await ok(dir, 'add', '-A')
  await ok(dir, 'commit', '-q', '-m', message)
  return (await ok(dir, 'rev-parse', 'HEAD')).trim()
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** A batch API call, as a client following the spec makes it. */
async function batch(server: GitServer, repo: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url(repo)}/info/lfs/objects/batch`, {
    method: 'POST',
    headers: { Accept: LFS_MEDIA_TYPE, 'Content-Type': LFS_MEDIA_TYPE, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

interface Action {
  href: string
  header: Record<string, string>
  expires_in: number
}
interface BatchAnswer {
  transfer: string
  objects: Array<{ oid: string; size: number; actions?: Record<string, Action>; error?: { code: number; message: string } }>
}

describe('git smart HTTP through git http-backend', () => {
  let server: GitServer
  beforeAll(async () => {
    server = await startGitServer()
  })
  afterAll(() => server.stop())

  it('serves real clone, chunked 30 MB push, ls-remote and a shallow fetch of one ref', async () => {
    server.createRepo('plain')
    const work = await workRepo(server.url('plain'))
    const first = await commitFile(work, 'README.md', '# models\n')
    await ok(work, 'update-ref', 'refs/aliases/m/production', first)
    const big = randomBytes(30 * 1024 * 1024)
    const second = await commitFile(work, 'weights.dat', big)

    server.resetStats()
    await ok(work, 'push', 'origin', 'main', 'refs/aliases/m/production')
    // Larger than http.postBuffer: git streams the pack with chunked transfer encoding.
    const pushes = server.requests.filter((r) => r.method === 'POST' && r.class === 'receive-pack')
    const packPost = pushes.find((r) => r.bytesIn > big.length)
    expect(packPost?.headers['transfer-encoding']).toBe('chunked')
    expect(packPost?.headers['content-length']).toBeUndefined()
    expect(packPost?.status).toBe(200)

    const serverRefs = await ok(server.root, '--git-dir', server.repoPath('plain'), 'show-ref')
    expect(serverRefs).toBe(`${first} refs/aliases/m/production\n${second} refs/heads/main\n`)
    const listed = await ok(work, 'ls-remote', server.url('plain'))
    expect(listed).toBe(`${second}\tHEAD\n${first}\trefs/aliases/m/production\n${second}\trefs/heads/main\n`)

    const clone = folder('clone')
    await ok(clone, 'clone', '-q', server.url('plain'), '.')
    expect(sha256(fs.readFileSync(join(clone, 'weights.dat')))).toBe(sha256(big))
    await ok(clone, 'fsck', '--strict', '--no-progress')

    // The plain-git deploy of docs/storage-format.md: one ref, depth 1, nothing else.
    const deploy = folder('deploy')
    await ok(deploy, 'init', '-q')
    server.resetStats()
    await ok(deploy, 'fetch', '-q', '--depth', '1', server.url('plain'), 'refs/aliases/m/production')
    expect((await ok(deploy, 'rev-parse', 'FETCH_HEAD')).trim()).toBe(first)
    expect((await ok(deploy, 'rev-parse', '--is-shallow-repository')).trim()).toBe('true')
    // Protocol v2 reached http-backend (GIT_PROTOCOL), and the 30 MB file stayed on the server.
    expect(server.requests.every((r) => r.headers['git-protocol'] === 'version=2')).toBe(true)
    expect(server.stats()['upload-pack'].bytesOut).toBeLessThan(10_000)
  })

  it('passes gzip-compressed request bodies through (HTTP_CONTENT_ENCODING)', async () => {
    server.createRepo('many')
    const work = await workRepo(server.url('many'))
    // Protocol v0 with 60 distinct wants makes a request body over 1 KiB, which git gzips.
    const commits = Array.from({ length: 60 }, (_, i) =>
      [`commit refs/heads/b${i}`, 'committer Ada <ada@example.com> 1700000000 +0000', 'data 2', 'c', `M 644 inline n${i}.txt`, `data ${`${i}`.length}`, `${i}`, ''].join('\n'),
    )
    const imported = await run(work, ['fast-import', '--quiet'], {}, `${commits.join('\n')}\n`)
    expect(imported.stderr).toBe('')
    await ok(work, 'push', '-q', 'origin', '--all')
    const clone = folder('clone')
    server.resetStats()
    await ok(clone, '-c', 'protocol.version=0', 'clone', '-q', '--no-single-branch', server.url('many'), '.')
    const gzipped = server.requests.find((r) => r.headers['content-encoding'] === 'gzip')
    expect(gzipped?.class).toBe('upload-pack')
    expect(gzipped?.status).toBe(200)
    expect((await ok(clone, 'branch', '-r')).split('\n').filter((l) => l.includes('origin/b'))).toHaveLength(60)
  })

  it('answers an unknown repository with 404', async () => {
    const result = await run(base, ['ls-remote', server.url('nowhere')])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain(`repository '${server.url('nowhere')}/' not found`)
    expect(server.requests.at(-1)?.status).toBe(404)
  })

  it('counts the bytes of a clone by request class, and a no-op fetch moves no pack', async () => {
    server.createRepo('counted')
    const work = await workRepo(server.url('counted'))
    await commitFile(work, 'data.dat', randomBytes(200_000))
    await ok(work, 'push', '-q', 'origin', 'main')

    server.resetStats()
    const clone = folder('clone')
    await ok(clone, 'clone', '-q', server.url('counted'), '.')
    const cloneStats = server.stats()
    expect(cloneStats['upload-pack'].requests).toBeGreaterThanOrEqual(2)
    // The pack (random data: incompressible) plus a little protocol framing.
    expect(cloneStats['upload-pack'].bytesOut).toBeGreaterThan(200_000)
    expect(cloneStats['upload-pack'].bytesOut).toBeLessThan(200_000 + 4096)
    expect(cloneStats['receive-pack'].requests).toBe(0)
    expect(cloneStats['lfs-object'].requests).toBe(0)
    expect(server.totalBytes().bytesOut).toBe(cloneStats['upload-pack'].bytesOut)

    server.resetStats()
    await ok(clone, 'fetch', '-q', 'origin')
    expect(server.stats()['upload-pack'].bytesOut).toBeLessThan(1000)
  })
})

describe.skipIf(!hasTool('git-lfs'))('Git LFS with the real git-lfs client', () => {
  let server: GitServer
  beforeAll(async () => {
    server = await startGitServer()
  })
  afterAll(() => server.stop())

  it('git lfs push, fetch and pull move a 5 MB object byte-identically, stored where git-lfs stores it', async () => {
    server.createRepo('lfs')
    const work = await workRepo(server.url('lfs'), { lfs: true })
    const model = randomBytes(5 * 1024 * 1024)
    const oid = sha256(model)
    await commitFile(work, 'model.bin', model)

    server.resetStats()
    await ok(work, 'lfs', 'push', 'origin', 'main')
    expect(sha256(fs.readFileSync(server.lfsObjectPath('lfs', oid)))).toBe(oid)
    const upload = server.requests.find((r) => r.method === 'PUT')
    expect(upload).toMatchObject({ class: 'lfs-object', status: 200, bytesIn: model.length })
    // The client sent the action's header, not its own credentials.
    expect(upload?.headers.authorization).toMatch(/^Bearer upload\./)
    expect(server.requests.find((r) => r.class === 'lfs-verify')?.status).toBe(200)
    const batchRequest = server.requests.find((r) => r.class === 'lfs-batch')
    expect(batchRequest?.headers.accept).toBe(LFS_MEDIA_TYPE)

    // git push runs the pre-push hook: the object is present, so the batch gives no actions.
    server.resetStats()
    await ok(work, 'push', '-q', 'origin', 'main')
    expect(server.stats()['lfs-batch'].requests).toBe(1)
    expect(server.stats()['lfs-object'].requests).toBe(0)

    const clone = folder('clone')
    await run(clone, ['clone', '-q', server.url('lfs'), '.'], { GIT_LFS_SKIP_SMUDGE: '1' })
    expect(fs.readFileSync(join(clone, 'model.bin'), 'utf8')).toBe(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${model.length}\n`)
    server.resetStats()
    await ok(clone, 'lfs', 'fetch', 'origin', 'main')
    expect(server.stats()['lfs-object']).toEqual({ requests: 1, bytesIn: 0, bytesOut: model.length })
    await ok(clone, 'lfs', 'pull', 'origin', 'main')
    // Already fetched: pull only checks out.
    expect(server.stats()['lfs-object'].requests).toBe(1)
    expect(sha256(fs.readFileSync(join(clone, 'model.bin')))).toBe(oid)
    expect(await ok(clone, 'lfs', 'fsck')).toContain('Git LFS fsck OK')
  })

  it('a real download cut mid-object: git-lfs retries, resuming with a Range request', async () => {
    server.createRepo('resume')
    const work = await workRepo(server.url('resume'), { lfs: true })
    const model = randomBytes(3 * 1024 * 1024)
    await commitFile(work, 'model.bin', model)
    await ok(work, 'push', '-q', 'origin', 'main')

    const clone = folder('clone')
    await run(clone, ['clone', '-q', server.url('resume'), '.'], { GIT_LFS_SKIP_SMUDGE: '1' })
    server.resetStats()
    server.failures.dropConnectionAfterBytes = { path: /\/info\/lfs\/objects\/[0-9a-f]{64}$/, bytes: 1024 * 1024 }
    await ok(clone, 'lfs', 'pull', 'origin', 'main')
    expect(sha256(fs.readFileSync(join(clone, 'model.bin')))).toBe(sha256(model))
    const gets = server.requests.filter((r) => r.class === 'lfs-object')
    expect(gets[0]).toMatchObject({ fault: 'dropped', completed: false })
    expect(gets.at(-1)).toMatchObject({ completed: true })
    // git-lfs kept the partial file and asked for the rest: `Range: bytes=<have>-<size-1>`.
    expect(gets).toHaveLength(2)
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(gets[1]!.headers.range))
    expect(Number(range?.[1])).toBeGreaterThan(0)
    expect(Number(range?.[2])).toBe(model.length - 1)
    expect(gets[1]).toMatchObject({ status: 206, bytesOut: model.length - Number(range![1]) })
  })
})

describe('the batch endpoint called directly answers per the spec', () => {
  let server: GitServer
  beforeAll(async () => {
    server = await startGitServer()
    server.createRepo('spec')
  })
  afterAll(() => server.stop())

  const bytes = Buffer.from('the weights of a very small model\n')
  const oid = sha256(bytes)

  it('upload → PUT → verify; then the object has no upload actions and downloads by href', async () => {
    const response = await batch(server, 'spec', { operation: 'upload', transfers: ['basic'], ref: { name: 'refs/heads/main' }, objects: [{ oid, size: bytes.length }] })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(LFS_MEDIA_TYPE)
    const answer = (await response.json()) as BatchAnswer
    expect(answer.transfer).toBe('basic')
    const { upload, verify } = answer.objects[0]!.actions!
    expect(upload!.href).toBe(`${server.url('spec')}/info/lfs/objects/${oid}`)
    expect(upload!.expires_in).toBe(3600)
    expect(upload!.header.Authorization).toMatch(/^Bearer /)

    // Without the action's header: 401; with wrong bytes: 422 and nothing stored.
    expect((await fetch(upload!.href, { method: 'PUT', body: bytes })).status).toBe(401)
    const wrong = await fetch(upload!.href, { method: 'PUT', headers: upload!.header, body: Buffer.from('something else entirely, and longer') })
    expect(wrong.status).toBe(422)
    expect(((await wrong.json()) as { message: string }).message).toMatch(/bytes/)
    const sameSizeWrongHash = await fetch(upload!.href, { method: 'PUT', headers: upload!.header, body: Buffer.alloc(bytes.length, 'x') })
    expect(sameSizeWrongHash.status).toBe(422)
    expect(((await sameSizeWrongHash.json()) as { message: string }).message).toMatch(/sha256/)
    expect(fs.existsSync(server.lfsObjectPath('spec', oid))).toBe(false)
    expect(fs.readdirSync(join(server.repoPath('spec'), 'lfs', 'tmp'))).toEqual([])

    const verifyBody = (size: number, forOid = oid) => ({
      method: 'POST',
      headers: { ...verify!.header, Accept: LFS_MEDIA_TYPE, 'Content-Type': LFS_MEDIA_TYPE },
      body: JSON.stringify({ oid: forOid, size }),
    })
    expect((await fetch(verify!.href, verifyBody(bytes.length))).status).toBe(404)
    expect((await fetch(upload!.href, { method: 'PUT', headers: upload!.header, body: bytes })).status).toBe(200)
    expect(fs.readFileSync(server.lfsObjectPath('spec', oid))).toEqual(bytes)
    expect((await fetch(verify!.href, verifyBody(bytes.length))).status).toBe(200)
    expect((await fetch(verify!.href, verifyBody(bytes.length + 1))).status).toBe(422)
    // A token is bound to its object.
    expect((await fetch(verify!.href, verifyBody(bytes.length, 'b'.repeat(64)))).status).toBe(403)

    const again = (await (await batch(server, 'spec', { operation: 'upload', objects: [{ oid, size: bytes.length }] })).json()) as BatchAnswer
    expect(again.objects).toEqual([{ oid, size: bytes.length }])

    const down = (await (await batch(server, 'spec', { operation: 'download', objects: [{ oid, size: bytes.length }] })).json()) as BatchAnswer
    const download = down.objects[0]!.actions!.download!
    const got = await fetch(download.href, { headers: download.header })
    expect(got.status).toBe(200)
    expect(got.headers.get('content-type')).toBe('application/octet-stream')
    expect(Buffer.from(await got.arrayBuffer())).toEqual(bytes)
    const tail = await fetch(download.href, { headers: { ...download.header, Range: 'bytes=4-' } })
    expect(tail.status).toBe(206)
    expect(tail.headers.get('content-range')).toBe(`bytes 4-${bytes.length - 1}/${bytes.length}`)
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(4))
    // A download token does not upload, and an upload token does not download.
    expect((await fetch(download.href, { method: 'PUT', headers: download.header, body: bytes })).status).toBe(403)
    expect((await fetch(upload!.href, { headers: upload!.header })).status).toBe(403)
  })

  it('a missing object gets a per-object 404 error; a malformed one a per-object 422', async () => {
    const missing = 'c'.repeat(64)
    const response = await batch(server, 'spec', { operation: 'download', transfers: ['basic'], objects: [{ oid: missing, size: 10 }, { oid: 'not-an-oid', size: -1 }] })
    expect(response.status).toBe(200)
    const answer = (await response.json()) as BatchAnswer
    expect(answer.objects[0]).toEqual({ oid: missing, size: 10, error: { code: 404, message: 'Object does not exist' } })
    expect(answer.objects[1]!.error!.code).toBe(422)
    expect(answer.objects[1]!.actions).toBeUndefined()
  })

  it('request errors are 4xx with a JSON message in the LFS media type', async () => {
    const cases: Array<[number, Promise<Response>]> = [
      [406, batch(server, 'spec', { operation: 'download', objects: [] }, { Accept: 'application/json' })],
      [400, batch(server, 'spec', '{"operation": "download", ')],
      [422, batch(server, 'spec', { operation: 'delete', objects: [] })],
      [422, batch(server, 'spec', { operation: 'download' })],
      [422, batch(server, 'spec', { operation: 'download', transfers: ['tus'], objects: [] })],
      [409, batch(server, 'spec', { operation: 'download', hash_algo: 'sha512', objects: [] })],
      [404, batch(server, 'elsewhere', { operation: 'download', objects: [] })],
      [405, fetch(`${server.url('spec')}/info/lfs/objects/batch`, { headers: { Accept: LFS_MEDIA_TYPE } })],
    ]
    for (const [status, pending] of cases) {
      const response = await pending
      expect(response.status).toBe(status)
      expect(response.headers.get('content-type')).toBe(LFS_MEDIA_TYPE)
      expect(typeof ((await response.json()) as { message: unknown }).message).toBe('string')
    }
  })
})

describe('LFS options', () => {
  it('expired action tokens are refused, verify can be left out, and LFS can be switched off', async () => {
    const expired = await startGitServer({ lfs: { expiresIn: -1, verify: false } })
    const noLfs = await startGitServer({ lfs: { enabled: false } })
    try {
      expired.createRepo('r')
      noLfs.createRepo('r')
      const bytes = Buffer.from('x')
      const answer = (await (await batch(expired, 'r', { operation: 'upload', objects: [{ oid: sha256(bytes), size: 1 }] })).json()) as BatchAnswer
      const { upload, verify } = answer.objects[0]!.actions!
      expect(verify).toBeUndefined()
      expect(upload!.expires_in).toBe(-1)
      const put = await fetch(upload!.href, { method: 'PUT', headers: upload!.header, body: bytes })
      expect(put.status).toBe(403)
      expect(((await put.json()) as { message: string }).message).toMatch(/expired/)
      expect((await batch(noLfs, 'r', { operation: 'download', objects: [] })).status).toBe(404)
    } finally {
      await expired.stop()
      await noLfs.stop()
    }
  })
})

describe('basic auth', () => {
  let server: GitServer
  const reader = { username: 'bob', password: 'read-only' }
  beforeAll(async () => {
    server = await startGitServer({ auth: { username: 'ada', password: 's3cret', readers: [reader] } })
    server.createRepo('private')
  })
  afterAll(() => server.stop())

  it('git without or with wrong credentials fails with an auth error; with the URL credential it works', async () => {
    const missing = await run(base, ['ls-remote', server.url('private')])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toMatch(/could not read Username/)
    const wrong = await run(base, ['ls-remote', server.url('private', { username: 'ada', password: 'nope' })])
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toMatch(/Authentication failed/)

    const work = await workRepo(server.url('private', server.credentials), { lfs: true })
    const model = randomBytes(100_000)
    const head = await commitFile(work, 'model.bin', model)
    await ok(work, 'push', '-q', 'origin', 'main')
    expect(server.requests.filter((r) => r.class === 'receive-pack' && r.status === 200).every((r) => r.user === 'ada')).toBe(true)
    expect(sha256(fs.readFileSync(server.lfsObjectPath('private', sha256(model))))).toBe(sha256(model))

    // A reader clones (with LFS objects), but may not push.
    const clone = folder('clone')
    await ok(clone, 'clone', '-q', server.url('private', reader), '.')
    expect(sha256(fs.readFileSync(join(clone, 'model.bin')))).toBe(sha256(model))
    await commitFile(clone, 'other.txt', 'x\n')
    const push = await run(clone, ['push', 'origin', 'main'])
    expect(push.code).not.toBe(0)
    expect(push.stderr).toMatch(/403/)
    expect((await ok(base, '--git-dir', server.repoPath('private'), 'rev-parse', 'main')).trim()).toBe(head)
  })

  it('answers git with 401 + WWW-Authenticate and the batch API with 401 + LFS-Authenticate, and readers with 403 on upload', async () => {
    const git = await fetch(`${server.url('private')}/info/refs?service=git-upload-pack`)
    expect(git.status).toBe(401)
    expect(git.headers.get('www-authenticate')).toMatch(/^Basic realm=/)
    const lfs = await batch(server, 'private', { operation: 'download', objects: [] })
    expect(lfs.status).toBe(401)
    expect(lfs.headers.get('lfs-authenticate')).toMatch(/^Basic realm=/)
    expect(lfs.headers.get('content-type')).toBe(LFS_MEDIA_TYPE)
    expect(((await lfs.json()) as { message: string }).message).toBe('authentication required')
    const basic = (c: { username: string; password: string }) => ({ Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` })
    const upload = { operation: 'upload', objects: [{ oid: 'd'.repeat(64), size: 1 }] }
    expect((await batch(server, 'private', upload, basic(reader))).status).toBe(403)
    expect((await batch(server, 'private', upload, basic(server.credentials!))).status).toBe(200)
  })
})

describe('fault hooks', () => {
  let server: GitServer
  beforeAll(async () => {
    server = await startGitServer()
  })
  afterAll(() => server.stop())

  it('a connection dropped mid-fetch fails a real git fetch, moves no ref, and the retry succeeds', async () => {
    server.createRepo('fetchfault')
    const work = await workRepo(server.url('fetchfault'))
    const head = await commitFile(work, 'data.dat', randomBytes(2 * 1024 * 1024))
    await ok(work, 'push', '-q', 'origin', 'main')
    const local = await workRepo(server.url('fetchfault'))

    server.resetStats()
    server.failures.dropConnectionAfterBytes = { path: /\/git-upload-pack$/, method: 'POST', bytes: 64 * 1024 }
    const cut = await run(local, ['fetch', 'origin'])
    expect(cut.code).not.toBe(0)
    expect(server.requests.some((r) => r.fault === 'dropped' && !r.completed)).toBe(true)
    expect((await run(local, ['rev-parse', '--verify', '-q', 'refs/remotes/origin/main'])).code).not.toBe(0)
    await ok(local, 'fsck', '--strict', '--no-progress')

    expect(server.failures.dropConnectionAfterBytes).toBeUndefined()
    await ok(local, 'fetch', '-q', 'origin')
    expect((await ok(local, 'rev-parse', 'refs/remotes/origin/main')).trim()).toBe(head)
  })

  it('a connection dropped mid-push (request body) fails a real git push, the server ref stays, and the retry succeeds', async () => {
    server.createRepo('pushfault')
    const work = await workRepo(server.url('pushfault'))
    const first = await commitFile(work, 'a.txt', 'a\n')
    await ok(work, 'push', '-q', 'origin', 'main')
    const second = await commitFile(work, 'data.dat', randomBytes(3 * 1024 * 1024))

    server.resetStats()
    server.failures.dropConnectionAfterBytes = { path: /\/git-receive-pack$/, method: 'POST', direction: 'request', bytes: 512 * 1024 }
    const cut = await run(work, ['push', 'origin', 'main'])
    expect(cut.code).not.toBe(0)
    expect(server.requests.find((r) => r.fault === 'dropped')).toMatchObject({ class: 'receive-pack', bytesIn: 512 * 1024, completed: false })
    const bare = server.repoPath('pushfault')
    expect((await ok(base, '--git-dir', bare, 'rev-parse', 'main')).trim()).toBe(first)
    await ok(base, '--git-dir', bare, 'fsck', '--strict', '--no-progress')

    await ok(work, 'push', '-q', 'origin', 'main')
    expect((await ok(base, '--git-dir', bare, 'rev-parse', 'main')).trim()).toBe(second)
  })

  it('respondWith forces one status, then the server answers normally', async () => {
    server.createRepo('forced')
    server.failures.respondWith = { path: /info\/refs/, status: 500 }
    const failed = await run(base, ['ls-remote', server.url('forced')])
    expect(failed.code).not.toBe(0)
    expect(failed.stderr).toMatch(/500/)
    expect((await run(base, ['ls-remote', server.url('forced')])).code).toBe(0)

    const work = await workRepo(server.url('forced'), { lfs: true })
    await commitFile(work, 'model.bin', randomBytes(1000))
    server.failures.respondWith = { path: /\/info\/lfs\/objects\/batch$/, status: 403, times: 20 }
    const refused = await run(work, ['lfs', 'push', 'origin', 'main'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/403|forbidden|forced/i)
    delete server.failures.respondWith
    await ok(work, 'lfs', 'push', 'origin', 'main')
  })
})
