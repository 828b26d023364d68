import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer } from '../helpers/gitServer.js'
import { mustSucceed } from '../helpers/runners.js'

/**
 * Remote references against a real git http-backend: aliases that survive a pull which
 * renumbers versions, and every local reference form working over a URL, also when the
 * server's HEAD names a branch that does not exist (`git init --bare` names master).
 */
let server: GitServer
let alice: TempRepo
let env: Record<string, string>

const { git, ok } = mustSucceed(() => env)

function files(name: string, content: string): string {
  const dir = join(alice.scratch, name)
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(join(dir, 'model.bin'), content)
  return dir
}

/** A new repository on the server (its HEAD naming master, as `git init --bare` makes it), Alice's upstream, pushed to. */
async function publish(repo: string): Promise<string> {
  const url = server.url(repo)
  server.createRepo(repo, { defaultBranch: 'master' })
  await git(alice.dir, 'remote', 'add', repo, url)
  await git(alice.dir, 'config', 'branch.main.remote', repo)
  await git(alice.dir, 'config', 'branch.main.merge', 'refs/heads/main')
  await ok(alice.dir, 'push', repo)
  return url
}

/** Published by Alice, and cloned by someone else into `who`. */
async function share(repo: string, who: string): Promise<{ url: string; dir: string }> {
  const url = await publish(repo)
  await ok(alice.scratch, 'clone', url, who)
  return { url, dir: join(alice.scratch, who) }
}

beforeAll(async () => {
  server = await startGitServer()
  alice = makeRepo()
  env = { ...alice.env, XDG_CACHE_HOME: join(alice.scratch, 'cache'), GIT_TERMINAL_PROMPT: '0' }
  await ok(alice.dir, 'init')
  await ok(alice.dir, 'log', 'churn', files('v0', 'churn v0'))
  await ok(alice.dir, 'log', 'churn', files('v1', 'churn v1'), '--alias', 'nightly')
  await ok(alice.dir, 'model', 'create', 'churn-model')
  await ok(alice.dir, 'link', 'churn:v0', 'churn-model', '--alias', 'production', '--force')
  await ok(alice.dir, 'link', 'churn:v1', 'churn-model')
})
afterAll(async () => {
  await server.stop()
  alice.cleanup()
})

describe('every reference form over a URL', () => {
  let url: string
  beforeAll(async () => {
    url = await publish('models')
  })

  it('the server HEAD names master, which does not exist', async () => {
    expect(await git(alice.scratch, 'ls-remote', '--symref', url, 'HEAD')).toBe('')
  })

  it.each([
    ['churn-model:v0', 'churn v0'],
    ['churn-model:v1', 'churn v1'],
    ['churn-model:latest', 'churn v1'],
    ['churn-model', 'churn v1'],
    ['churn-model:production', 'churn v0'],
    ['churn:v0', 'churn v0'],
    ['churn:latest', 'churn v1'],
    ['churn', 'churn v1'],
    ['churn:nightly', 'churn v1'],
  ])('%s', async (ref, content) => {
    const target = join(alice.scratch, `deploy-${ref.replace(':', '-')}`)
    await ok(alice.scratch, 'download', `${url}#${ref}`, '--to', target)
    expect(fs.readFileSync(join(target, 'model.bin'), 'utf8')).toBe(content)
  })

  it('an unknown name lists what the remote has, never the missing name itself', async () => {
    const target = join(alice.scratch, 'never')
    const result = await gmr(alice.scratch, env, ['download', `${url}#nope:v0`, '--to', target])
    expect(result.stderr).toMatch(/^error: http:\/\/127\.0\.0\.1:\d+\/models\.git has no artifact or registered model named nope; known names: churn, churn-model\n$/)
    expect(result.code).toBe(1)
    expect(fs.existsSync(target)).toBe(false)
    const link = await gmr(alice.scratch, env, ['download', `${url}#churn-model:v7`, '--to', target])
    expect(link.code).toBe(1)
    expect(link.stderr).toMatch(/v7/)
    expect(fs.existsSync(target)).toBe(false)
  })

  it('a registry branch other than main is found through registry.yaml', async () => {
    const trunk = makeRepo({ branch: 'trunk' })
    try {
      const tEnv = { ...env, HOME: alice.env.HOME! }
      const run = (...args: string[]) => gmr(trunk.dir, tEnv, args)
      const docs = trunk.git('rev-parse', 'HEAD').trim()
      expect((await run('init')).code).toBe(0)
      const bare = trunk.git('rev-parse', 'HEAD').trim()
      for (const args of [['log', 'churn', files('t0', 'trunk v0')], ['model', 'create', 'churn-model'], ['link', 'churn:v0', 'churn-model']]) {
        expect((await run(...args)).code).toBe(0)
      }
      server.createRepo('trunk', { defaultBranch: 'master' })
      const url2 = server.url('trunk')
      // Sorted before trunk: a branch with no registry at all, and one whose registry has no churn-model yet.
      await git(trunk.dir, 'push', '-q', url2, `${docs}:refs/heads/docs`, `${bare}:refs/heads/experiments`, 'trunk', 'artifacts/churn')
      const target = join(alice.scratch, 'deploy-trunk')
      await ok(alice.scratch, 'download', `${url2}#churn-model:v0`, '--to', target)
      expect(fs.readFileSync(join(target, 'model.bin'), 'utf8')).toBe('trunk v0')
    } finally {
      trunk.cleanup()
    }
  })
})

describe('versions of a registered model', () => {
  it('says to use gmr show, and never says a name it lists is unknown', async () => {
    const result = await gmr(alice.dir, env, ['versions', 'churn-model'])
    expect(result.stderr).toBe('error: churn-model is a registered model, not an artifact: its links and the versions they name are listed by "gmr show churn-model"\n')
    expect(result.code).toBe(1)
    const unknown = await gmr(alice.dir, env, ['versions', 'nope'])
    expect(unknown.stderr).toBe('error: no artifact or registered model named "nope"; known names: churn, churn-model\n')
  })
})

describe('pull keeps artifact aliases on the versions they named', () => {
  it('A and B both log with an alias; after B pulls and pushes, each alias deploys its own files', async () => {
    const { url, dir: bob } = await share('aliases', 'bob')

    await ok(alice.dir, 'log', 'churn', files('a2', 'alice v2'), '--alias', 'a-latest')
    await ok(alice.dir, 'push', 'aliases')
    await ok(bob, 'log', 'churn', files('b2', 'bob v2'), '--alias', 'b-latest')
    expect((await gmr(bob, env, ['push'])).code).toBe(1)
    expect(await ok(bob, 'pull')).toContain('churn: your v2 is now v3')
    await ok(bob, 'push')

    const remoteManifest = await git(server.repoPath('aliases'), 'show', 'main:registry/artifacts/churn.yaml')
    expect(remoteManifest).toMatch(/a-latest: 2\n/)
    expect(remoteManifest).toMatch(/b-latest: 3\n/)
    const tip = (await git(server.repoPath('aliases'), 'rev-parse', 'refs/heads/artifacts/churn')).trim()
    expect((await git(server.repoPath('aliases'), 'rev-parse', 'refs/aliases/churn/b-latest')).trim()).toBe(tip)
    expect((await git(server.repoPath('aliases'), 'rev-parse', 'refs/aliases/churn/a-latest')).trim()).toBe(
      (await git(server.repoPath('aliases'), 'rev-parse', 'refs/heads/artifacts/churn~1')).trim(),
    )
    for (const [alias, content] of [['b-latest', 'bob v2'], ['a-latest', 'alice v2']]) {
      const target = join(alice.scratch, `deploy-${alias}`)
      await ok(alice.scratch, 'download', `${url}#churn:${alias}`, '--to', target)
      expect(fs.readFileSync(join(target, 'model.bin'), 'utf8')).toBe(content)
    }
    // Alice pulls back: her clone resolves both aliases as the remote does.
    await ok(alice.dir, 'pull', 'aliases')
    expect((await ok(alice.dir, 'resolve', 'churn:b-latest')).trim()).toBe(tip)
    await git(bob, 'fsck', '--strict', '--no-progress')
  })

  it('the same alias set on both sides to different versions is a conflict, not a silent choice', async () => {
    const { dir: carol } = await share('clash', 'carol')

    await ok(alice.dir, 'log', 'churn', files('a4', 'alice v4'), '--alias', 'best')
    await ok(alice.dir, 'push', 'clash')
    const before = await git(server.repoPath('clash'), 'for-each-ref')
    // Carol is someone else: her manifest commit can never be the very commit Alice made.
    const carolEnv = { ...env, GIT_AUTHOR_NAME: 'Carol', GIT_COMMITTER_NAME: 'Carol' }
    expect((await gmr(carol, carolEnv, ['log', 'churn', files('c4', 'carol v4'), '--alias', 'best'])).code).toBe(0)
    const pulled = await gmr(carol, carolEnv, ['pull'])
    expect(pulled.stderr).toMatch(/^error: cannot merge origin\/main by itself: alias best of churn: you set v\d+, the remote set v\d+; /)
    expect(pulled.code).toBe(1)
    const pushed = await gmr(carol, env, ['push'])
    expect(pushed.code).toBe(1)
    expect(await git(server.repoPath('clash'), 'for-each-ref')).toBe(before)
    expect(await git(carol, 'status', '--porcelain')).toBe('')
  })
})
