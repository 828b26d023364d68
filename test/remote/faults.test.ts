import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { gmr, type CliResult } from '../helpers/cli.js'
import { transportError } from '../../src/remote/remoteGit.js'
import { gmrProcess, makeRepo, type TempRepo, remoteUserEnv } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer } from '../helpers/gitServer.js'
import { sha256 } from '../helpers/lfs.js'
import { mustSucceed } from '../helpers/runners.js'

/**
 * Issue 6, faults and bad input: a server that dies mid-push and mid-fetch, refusals
 * (401/403/404) from git and from LFS, an LFS object missing on the server, and remote
 * trees crafted to write outside the target. Each must be one clear line, exit 1, no
 * local ref moved, nothing written, and the retry must work.
 *
 * The server runs in this process: git is only ever called asynchronously here.
 */
let server: GitServer
let alice: TempRepo
let env: Record<string, string>
let url: string
let bobDir: string
const PORT = String.raw`127\.0\.0\.1:\d+`
/** The LFS client tries a cut transfer again by itself (test/remote/lfsTransfer.test.ts); these cases are about the cut that stays cut. */
const NO_RETRIES = { GMR_LFS_RETRIES: '0' }

const { git, ok } = mustSucceed(() => env)
/** A gmr command that must fail the way a user wants: exit 1 and exactly one line on stderr, matching `message`. */
async function fails(cwd: string, args: string[], message: RegExp, extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const result = await gmr(cwd, { ...env, ...extraEnv }, args)
  expect(result.stderr).toMatch(message)
  expect(result.stderr.split('\n')).toHaveLength(2)
  expect(result.code).toBe(1)
  expect(result.stdout).toBe('')
  return result
}

/** Every ref and what it points at. */
const refs = (dir: string) => git(dir, 'for-each-ref', '--format=%(refname) %(objectname)')
const serverRefs = () => git(alice.scratch, '--git-dir', server.repoPath('models'), 'for-each-ref', '--format=%(refname) %(objectname)')
/**
 * No error and no warning from `git fsck --strict`. Dangling objects are not damage: a pack
 * cut short leaves the objects that came whole (git's unpack-objects writes as it reads),
 * unreachable until gc.
 */
const fsckClean = async (dir: string) => expect(await git(dir, 'fsck', '--strict', '--no-progress', '--no-dangling')).toBe('')

let counter = 0
/** A new model folder: a 3 MB LFS file and a 270 kB JSON (a plain blob, so the git pack is big enough to cut). */
function weights(): string {
  const dir = join(alice.scratch, `weights-${++counter}`)
  fs.mkdirSync(dir)
  fs.writeFileSync(join(dir, 'model.bin'), randomBytes(3 * 1024 * 1024))
  fs.writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ vocab: randomBytes(200_000).toString('base64') }))
  return dir
}
/** Logs a new version of churn with fresh bytes; returns its number. */
async function newVersion(): Promise<number> {
  return Number(/^churn:v(\d+)\n$/.exec(await ok(alice.dir, 'log', 'churn', weights()))![1])
}
const modelOid = async (rev: string) => /oid sha256:([0-9a-f]{64})/.exec(await git(alice.dir, 'show', `${rev}:model.bin`))![1]!

beforeAll(async () => {
  server = await startGitServer({ auth: { username: 'ada', password: 's3cret', readers: [{ username: 'rex', password: 'r3ad' }] } })
  server.createRepo('models')
  url = server.url('models', server.credentials)
  alice = makeRepo()
  env = remoteUserEnv(alice)
  await ok(alice.dir, 'init')
  await ok(alice.dir, 'log', 'churn', weights())
  await ok(alice.dir, 'model', 'create', 'churn-model')
  await ok(alice.dir, 'link', 'churn:v0', 'churn-model', '--alias', 'production', '--force')
  await git(alice.dir, 'remote', 'add', 'origin', url)
  await git(alice.dir, 'config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/aliases/*')
  await git(alice.dir, 'config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/remotes/origin/aliases/*')
  await ok(alice.dir, 'push')
  bobDir = join(alice.scratch, 'bob')
  await ok(alice.scratch, 'clone', url, 'bob')
  // gmr clone never saves the password (there is no credential helper here): bob puts it in his remote URL himself.
  await git(bobDir, 'remote', 'set-url', 'origin', url)
})
afterAll(async () => {
  await server.stop()
  alice.cleanup()
})
beforeEach(() => {
  server.failures = {}
  server.resetStats()
})

describe('a server killed mid-push', () => {
  it('cut while receiving the pack: one line, nothing moved on either side, and the retry pushes', async () => {
    await newVersion()
    const [localBefore, remoteBefore] = [await refs(alice.dir), await serverRefs()]
    // Twice: curl silently resends a request once when a reused connection dies before any answer.
    server.failures.dropConnectionAfterBytes = { path: /\/git-receive-pack$/, method: 'POST', direction: 'request', bytes: 300, times: 2 }
    await fails(
      alice.dir,
      ['push'],
      // curl's own words vary with where the cut lands (reset while sending or while waiting).
      /^error: cannot push to origin: the connection broke mid-transfer \(curl \d+ [^)]+\); nothing was changed locally, try again\n$/,
    )
    const sent = server.requests.filter((r) => r.class === 'receive-pack' && r.method === 'POST')
    expect(sent.length).toBeGreaterThan(0)
    expect(sent.every((r) => r.fault === 'dropped' && !r.completed)).toBe(true)
    delete server.failures.dropConnectionAfterBytes // in case curl did not resend
    expect(await refs(alice.dir)).toBe(localBefore)
    expect(await serverRefs()).toBe(remoteBefore)
    await fsckClean(alice.dir)

    // The large file went up before the refs were sent; the retry finds it there.
    server.resetStats()
    expect(await ok(alice.dir, 'push')).toBe('pushed refs/heads/artifacts/churn\n')
    expect(server.stats()['lfs-object'].requests).toBe(0)
    expect(await serverRefs()).toContain(`refs/heads/artifacts/churn ${(await git(alice.dir, 'rev-parse', 'artifacts/churn')).trim()}`)
  })

  it('cut while uploading a large file: one line, no ref moved anywhere, no partial object kept, and the retry pushes', async () => {
    await newVersion()
    const oid = await modelOid('artifacts/churn')
    const [localBefore, remoteBefore] = [await refs(alice.dir), await serverRefs()]
    server.failures.dropConnectionAfterBytes = { path: /\/info\/lfs\/objects\/[0-9a-f]{64}$/, method: 'PUT', direction: 'request', bytes: 1024 * 1024 }
    await fails(alice.dir, ['push'], new RegExp(`^error: connection to http://${PORT} failed \\((ECONNRESET|EPIPE)\\); nothing was changed locally, try again\\n$`), NO_RETRIES)
    expect(server.requests.find((r) => r.fault === 'dropped')).toMatchObject({ class: 'lfs-object', bytesIn: 1024 * 1024, completed: false })
    expect(server.requests.some((r) => r.class === 'receive-pack')).toBe(false)
    expect(fs.existsSync(server.lfsObjectPath('models', oid))).toBe(false)
    expect(await refs(alice.dir)).toBe(localBefore)
    expect(await serverRefs()).toBe(remoteBefore)
    await fsckClean(alice.dir)

    expect(await ok(alice.dir, 'push')).toBe('pushed refs/heads/artifacts/churn\nuploaded 1 large files (3.0 MiB)\n')
    expect(sha256(fs.readFileSync(server.lfsObjectPath('models', oid)))).toBe(oid)
  })
})

describe('a server that keeps idle connections open', () => {
  it('gmr push, as a process, exits once it is done instead of waiting for the server to hang up', async () => {
    const patient = await startGitServer({ keepAliveTimeout: 10 * 60_000 })
    try {
      patient.createRepo('models')
      await git(alice.dir, 'remote', 'add', 'patient', patient.url('models'))
      // Only a hang trips this watchdog: the push itself takes about a second.
      const pushed = gmrProcess(alice.dir, env, ['push', 'patient'])
      const watchdog = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000).unref())
      const result = await Promise.race([pushed, watchdog])
      expect(result).not.toBe('hung')
      expect(result).toMatchObject({ code: 0, stderr: '' })
      expect((result as { stdout: string }).stdout).toMatch(/^uploaded \d+ large files/m)
    } finally {
      await git(alice.dir, 'remote', 'remove', 'patient')
      await patient.stop()
    }
  })
})

describe('a server killed mid-fetch of the git pack', () => {
  const cut = () => {
    // Past git's small ref-listing requests, inside the pack.
    server.failures.dropConnectionAfterBytes = { path: /\/git-upload-pack$/, method: 'POST', bytes: 64 * 1024 }
  }
  const brokenFetch = (where: string) =>
    new RegExp(
      `^error: cannot fetch from ${where}: the connection broke mid-transfer \\(curl \\d+ [^)]+\\); nothing was changed locally, try again\\n$`,
    )

  it('gmr fetch in a clone: one line, no ref moved, the repository intact; the retry fast-forwards', async () => {
    await newVersion()
    await ok(alice.dir, 'push')
    const tip = (await git(alice.dir, 'rev-parse', 'artifacts/churn')).trim()
    const before = await refs(bobDir)
    cut()
    await fails(bobDir, ['fetch'], brokenFetch('origin'))
    expect(server.requests.find((r) => r.fault === 'dropped')).toMatchObject({ class: 'upload-pack', bytesOut: 64 * 1024, completed: false })
    expect(await refs(bobDir)).toBe(before)
    await fsckClean(bobDir)

    expect(await ok(bobDir, 'fetch')).toBe(`churn: fast-forwarded to ${tip.slice(0, 10)}\n`)
    expect((await git(bobDir, 'rev-parse', 'artifacts/churn')).trim()).toBe(tip)
    await fsckClean(bobDir)
  })

  it('gmr download <url>#…: one line, no folder, nothing kept in the cache; the retry downloads', async () => {
    const latest = await newVersion()
    await ok(alice.dir, 'push')
    server.resetStats()
    const cache = join(alice.scratch, 'cache-cut')
    const target = join(alice.scratch, 'deploy-cut')
    cut()
    await fails(alice.scratch, ['download', `${url}#churn:latest`, '--to', target], brokenFetch(`http://${PORT}/models\\.git`), { XDG_CACHE_HOME: cache })
    expect(server.requests.find((r) => r.fault === 'dropped')).toMatchObject({ class: 'upload-pack', completed: false })
    expect(fs.existsSync(target)).toBe(false)
    expect(server.stats()['lfs-batch'].requests).toBe(0)
    const [cached] = fs.readdirSync(join(cache, 'gmr', 'repos'))
    expect(await git(alice.scratch, '--git-dir', join(cache, 'gmr', 'repos', cached!), 'for-each-ref')).toBe('')

    const retried = await ok(alice.scratch, 'download', `${url}#churn:latest`, '--to', target)
    expect(retried).toBe(`churn (latest, artifact v${latest}) -> ${target} (2 files: 2 written, 0 unchanged)\n`)
    expect(sha256(fs.readFileSync(join(target, 'model.bin')))).toBe(await modelOid('artifacts/churn'))
    expect(fs.existsSync(join(target, '.gitattributes'))).toBe(false)
  })
})

describe("git's failure output becomes one line that says what happened", () => {
  // git's exact output in the cases above, so the wording is checked whatever curl says on this machine.
  it('a connection cut mid-push, mid-fetch; a 403; never the porcelain "Done"', () => {
    const pushCut = {
      code: 1,
      stdout: 'Done\n',
      stderr: 'error: RPC failed; curl 56 Recv failure: Connection reset by peer\nsend-pack: unexpected disconnect while reading sideband packet\nfatal: the remote end hung up unexpectedly\n',
    }
    expect(transportError('push to', 'origin', pushCut).message).toBe(
      'cannot push to origin: the connection broke mid-transfer (curl 56 Recv failure: Connection reset by peer); nothing was changed locally, try again',
    )
    const fetchCut = {
      code: 128,
      stdout: '',
      stderr:
        'error: RPC failed; curl 18 transfer closed with outstanding read data remaining\nerror: 125 bytes of body are still expected\nfetch-pack: unexpected disconnect while reading sideband packet\nfatal: early EOF\nfatal: unpack-objects failed\n',
    }
    expect(transportError('fetch from', 'https://ada:s3cret@git.example.com/models.git', fetchCut).message).toBe(
      'cannot fetch from https://git.example.com/models.git: the connection broke mid-transfer (curl 18 transfer closed with outstanding read data remaining); nothing was changed locally, try again',
    )
    const forbidden = { code: 128, stdout: '', stderr: "fatal: unable to access 'http://127.0.0.1:1234/models.git/': The requested URL returned error: 403\n" }
    expect(transportError('push to', 'origin', forbidden)).toMatchObject({
      code: 'RemoteAuthError',
      message: 'cannot push to origin: the server refused access (403); check that your account may read or write this repository',
    })
    const odd = { code: 1, stdout: 'Done\n', stderr: 'fatal: protocol error: bad pack header\n' }
    expect(transportError('push to', 'origin', odd).message).toBe('cannot push to origin: protocol error: bad pack header; nothing was changed locally, try again')
  })
})

describe('refusals from git and from LFS', () => {
  it('401 from git: no credentials in the URL and no helper', async () => {
    const anonymous = server.url('models')
    await git(bobDir, 'remote', 'set-url', 'origin', anonymous)
    try {
      const before = await refs(bobDir)
      await fails(
        bobDir,
        ['fetch'],
        /^error: cannot fetch from origin: authentication failed; put credentials in a credential helper \(git config credential\.helper\) or in the URL\n$/,
      )
      expect(await refs(bobDir)).toBe(before)
      await fails(
        alice.scratch,
        ['clone', anonymous, 'anonymous'],
        new RegExp(`^error: cannot clone http://${PORT}/models\\.git: authentication failed; put credentials in a credential helper`),
      )
      expect(fs.existsSync(join(alice.scratch, 'anonymous'))).toBe(false)
    } finally {
      await git(bobDir, 'remote', 'set-url', 'origin', url)
    }
  })

  it('403 from git: a reader may fetch but not push', async () => {
    await git(bobDir, 'remote', 'set-url', 'origin', server.url('models', { username: 'rex', password: 'r3ad' }))
    try {
      // A new artifact of small files: no large file to upload, so git is the first to refuse.
      const notes = join(alice.scratch, 'notes')
      fs.mkdirSync(notes)
      fs.writeFileSync(join(notes, 'README.md'), 'release notes\n')
      expect(await ok(bobDir, 'log', 'notes', notes)).toBe('notes:v0\n')
      const [before, remoteBefore] = [await refs(bobDir), await serverRefs()]
      await fails(
        bobDir,
        ['push'],
        /^error: cannot push to origin: the server refused access \(403\); check that your account may read or write this repository\n$/,
      )
      expect(await refs(bobDir)).toBe(before)
      expect(await serverRefs()).toBe(remoteBefore)
    } finally {
      await git(bobDir, 'remote', 'set-url', 'origin', url)
    }
    expect(await ok(bobDir, 'push')).toBe('pushed refs/heads/artifacts/notes\n')
  })

  it('403 from the LFS batch endpoint, on push and on download', async () => {
    const version = await newVersion()
    const [before, remoteBefore] = [await refs(alice.dir), await serverRefs()]
    const refused = new RegExp(
      `^error: the LFS server http://${PORT}/models\\.git/info/lfs refused access \\(403\\); check that your account may read or write this repository\\n$`,
    )
    server.failures.respondWith = { path: /\/info\/lfs\/objects\/batch$/, status: 403 }
    await fails(alice.dir, ['push'], refused)
    expect(server.stats()['receive-pack'].requests).toBe(0)
    expect(await refs(alice.dir)).toBe(before)
    expect(await serverRefs()).toBe(remoteBefore)
    await ok(alice.dir, 'push')

    const target = join(alice.scratch, 'deploy-403')
    server.failures.respondWith = { path: /\/info\/lfs\/objects\/batch$/, status: 403 }
    await fails(alice.scratch, ['download', `${url}#churn:v${version}`, '--to', target], refused, { XDG_CACHE_HOME: join(alice.scratch, 'cache-403') })
    expect(fs.existsSync(target)).toBe(false)
  })

  it('401 from LFS: an lfsurl without credentials', async () => {
    await newVersion()
    await git(alice.dir, 'config', 'remote.origin.lfsurl', server.lfsUrl('models'))
    try {
      const [before, remoteBefore] = [await refs(alice.dir), await serverRefs()]
      await fails(
        alice.dir,
        ['push'],
        new RegExp(`^error: the LFS server http://${PORT}/models\\.git/info/lfs needs credentials \\(401\\); put them in a git credential helper or in the remote URL\\n$`),
      )
      expect(await refs(alice.dir)).toBe(before)
      expect(await serverRefs()).toBe(remoteBefore)
    } finally {
      await git(alice.dir, 'config', '--unset', 'remote.origin.lfsurl')
    }
    await ok(alice.dir, 'push')
  })

  it('404 from git and from LFS: a wrong repository name', async () => {
    const wrong = server.url('modles', server.credentials)
    await git(bobDir, 'remote', 'set-url', 'origin', wrong)
    try {
      await fails(bobDir, ['fetch'], /^error: cannot fetch from origin: no repository there; check the URL\n$/)
    } finally {
      await git(bobDir, 'remote', 'set-url', 'origin', url)
    }
    await fails(alice.scratch, ['clone', wrong, 'wrong'], new RegExp(`^error: cannot clone http://${PORT}/modles\\.git: no repository there; check the URL\\n$`))
    expect(fs.existsSync(join(alice.scratch, 'wrong'))).toBe(false)

    await newVersion()
    await git(alice.dir, 'config', 'lfs.url', `${wrong}/info/lfs`)
    try {
      const [before, remoteBefore] = [await refs(alice.dir), await serverRefs()]
      await fails(
        alice.dir,
        ['push'],
        new RegExp(
          `^error: cannot upload LFS objects: http://${PORT}/modles\\.git/info/lfs answered 404 \\(repository modles not found\\); check the remote URL or lfs\\.url\\n$`,
        ),
      )
      expect(await refs(alice.dir)).toBe(before)
      expect(await serverRefs()).toBe(remoteBefore)
    } finally {
      await git(alice.dir, 'config', '--unset', 'lfs.url')
    }
    await ok(alice.dir, 'push')
  })

  it('an LFS object missing on the server: one line naming the file and the oid, nothing written', async () => {
    const version = await newVersion()
    await ok(alice.dir, 'push')
    const oid = await modelOid('artifacts/churn')
    fs.rmSync(server.lfsObjectPath('models', oid))
    const target = join(alice.scratch, 'deploy-missing')
    await fails(
      alice.scratch,
      ['download', `${url}#churn:v${version}`, '--to', target],
      new RegExp(`^error: the remote has no LFS object ${oid} \\(model\\.bin\\): it was never uploaded; push it from a clone that has it \\(gmr push\\)\\n$`),
      { XDG_CACHE_HOME: join(alice.scratch, 'cache-missing') },
    )
    expect(fs.existsSync(target)).toBe(false)
    expect(fs.readdirSync(alice.scratch).filter((name) => name.startsWith('deploy-missing'))).toEqual([])
  })
})

describe('remote trees crafted to escape the target', () => {
  /** A raw tree object: entries [mode, name, oid], written as given (no sorting, no checks). */
  async function rawTree(work: string, entries: Array<[string, string, string]>): Promise<string> {
    const file = join(work, `tree-${++counter}`)
    fs.writeFileSync(file, Buffer.concat(entries.map(([mode, name, oid]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')]))))
    return (await git(work, 'hash-object', '-w', '-t', 'tree', '--literally', file)).trim()
  }
  async function blob(work: string, content: string): Promise<string> {
    const file = join(work, `blob-${++counter}`)
    fs.writeFileSync(file, content)
    return (await git(work, 'hash-object', '-w', file)).trim()
  }
  /** Pushes `tree` with plain git as v0 of artifact `name`, in gmr's message format. */
  async function pushVersion(work: string, name: string, tree: string): Promise<void> {
    const commit = (await git(work, 'commit-tree', tree, '-m', `${name} v0\n\nartifact: ${name}\nversion: 0\n`)).trim()
    await git(work, 'push', '-q', url, `${commit}:refs/heads/artifacts/${name}`)
  }

  const cases: Array<[string, (work: string) => Promise<string>, string]> = [
    [
      'dots',
      async (w) => rawTree(w, [['40000', '..', await rawTree(w, [['100644', 'escaped.txt', await blob(w, 'outside\n')]])]]),
      'the version holds the path "../escaped.txt" and it has a ".." component',
    ],
    [
      'dotgit',
      async (w) => {
        const hook = await blob(w, '#!/bin/sh\necho owned\n')
        return rawTree(w, [
          ['40000', '.git', await rawTree(w, [['40000', 'hooks', await rawTree(w, [['100755', 'post-checkout', hook]])]])],
          ['100644', 'model.json', await blob(w, '{}\n')],
        ])
      },
      'the version holds the path ".git/hooks/post-checkout" and it has a ".git" component',
    ],
    [
      'symlink',
      async (w) => rawTree(w, [['120000', 'weights', await blob(w, '../../escaped')], ['100644', 'model.json', await blob(w, '{}\n')]]),
      'symlink "weights" -> "../../escaped" points outside the target folder',
    ],
    [
      'chained-symlinks',
      // Each link is harmless read alone; followed on disk, `up` leaves the folder.
      async (w) => rawTree(w, [['120000', 'here', await blob(w, '.')], ['120000', 'up', await blob(w, 'here/..')]]),
      'symlink "up" -> "here/.." points outside the target folder',
    ],
  ]

  it.each(cases)('%s: gmr download refuses before writing anything', async (kind, build, reason) => {
    const work = join(alice.scratch, `crafted-${kind}`)
    fs.mkdirSync(work)
    await git(work, 'init', '-q')
    const name = `evil-${kind}`
    await pushVersion(work, name, await build(work))

    const parent = join(alice.scratch, `land-${kind}`)
    fs.mkdirSync(parent)
    const target = join(parent, 'model')
    await fails(alice.scratch, ['download', `${url}#${name}:v0`, '--to', target], new RegExp(`^error: refusing to download ${name}:v0: ${escape(reason)}\\n$`))
    expect(fs.readdirSync(parent)).toEqual([])
    expect(fs.existsSync(join(alice.scratch, 'escaped'))).toBe(false)
    expect(fs.existsSync(join(alice.scratch, 'escaped.txt'))).toBe(false)
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
