import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runGit } from '../../src/git/gitBinary.js'
import { pushRejection, transportError } from '../../src/remote/remoteGit.js'
import { gmr, type CliResult } from '../helpers/cli.js'
import { gmrProcess, type TempRepo } from '../helpers/gitRepo.js'
import type { GitServer } from '../helpers/gitServer.js'
import { servedRegistry } from '../helpers/servedRegistry.js'
import { mustSucceed } from '../helpers/runners.js'

/**
 * Issue 10, part A, against the real `git http-backend` and LFS test servers: no URL runs
 * a command, a stalled server is given up on in one line, the deployment cache is
 * verified and repairs itself, an LFS download stops at the pointer's size, every remote
 * failure says what it was, and a URL's password never lands in .git/config.
 */
let server: GitServer
let repo: TempRepo
let env: Record<string, string>
let url: string
let nodeOnly: string
const weights = randomBytes(3 * 1024 * 1024)
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const PORT = String.raw`127\.0\.0\.1:\d+`
const LFS_OBJECT = /\/info\/lfs\/objects\/[0-9a-f]{64}$/

const { git, ok } = mustSucceed(() => env)

let counter = 0
/** A fresh deploy target and cache, so each case starts cold. */
function fresh(): { target: string; cache: string; env: Record<string, string> } {
  const n = ++counter
  const cache = join(repo.scratch, `cache-${n}`)
  return { target: join(repo.scratch, `deploy-${n}`), cache, env: { ...env, XDG_CACHE_HOME: cache } }
}

/** Exit 1, exactly one line on stderr matching `message`, nothing on stdout. */
function failsWith(result: CliResult, message: RegExp): void {
  expect(result.stderr).toMatch(message)
  expect(result.stderr.split('\n')).toHaveLength(2)
  expect(result.stdout).toBe('')
  expect(result.code).toBe(1)
}

/** Every file under `dir`, recursively (empty when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

/** The one cache repository under a cache folder. */
function cacheRepo(cache: string): string {
  const repos = fs.readdirSync(join(cache, 'gmr', 'repos')).filter((n) => n.endsWith('.git'))
  expect(repos).toHaveLength(1)
  return join(cache, 'gmr', 'repos', repos[0]!)
}

beforeAll(async () => {
  ;({ server, repo, env, url } = await servedRegistry(weights, 'prod'))
  await ok(repo.dir, 'push')
  nodeOnly = join(repo.scratch, 'node-only-bin')
  fs.mkdirSync(nodeOnly, { recursive: true })
  fs.symlinkSync(process.execPath, join(nodeOnly, 'node'))
})
afterAll(async () => {
  await server.stop()
  repo.cleanup()
})
beforeEach(() => {
  server.failures = {}
  server.resetStats()
})

describe('no URL runs a command or an unlisted transport', () => {
  it('a URL that starts with "-" is refused and never reaches git as an option', async () => {
    const work = join(repo.scratch, 'inject')
    fs.mkdirSync(work)
    const result = await gmr(work, env, ['download', '--to', 'out', '--', '--upload-pack=touch pwned#m:v0'])
    failsWith(result, /^error: refusing remote URL "--upload-pack=touch pwned": it starts with "-"/)
    const cloned = await gmr(work, env, ['clone', '--', '--upload-pack=touch pwned', 'x'])
    failsWith(cloned, /^error: refusing remote URL "--upload-pack=touch pwned"/)
    expect(fs.existsSync(join(work, 'pwned'))).toBe(false)
    expect(fs.existsSync(join(work, 'out'))).toBe(false)
  })

  it('fd:: and ext:: fail at once with one line', async () => {
    const work = join(repo.scratch, 'transports')
    fs.mkdirSync(work)
    for (const ref of ['fd::7#m:v0', 'fd::0,1#m:v0', 'ext::sh -c touch% pwned#m:v0']) {
      const result = await gmr(work, env, ['download', ref, '--to', 'out'])
      failsWith(result, /^error: refusing remote URL ".*": transport "(fd|ext)::" is not allowed; gmr talks to remotes over https, http, ssh, git, file only\n$/)
    }
    expect(fs.readdirSync(work)).toEqual([])
  })

  it('every git gmr runs carries the allow-list, whatever a config file names', async () => {
    const marker = join(repo.scratch, 'ext-marker')
    const run = await runGit(['ls-remote', `ext::sh -c touch% ${marker}`], { env })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/transport 'ext' not allowed/)
    expect(fs.existsSync(marker)).toBe(false)
    // A remote whose configured URL is a helper is refused before git runs.
    const clone = join(repo.scratch, 'ext-remote')
    await git(repo.scratch, 'clone', '-q', url, clone)
    await git(clone, 'remote', 'add', 'evil', `ext::sh -c touch% ${marker}`)
    failsWith(await gmr(clone, env, ['fetch', 'evil']), /^error: refusing remote URL "ext::sh -c touch% .*": transport "ext::" is not allowed/)
    expect(fs.existsSync(marker)).toBe(false)
  })
})

describe('timeouts: a stalled server is given up on, in one line, with nothing partial kept', () => {
  it('an LFS download that stops sending', async () => {
    const { target, cache, env: runEnv } = fresh()
    server.failures.stallAfterBytes = { path: LFS_OBJECT, method: 'GET', bytes: 100_000 }
    const result = await gmr(repo.scratch, runEnv, ['--timeout', '0.5', 'download', `${url}#churn:v0`, '--to', target])
    failsWith(result, new RegExp(`^error: ${PORT} stopped sending for 0.5 s \\(the download of LFS object ${sha(weights)} \\(model.bin\\)\\); nothing partial was kept`))
    expect(server.requests.find((r) => r.fault === 'stalled')).toMatchObject({ class: 'lfs-object', bytesOut: 100_000, completed: false })
    const gitdir = cacheRepo(cache)
    expect(filesUnder(join(gitdir, 'lfs'))).toEqual([])
    expect(fs.existsSync(target)).toBe(false)
    // The retry, with no fault, deploys the right bytes.
    const again = await gmr(repo.scratch, runEnv, ['download', `${url}#churn:v0`, '--to', target])
    expect(again.code).toBe(0)
    expect(sha(fs.readFileSync(join(target, 'model.bin')))).toBe(sha(weights))
  })

  it('an LFS batch call never answered, with the limit from git config', async () => {
    const { target, cache, env: runEnv } = fresh()
    fs.writeFileSync(join(repo.scratch, 'gitconfig-timeout'), '[gmr]\n\ttimeout = 0.5\n')
    server.failures.stallAfterBytes = { path: /\/info\/lfs\/objects\/batch$/, bytes: 0 }
    const result = await gmr(repo.scratch, { ...runEnv, GIT_CONFIG_GLOBAL: join(repo.scratch, 'gitconfig-timeout') }, ['download', `${url}#churn:v0`, '--to', target])
    failsWith(result, new RegExp(`^error: ${PORT} did not answer for 0.5 s \\(the LFS batch request \\(download, 1 objects\\)\\)`))
    expect(filesUnder(join(cacheRepo(cache), 'lfs'))).toEqual([])
  })

  it('a git fetch that stalls, with the git binary (GMR_TIMEOUT)', async () => {
    const { target, env: runEnv } = fresh()
    server.failures.stallAfterBytes = { path: /\/git-upload-pack$/, method: 'POST', bytes: 0 }
    const result = await gmr(repo.scratch, { ...runEnv, GMR_TIMEOUT: '1' }, ['download', `${url}#churn:v0`, '--to', target])
    failsWith(result, new RegExp(`^error: cannot (reach|fetch from) http://${PORT}/models\\.git: the connection to ${PORT} stalled \\(no data for 1 s\\); nothing was changed locally`))
    expect(fs.existsSync(target)).toBe(false)
  })

  it('a git fetch that stalls, through isomorphic-git', async () => {
    const { target, env: runEnv } = fresh()
    server.failures.stallAfterBytes = { path: /\/git-upload-pack$/, method: 'POST', bytes: 0 }
    const result = await gmrProcess(repo.scratch, { ...runEnv, PATH: nodeOnly }, ['--timeout', '0.5', 'download', `${url}#churn:v0`, '--to', target])
    failsWith(result, new RegExp(`^error: ${PORT} did not answer for 0.5 s \\(the git fetch \\(git-upload-pack\\)\\)`))
  })

  it('a bad --timeout is one line', async () => {
    failsWith(await gmr(repo.scratch, env, ['--timeout', 'soon', 'download', `${url}#churn:v0`]), /^error: --timeout must be a positive number of seconds, not "soon"\n$/)
  })
})

describe('the deployment cache is verified and repairs itself', () => {
  it('a cached loose object swapped for another valid blob is discarded and fetched again', async () => {
    const { target, cache, env: runEnv } = fresh()
    expect((await gmr(repo.scratch, runEnv, ['download', `${url}#churn-model:prod`, '--to', target])).code).toBe(0)
    const gitdir = cacheRepo(cache)
    const blob = (await git(repo.scratch, '--git-dir', gitdir, 'rev-parse', 'refs/gmr/cache/churn-model/prod:config.json')).trim()
    // Another valid blob, {"a":666}, written where config.json's object lives.
    const evil = join(repo.scratch, 'evil-objects')
    await git(repo.scratch, 'init', '-q', '--bare', evil)
    const evilBlob = (await gitWithInput(evil, ['hash-object', '-w', '--stdin'], '{"a":666}\n')).trim()
    const loose = join(gitdir, 'objects', blob.slice(0, 2), blob.slice(2))
    expect(fs.existsSync(loose)).toBe(true)
    fs.chmodSync(loose, 0o644)
    fs.copyFileSync(join(evil, 'objects', evilBlob.slice(0, 2), evilBlob.slice(2)), loose)

    const again = join(repo.scratch, `${target}-again`)
    const result = await gmr(repo.scratch, runEnv, ['download', `${url}#churn-model:prod`, '--to', again])
    expect(result.stderr).toBe(`note: the download cache had a damaged git object (${blob}); discarded the cached history and fetched it again\n`)
    expect(result.code).toBe(0)
    expect(fs.readFileSync(join(again, 'config.json'), 'utf8')).toBe('{"layers": 3}\n')
    expect(await git(repo.scratch, '--git-dir', gitdir, 'fsck', '--no-dangling')).toBe('')
  })

  it('a flipped byte in a cached LFS object is discarded and fetched again, once', async () => {
    const { target, cache, env: runEnv } = fresh()
    expect((await gmr(repo.scratch, runEnv, ['download', `${url}#churn:v0`, '--to', target])).code).toBe(0)
    const object = join(cacheRepo(cache), 'lfs', 'objects', sha(weights).slice(0, 2), sha(weights).slice(2, 4), sha(weights))
    const bytes = fs.readFileSync(object)
    const before = fs.statSync(object)
    bytes[1000] = bytes[1000]! ^ 0xff
    fs.chmodSync(object, 0o644)
    fs.writeFileSync(object, bytes)
    // Same size and mtime as when it was verified: only its ctime (which cannot be set back) gives the edit away.
    fs.utimesSync(object, before.atime, before.mtime)
    server.resetStats()
    const second = await gmr(repo.scratch, runEnv, ['download', `${url}#churn:v0`, '--to', `${target}-2`])
    expect(second.stderr).toBe(`note: the download cache's copy of model.bin (LFS object ${sha(weights)}) was damaged; discarded it and fetched it again\n`)
    expect(second.code).toBe(0)
    expect(server.stats()['lfs-object'].bytesOut).toBe(weights.length)
    expect(sha(fs.readFileSync(join(`${target}-2`, 'model.bin')))).toBe(sha(weights))
    // Repaired once: the third run is served whole from the cache, without asking the server, and says only that.
    server.resetStats()
    const third = await gmr(repo.scratch, runEnv, ['download', `${url}#churn:v0`, '--to', `${target}-3`])
    expect(third.stderr).toMatch(/^note: churn:v0 came from the download cache; http:\/\/[^ ]+ was not asked \(an artifact version never changes\)\n$/)
    expect(server.requests).toEqual([])
    expect(third.code).toBe(0)
  })

  it('concurrent cold-cache downloads of the same reference into different folders all succeed', async () => {
    for (let round = 0; round < 3; round++) {
      const { target, env: runEnv } = fresh()
      const results = await Promise.all(
        ['a', 'b', 'c'].map((who) => gmrProcess(repo.scratch, runEnv, ['download', `${url}#churn-model:prod`, '--to', `${target}-${who}`])),
      )
      for (const [i, result] of results.entries()) {
        expect(result.stderr, `round ${round}, download ${i}`).toBe('')
        expect(result.code).toBe(0)
      }
      for (const who of ['a', 'b', 'c']) expect(sha(fs.readFileSync(join(`${target}-${who}`, 'model.bin')))).toBe(sha(weights))
    }
  })

  it('a lock left by a killed download is taken over', async () => {
    const { target, cache, env: runEnv } = fresh()
    expect((await gmr(repo.scratch, runEnv, ['download', `${url}#churn:v0`, '--to', target])).code).toBe(0)
    const lock = cacheRepo(cache).replace(/\.git$/, '.lock')
    fs.writeFileSync(lock, '999999999\n') // no such process
    const again = await gmr(repo.scratch, runEnv, ['download', `${url}#churn:v0`, '--to', `${target}-2`])
    expect(again.code).toBe(0)
    expect(fs.existsSync(lock)).toBe(false)
  })
})

describe('LFS downloads are bounded by the pointer', () => {
  it('a server streaming 300 MB for a 3 MB object is cut off, and nothing is kept', async () => {
    const { target, cache, env: runEnv } = fresh()
    server.failures.streamBody = { path: LFS_OBJECT, method: 'GET', bytes: 300 * 1024 * 1024 }
    const result = await gmr(repo.scratch, runEnv, ['download', `${url}#churn:v0`, '--to', target])
    failsWith(result, new RegExp(`^error: the LFS server sent more than the ${weights.length} bytes the pointer declares for LFS object ${sha(weights)} \\(model.bin\\); stopped there and kept nothing`))
    const streamed = server.requests.find((r) => r.fault === 'streamed')!
    expect(streamed.completed).toBe(false)
    expect(streamed.bytesOut).toBeLessThan(64 * 1024 * 1024)
    expect(filesUnder(join(cacheRepo(cache), 'lfs'))).toEqual([])
  })
})

describe('every remote failure says what it was', () => {
  it('a git 500 is an HTTP status, not an unreachable host', async () => {
    const { target, env: runEnv } = fresh()
    server.failures.respondWith = { path: /\/info\/refs/, status: 500 }
    failsWith(
      await gmr(repo.scratch, runEnv, ['download', `${url}#churn:v0`, '--to', target]),
      new RegExp(`^error: cannot reach http://${PORT}/models\\.git: the server answered HTTP 500 \\(an error on the server\\); nothing was changed locally, try again later`),
    )
    server.failures.respondWith = { path: /\/info\/refs/, status: 500 }
    failsWith(
      await gmrProcess(repo.scratch, { ...runEnv, PATH: nodeOnly }, ['download', `${url}#churn:v0`, '--to', target]),
      new RegExp(`^error: cannot reach http://${PORT}/models\\.git: the server answered HTTP 500; nothing was changed locally, try again later`),
    )
  })

  it('an LFS download cut mid-way names the object and says to run it again', async () => {
    const { target, cache, env: runEnv } = fresh()
    server.failures.dropConnectionAfterBytes = { path: LFS_OBJECT, method: 'GET', bytes: 500_000 }
    failsWith(
      await gmr(repo.scratch, { ...runEnv, GMR_LFS_RETRIES: '0' }, ['download', `${url}#churn:v0`, '--to', target]),
      new RegExp(`^error: the connection to ${PORT} broke during the download of LFS object ${sha(weights)} \\(model.bin\\) \\(.*\\); nothing partial was kept, run it again\\n$`),
    )
    expect(filesUnder(join(cacheRepo(cache), 'lfs'))).toEqual([])
  })

  it('an alias ref naming a tree or a blob is one clear line', async () => {
    const bare = server.repoPath('models')
    const tree = (await git(repo.scratch, '--git-dir', bare, 'rev-parse', 'refs/heads/artifacts/churn^{tree}')).trim()
    await git(repo.scratch, '--git-dir', bare, 'update-ref', 'refs/aliases/churn-model/treeish', tree)
    try {
      const { target, env: runEnv } = fresh()
      const result = await gmr(repo.scratch, runEnv, ['download', `${url}#churn-model:treeish`, '--to', target])
      failsWith(result, new RegExp(`^error: .*#churn-model:treeish names a tree \\(${tree}\\), not a version commit; point it at a version again`))
    } finally {
      await git(repo.scratch, '--git-dir', bare, 'update-ref', '-d', 'refs/aliases/churn-model/treeish')
    }
  })

  it('a shallow clone (actions/checkout depth 1) says to unshallow, not that objects are missing', async () => {
    const shallow = join(repo.scratch, 'shallow-clone')
    await git(repo.scratch, 'clone', '-q', '--depth', '1', '--no-single-branch', url, shallow)
    failsWith(await gmr(shallow, env, ['history', 'churn-model']), /^error: object [0-9a-f]{40} is not in this clone: it is shallow .*; fetch the rest with "git fetch --unshallow"/)
    await git(shallow, 'fetch', '-q', '--unshallow')
    expect((await gmr(shallow, env, ['history', 'churn-model'])).code).toBe(0)
  })

  it('with no git binary, a fetch cut mid-pack leaves no shallow entry for a commit it never stored', async () => {
    const { target, cache, env: runEnv } = fresh()
    server.failures.dropConnectionAfterBytes = { path: /\/git-upload-pack$/, method: 'POST', bytes: 200 }
    const result = await gmrProcess(repo.scratch, { ...runEnv, PATH: nodeOnly }, ['download', `${url}#churn:v0`, '--to', target])
    failsWith(result, /^error: /)
    expect(result.stderr).not.toMatch(/unexpected/)
    const gitdir = cacheRepo(cache)
    expect(await git(repo.scratch, '--git-dir', gitdir, 'fsck', '--no-dangling')).toBe('')
    const retry = await gmrProcess(repo.scratch, { ...runEnv, PATH: nodeOnly }, ['download', `${url}#churn:v0`, '--to', target])
    expect(retry.stderr).toBe('')
    expect(sha(fs.readFileSync(join(target, 'model.bin')))).toBe(sha(weights))
  })

  it('a push that loses a race inside the server (atomic transaction failed) says to run gmr pull', async () => {
    // A pre-receive hook that creates the ref being pushed: the server's own transaction then
    // fails with "cannot lock ref … reference already exists", as when two pushes cross.
    const bare = server.repoPath('models')
    const hook = join(bare, 'hooks', 'pre-receive')
    fs.writeFileSync(hook, '#!/bin/sh\nunset GIT_QUARANTINE_PATH\nwhile read old new ref; do git update-ref "$ref" "$(git rev-parse refs/heads/artifacts/churn)"; done\n', { mode: 0o755 })
    const version = (await git(repo.dir, 'rev-parse', 'refs/heads/artifacts/churn')).trim()
    await git(repo.dir, 'update-ref', 'refs/aliases/churn-model/race', version)
    try {
      const result = await gmr(repo.dir, env, ['push'])
      failsWith(result, /^error: push refused: refs\/aliases\/churn-model\/race moved on origin while you pushed \(someone pushed at the same time\); run "gmr pull" and push again \(nothing was changed on the remote\)\n$/)
    } finally {
      fs.rmSync(hook)
      await git(repo.dir, 'update-ref', '-d', 'refs/aliases/churn-model/race')
      await git(repo.scratch, '--git-dir', bare, 'update-ref', '-d', 'refs/aliases/churn-model/race')
    }
  })

  it('every push rejection that means "someone pushed first" says to run gmr pull', () => {
    const remote = 'http://127.0.0.1:1/models.git'
    const porcelain = (why: string, kind = 'remote rejected') => ({
      stdout: `To ${remote}\n!\trefs/heads/main:refs/heads/main\t[${kind}] (${why})\nDone\n`,
      stderr: 'error: failed to push some refs\n',
    })
    for (const run of [
      porcelain('fetch first', 'rejected'),
      porcelain('non-fast-forward', 'rejected'),
      porcelain('atomic transaction failed'),
      porcelain("cannot lock ref 'refs/heads/main': is at 1111111111111111111111111111111111111111 but expected 2222222222222222222222222222222222222222"),
      porcelain('stale info', 'rejected'),
    ]) {
      expect(pushRejection(remote, run)?.message).toMatch(/^push refused: .*refs\/heads\/main.*; run "gmr pull".* \(nothing was changed on the remote\)$/)
    }
    // A hook's refusal is not a race: it is reported as what it was.
    const hook = porcelain('pre-receive hook declined')
    expect(pushRejection(remote, hook)).toBeNull()
    expect(transportError('push to', remote, { code: 1, ...hook }).message).toMatch(/failed to push some refs|pre-receive hook declined/)
  })
})

describe('credentials are never stored in .git/config', () => {
  it('gmr clone http://user:secret@host/… saves the URL without them and hands them to the credential helper', async () => {
    const store = join(repo.scratch, 'credential-store')
    const config = join(repo.scratch, 'gitconfig-helper')
    fs.writeFileSync(config, `[credential]\n\thelper = store --file ${store}\n`)
    const helperEnv = { ...env, GIT_CONFIG_GLOBAL: config }
    const result = await gmr(repo.scratch, helperEnv, ['clone', url, 'cloned-with-secret'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const dir = join(repo.scratch, 'cloned-with-secret')
    expect(fs.readFileSync(join(dir, '.git', 'config'), 'utf8')).not.toContain('s3cret')
    expect((await git(dir, 'config', 'remote.origin.url')).trim()).toBe(server.url('models'))
    expect(fs.readFileSync(store, 'utf8')).toContain('ada:s3cret@127.0.0.1')
    // Later operations find the credential through the helper.
    const fetched = await gmr(dir, helperEnv, ['fetch'])
    expect(fetched.stderr).toBe('')
    expect(fetched.code).toBe(0)
  })
})

async function gitWithInput(gitdir: string, args: string[], input: string): Promise<string> {
  const run = await runGit(['--git-dir', gitdir, ...args], { env, input })
  if (run.code !== 0) throw new Error(run.stderr)
  return run.stdout
}
