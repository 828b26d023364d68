import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { fsck, makeRepo, type TempRepo } from '../helpers/gitRepo.js'

/** Two people sharing a registry through a bare repository, with the real git binary underneath. */
let alice: TempRepo
let origin: string
let bobDir: string

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: alice.env, encoding: 'utf8' })
const as = (dir: string) => async (...args: string[]) => gmr(dir, alice.env, args)
async function ok(run: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>, ...args: string[]): Promise<string> {
  const result = await run(...args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

function weights(dir: string, content: string): string {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(join(dir, 'model.bin'), content)
  return dir
}

beforeEach(async () => {
  alice = makeRepo()
  origin = join(alice.scratch, 'origin.git')
  execFileSync('git', ['init', '-q', '--bare', origin])
  bobDir = join(alice.scratch, 'bob')
  const a = as(alice.dir)
  await ok(a, 'init')
  await ok(a, 'log', 'churn', weights(join(alice.scratch, 'a0'), 'alice v0'))
  await ok(a, 'model', 'create', 'churn-model')
  await ok(a, 'link', 'churn:v0', 'churn-model', '--alias', 'staging')
  alice.git('remote', 'add', 'origin', origin)
  alice.git('config', 'branch.main.remote', 'origin')
  alice.git('config', 'branch.main.merge', 'refs/heads/main')
  alice.git('config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/aliases/*')
  alice.git('config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/remotes/origin/aliases/*')
})
afterEach(() => alice.cleanup())

describe('push, clone, fetch', () => {
  it('push sends artifact branches, the registry branch and alias refs; clone brings them back', async () => {
    const pushed = await ok(as(alice.dir), 'push')
    expect(pushed).toContain('pushed refs/heads/artifacts/churn\n')
    expect(pushed).toContain('pushed refs/heads/main\n')
    expect(pushed).toContain('pushed refs/aliases/churn-model/staging\n')
    const remoteRefs = git(origin, 'for-each-ref', '--format=%(refname)')
    expect(remoteRefs.split('\n').filter(Boolean)).toEqual(['refs/aliases/churn-model/staging', 'refs/gmr/ledger', 'refs/heads/artifacts/churn', 'refs/heads/main'])

    const cloned = await ok(as(alice.scratch), 'clone', origin, 'bob')
    expect(cloned).toBe(`cloned into ${bobDir} (registry branch main, 1 artifacts, 1 alias refs)\n`)
    expect(git(bobDir, 'config', '--get-all', 'remote.origin.fetch')).toBe(
      '+refs/heads/*:refs/remotes/origin/*\n+refs/aliases/*:refs/aliases/*\n+refs/aliases/*:refs/remotes/origin/aliases/*\n+refs/gmr/ledger*:refs/remotes/origin/gmr/ledger*\n' +
        '+refs/gmr/retired/*:refs/gmr/retired/*\n+refs/gmr/retired/*:refs/gmr/remotes/origin/retired/*\n',
    )
    const v0 = alice.git('rev-parse', 'artifacts/churn').trim()
    expect((await ok(as(bobDir), 'resolve', 'churn-model:staging')).trim()).toBe(v0)
    expect(git(bobDir, 'rev-parse', 'refs/heads/artifacts/churn').trim()).toBe(v0)
    expect((await ok(as(bobDir), 'push'))).toBe('everything up to date on origin\n')

    // A plain git fetch keeps aliases current too.
    await ok(as(alice.dir), 'log', 'churn', weights(join(alice.scratch, 'a1'), 'alice v1'))
    await ok(as(alice.dir), 'link', 'churn:v1', 'churn-model')
    await ok(as(alice.dir), 'alias', 'set', 'churn-model', 'staging', 'v1')
    await ok(as(alice.dir), 'push')
    git(bobDir, 'fetch', '-q')
    expect(git(bobDir, 'rev-parse', 'refs/aliases/churn-model/staging').trim()).toBe(alice.git('rev-parse', 'artifacts/churn').trim())
    expect(await ok(as(bobDir), 'fetch')).toBe(`churn: fast-forwarded to ${alice.git('rev-parse', 'artifacts/churn').trim().slice(0, 10)}\n`)
    fsck(alice)
  })

  it('clone of something that is not a registry, or of nothing, is one clear error and leaves no folder', async () => {
    const plain = join(alice.scratch, 'plain.git')
    execFileSync('git', ['init', '-q', '--bare', plain])
    const empty = await gmr(alice.scratch, alice.env, ['clone', join(alice.scratch, 'nope.git'), 'x'])
    expect(empty.code).toBe(1)
    expect(empty.stderr).toMatch(/^error: cannot clone .*nope\.git: no repository there; check the URL\n$/)
    expect(fs.existsSync(join(alice.scratch, 'x'))).toBe(false)
  })
})

describe('two clones logging the same artifact', () => {
  it('the second push is refused; pull replays its versions after the remote ones and relinks; nothing is lost', async () => {
    await ok(as(alice.dir), 'push')
    await ok(as(alice.scratch), 'clone', origin, 'bob')
    const bob = as(bobDir)

    // Both log a new churn version and link it; Alice pushes first.
    await ok(as(alice.dir), 'log', 'churn', weights(join(alice.scratch, 'a1'), 'alice v1'))
    await ok(as(alice.dir), 'link', 'churn:v1', 'churn-model')
    await ok(as(alice.dir), 'push')
    expect(await ok(bob, 'log', 'churn', weights(join(alice.scratch, 'b1'), 'bob v1'))).toBe('churn:v1\n')
    expect(await ok(bob, 'link', 'churn:v1', 'churn-model', '--alias', 'candidate')).toBe('churn-model:v1\n')

    const refused = await bob('push')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^error: push refused: .* has commits on refs\/heads\/artifacts\/churn, refs\/heads\/main that you do not have \(someone pushed first\); run "gmr pull"/)

    const pulled = await ok(bob, 'pull')
    expect(pulled).toContain('churn: your v1 is now v2')
    expect(pulled).toContain('relinked churn-model to the renumbered versions')
    expect(pulled).toContain('current branch merged (manifests merged by meaning)')

    const subjects = git(bobDir, 'log', '--format=%s', 'artifacts/churn').trim().split('\n')
    expect(subjects).toEqual(['churn v2', 'churn v1', 'churn v0'])
    expect(git(bobDir, 'show', 'artifacts/churn:model.bin')).toBe('bob v1')
    expect(git(bobDir, 'show', 'artifacts/churn~1:model.bin')).toBe('alice v1')
    const links = JSON.parse(await ok(bob, 'show', 'churn-model', '--json'))
    expect(links.model.links.map((l: { version: number; artifactVersion: number; aliases: string[] }) => [l.version, l.artifactVersion, l.aliases])).toEqual([
      [0, 0, ['staging']],
      [1, 1, []],
      [2, 2, ['candidate']],
    ])
    expect(git(bobDir, 'status', '--porcelain')).toBe('')

    await ok(bob, 'push')
    expect(git(origin, 'rev-parse', 'refs/heads/artifacts/churn').trim()).toBe(git(bobDir, 'rev-parse', 'artifacts/churn').trim())
    // Alice pulls back and sees everything, numbered the same.
    await ok(as(alice.dir), 'pull')
    expect((await ok(as(alice.dir), 'resolve', 'churn-model:candidate')).trim()).toBe(git(bobDir, 'rev-parse', 'artifacts/churn').trim())
    execFileSync('git', ['fsck', '--strict', '--no-progress'], { cwd: bobDir, env: alice.env })
    fsck(alice)
  })

  it('an alias moved on the remote since the last fetch refuses the push (lease) and says to pull', async () => {
    await ok(as(alice.dir), 'push')
    await ok(as(alice.scratch), 'clone', origin, 'bob')
    await ok(as(alice.dir), 'log', 'churn', weights(join(alice.scratch, 'a1'), 'alice v1'))
    await ok(as(alice.dir), 'link', 'churn:v1', 'churn-model')
    await ok(as(alice.dir), 'alias', 'set', 'churn-model', 'staging', 'v1')
    await ok(as(alice.dir), 'push')

    // Bob, not having fetched, moves the alias ref himself (as a stale CI job would).
    git(bobDir, 'update-ref', 'refs/aliases/churn-model/staging', git(bobDir, 'rev-parse', 'HEAD').trim())
    git(bobDir, 'update-ref', 'refs/aliases/churn-model/canary', git(bobDir, 'rev-parse', 'artifacts/churn').trim())
    const before = git(origin, 'for-each-ref')
    const refused = await as(bobDir)('push')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^error: push refused: .*moved on origin since your last fetch; run "gmr pull" and push again/)
    expect(git(origin, 'for-each-ref')).toBe(before)
  })
})
