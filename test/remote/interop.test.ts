import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { makeRepo, type TempRepo, remoteUserEnv } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer } from '../helpers/gitServer.js'
import { MiB, sha256 } from '../helpers/lfs.js'
import { mustSucceed } from '../helpers/runners.js'
import { hasTool } from '../helpers/tools.js'

/**
 * Issue 6, interoperability: large files that the real git-lfs pushed are downloaded by
 * gmr, large files gmr pushed are fetched by the real git-lfs, and inside a gmr clone a
 * download fetches the large files it lacks, once.
 *
 * The server runs in this process: git is only ever called asynchronously here.
 */
let server: GitServer
let alice: TempRepo
let env: Record<string, string>
let url: string
const weights = randomBytes(3 * MiB)

const { git, ok } = mustSucceed(() => env)
const fileSha = (path: string) => sha256(fs.readFileSync(path))
/** A fresh folder under the scratch space. */
function folder(name: string): string {
  const dir = join(alice.scratch, name)
  fs.mkdirSync(dir)
  return dir
}

beforeAll(async () => {
  server = await startGitServer({ auth: { username: 'ada', password: 's3cret' } })
  server.createRepo('models')
  url = server.url('models', server.credentials)
  alice = makeRepo()
  env = remoteUserEnv(alice)
  if (hasTool('git-lfs')) await git(alice.scratch, 'lfs', 'install') // the real git-lfs: filters and hooks, for every repository here
  const out = folder('out')
  fs.writeFileSync(join(out, 'model.bin'), weights)
  fs.writeFileSync(join(out, 'config.json'), '{"layers": 3}\n')
  await ok(alice.dir, 'init')
  await ok(alice.dir, 'log', 'churn', out)
  await ok(alice.dir, 'model', 'create', 'churn-model')
  await ok(alice.dir, 'link', 'churn:v0', 'churn-model', '--alias', 'production', '--force')
  await git(alice.dir, 'remote', 'add', 'origin', url)
  await git(alice.dir, 'config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/aliases/*')
  await git(alice.dir, 'config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/remotes/origin/aliases/*')
  await ok(alice.dir, 'push')
})
afterAll(async () => {
  await server.stop()
  alice.cleanup()
})
beforeEach(() => server.resetStats())

describe.skipIf(!hasTool('git-lfs'))('with the real git-lfs', () => {
  it('a version pushed by git + git-lfs is downloaded by gmr, byte for byte', async () => {
    const ext = randomBytes(2 * MiB)
    const work = folder('ext-work')
    await git(work, 'init', '-q', '-b', 'main')
    await git(work, 'remote', 'add', 'origin', url)
    await git(work, 'checkout', '-q', '--orphan', 'artifacts/ext')
    await git(work, 'lfs', 'track', '*.bin')
    fs.writeFileSync(join(work, 'weights.bin'), ext)
    await git(work, 'add', '.gitattributes', 'weights.bin')
    await git(work, 'commit', '-q', '-m', 'ext v0\n\nartifact: ext\nversion: 0\n')
    expect(await git(work, 'show', 'HEAD:weights.bin')).toBe(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(ext)}\nsize ${ext.length}\n`)
    await git(work, 'push', '-q', 'origin', 'artifacts/ext') // git-lfs's pre-push hook uploads the object
    expect(fileSha(server.lfsObjectPath('models', sha256(ext)))).toBe(sha256(ext))

    server.resetStats()
    const target = join(alice.scratch, 'ext-deploy')
    expect(await ok(alice.scratch, 'download', `${url}#ext:v0`, '--to', target)).toBe(
      `ext (v0, artifact v0) -> ${target} (2 files: 2 written, 0 unchanged)\n`,
    )
    expect(fileSha(join(target, 'weights.bin'))).toBe(sha256(ext))
    expect(fs.readFileSync(join(target, '.gitattributes'), 'utf8')).toBe('*.bin filter=lfs diff=lfs merge=lfs -text\n')
    expect(server.stats()['lfs-object']).toMatchObject({ requests: 1, bytesOut: ext.length })
  })

  it('a version pushed by gmr is fetched by git lfs fetch and checked out by plain git; git lfs fsck is clean', async () => {
    const oid = sha256(weights)
    const plain = join(alice.scratch, 'plain-clone')
    await git(alice.scratch, 'clone', '-q', url, plain)
    const stored = join(plain, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid)
    expect(fs.existsSync(stored)).toBe(false)

    server.resetStats()
    await git(plain, 'branch', '-q', 'artifacts/churn', 'origin/artifacts/churn') // git lfs fetch takes a local ref
    await git(plain, 'lfs', 'fetch', 'origin', 'artifacts/churn')
    expect(fileSha(stored)).toBe(oid)
    expect(server.stats()['lfs-object']).toMatchObject({ requests: 1, bytesOut: weights.length })

    // The object is there already: checkout smudges from the local store, the server sees nothing.
    server.resetStats()
    await git(plain, 'checkout', '-q', 'artifacts/churn')
    expect(server.stats()['lfs-object'].requests).toBe(0)
    expect(fileSha(join(plain, 'model.bin'))).toBe(oid)
    expect(fs.readFileSync(join(plain, 'config.json'), 'utf8')).toBe('{"layers": 3}\n')
    expect(await git(plain, 'lfs', 'fsck')).toMatch(/Git LFS fsck OK/)
    expect(await git(plain, 'status', '--porcelain')).toBe('')
  })
})

describe('inside a gmr clone', () => {
  it('gmr download <model>:<alias> fetches the missing large files on demand, once', async () => {
    await ok(alice.scratch, 'clone', url, 'bob')
    const bob = join(alice.scratch, 'bob')
    // gmr clone never saves the password (there is no credential helper here): bob puts it in his remote URL himself.
    await git(bob, 'remote', 'set-url', 'origin', url)
    const oid = sha256(weights)
    expect(fs.existsSync(join(bob, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(false)

    server.resetStats()
    const first = join(alice.scratch, 'serving-1')
    expect(await ok(bob, 'download', 'churn-model:production', '--to', first)).toBe(
      `churn-model:v0 -> ${first} (2 files: 2 written, 0 unchanged)\n`,
    )
    expect(fileSha(join(first, 'model.bin'))).toBe(oid)
    // The model's files only: gmr's .gitattributes is not deployed.
    expect(fs.readdirSync(first).sort()).toEqual(['config.json', 'model.bin'])
    const stats = server.stats()
    expect(stats['lfs-batch'].requests).toBe(1)
    expect(stats['lfs-object']).toMatchObject({ requests: 1, bytesOut: weights.length })
    expect(stats['upload-pack'].requests).toBe(0)

    server.resetStats()
    const second = join(alice.scratch, 'serving-2')
    expect(await ok(bob, 'download', 'churn-model:production', '--to', second)).toBe(
      `churn-model:v0 -> ${second} (2 files: 2 written, 0 unchanged)\n`,
    )
    expect(fileSha(join(second, 'model.bin'))).toBe(oid)
    expect(server.requests).toEqual([])
  })
})
