import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { fsck, gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'

/**
 * An alias moved here and not pushed yet must survive a fetch: gmr's alias refspec
 * (`+refs/aliases/*:refs/aliases/*`, which gmr clone writes into .git/config, so plain
 * `git fetch` uses it too) takes the remote's value of every alias ref. And the remote's
 * ledger must never lose records to a push from a clone that fetched them without taking
 * them in.
 */
let alice: TempRepo
let origin: string
let bobDir: string

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: alice.env, encoding: 'utf8' })
const run = (dir: string, ...args: string[]) => gmr(dir, alice.env, args)
async function ok(dir: string, ...args: string[]): Promise<string> {
  const result = await run(dir, ...args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}
const ref = (dir: string, name: string) => git(dir, 'rev-parse', '-q', '--verify', name).trim()
const version = (n: number) => ref(alice.dir, `artifacts/churn~${1 - n}`)

function weights(dir: string, content: string): string {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(join(dir, 'model.bin'), content)
  return dir
}

/** Download `version` in `dir` into a new folder; returns the folder. */
async function downloaded(dir: string, version: string): Promise<string> {
  const into = join(alice.scratch, `out-${version.replace(':', '-')}`)
  await ok(dir, 'download', version, '--to', into)
  return into
}

async function clean(dir: string): Promise<void> {
  expect(git(dir, 'status', '--porcelain')).toBe('')
  expect(await ok(dir, 'check')).toMatch(/^gmr check: no problems/)
  execFileSync('git', ['fsck', '--strict', '--no-progress'], { cwd: dir, env: alice.env })
}

beforeEach(async () => {
  alice = makeRepo()
  origin = join(alice.scratch, 'origin.git')
  execFileSync('git', ['init', '-q', '--bare', origin])
  bobDir = join(alice.scratch, 'bob')
  await ok(alice.dir, 'init')
  await ok(alice.dir, 'log', 'churn', weights(join(alice.scratch, 'a0'), 'v0'))
  await ok(alice.dir, 'log', 'churn', weights(join(alice.scratch, 'a1'), 'v1'))
  await ok(alice.dir, 'model', 'create', 'churn-model')
  await ok(alice.dir, 'link', 'churn:v0', 'churn-model', '--alias', 'staging')
  await ok(alice.dir, 'link', 'churn:v1', 'churn-model', '--alias', 'canary')
  alice.git('remote', 'add', 'origin', origin)
  alice.git('config', 'branch.main.remote', 'origin')
  alice.git('config', 'branch.main.merge', 'refs/heads/main')
  alice.git('config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/aliases/*')
  alice.git('config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/remotes/origin/aliases/*')
  alice.git('config', '--add', 'remote.origin.fetch', '+refs/gmr/ledger*:refs/remotes/origin/gmr/ledger*')
  await ok(alice.dir, 'push')
})
afterEach(() => alice.cleanup())

describe('an alias move not yet pushed', () => {
  it('survives gmr fetch (and its dry run leaves it out), then goes up with the manifest that made it', async () => {
    await ok(alice.dir, 'alias', 'set', 'churn-model', 'staging', 'v1')
    const dry = JSON.parse(await ok(alice.dir, 'fetch', '--dry-run', '--json'))
    expect(dry.refUpdates.map((r: { ref: string }) => r.ref)).not.toContain('refs/aliases/churn-model/staging')

    expect(await ok(alice.dir, 'fetch')).toBe('up to date with origin\n')
    expect(ref(alice.dir, 'refs/aliases/churn-model/staging')).toBe(version(1))
    await clean(alice.dir)

    await ok(alice.dir, 'push')
    expect(ref(origin, 'refs/aliases/churn-model/staging')).toBe(version(1))
    expect(git(origin, 'show', 'main:registry/models/churn-model.yaml')).toMatch(/aliases:\n {2}staging: 1\n {2}canary: 1\n/)
  })

  it('overwritten by a plain git fetch: push refuses and changes nothing on the remote; gmr fetch puts it back', async () => {
    await ok(alice.dir, 'alias', 'set', 'churn-model', 'staging', 'v1')
    alice.git('fetch', '-q', 'origin')
    expect(ref(alice.dir, 'refs/aliases/churn-model/staging')).toBe(version(0))

    const remoteBefore = git(origin, 'for-each-ref')
    const refused = await run(alice.dir, 'push')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      `error: push refused: refs/aliases/churn-model/staging points at ${version(0).slice(0, 10)}, but your alias move not yet pushed put it at ${version(1).slice(0, 10)}; it was moved outside gmr (a plain "git fetch" from origin does this); run "gmr fetch" to put it back, then push again; nothing was pushed\n`,
    )
    expect((await run(alice.dir, 'push', '--dry-run')).stderr).toBe(refused.stderr)
    expect(git(origin, 'for-each-ref')).toBe(remoteBefore)

    await ok(alice.dir, 'fetch')
    expect(ref(alice.dir, 'refs/aliases/churn-model/staging')).toBe(version(1))
    await clean(alice.dir)
    await ok(alice.dir, 'push')
    expect(ref(origin, 'refs/aliases/churn-model/staging')).toBe(version(1))
  })

  it('a fetch killed after git fetched and before gmr took the ledger in is finished by the next fetch', async () => {
    await ok(alice.scratch, 'clone', origin, 'bob')
    await ok(bobDir, 'alias', 'set', 'churn-model', 'canary', 'v0')
    await ok(bobDir, 'push')
    await ok(alice.dir, 'alias', 'rm', 'churn-model', 'staging')

    const killed = await gmrProcess(alice.dir, { ...alice.env, GMR_CRASH_AT: 'fetch-before-integrate' }, ['fetch'])
    expect(killed.code).not.toBe(0)
    expect(ref(alice.dir, 'refs/aliases/churn-model/staging')).toBe(version(0)) // git put the remote's value back

    await ok(alice.dir, 'fetch')
    expect(git(alice.dir, 'for-each-ref', '--format=%(refname)', 'refs/aliases/churn-model/staging')).toBe('')
    expect(ref(alice.dir, 'refs/aliases/churn-model/canary')).toBe(version(0))
    const ledger = git(alice.dir, 'log', '--format=%s', 'refs/gmr/ledger')
    expect(git(alice.dir, 'merge-base', '--is-ancestor', ref(origin, 'refs/gmr/ledger'), 'refs/gmr/ledger')).toBe('')
    expect(ledger).toMatch(/merge origin's ledger/)
    fsck(alice)
  })
})

describe('an alias moved on the remote, fetched and not pulled yet', () => {
  it('check warns and says to pull (not to sync, which would move it back); after the pull it is clean', async () => {
    await ok(alice.scratch, 'clone', origin, 'bob')
    await ok(alice.dir, 'alias', 'set', 'churn-model', 'staging', 'v1')
    await ok(alice.dir, 'push')
    await ok(bobDir, 'fetch')
    expect(ref(bobDir, 'refs/aliases/churn-model/staging')).toBe(version(1))
    const checked = await run(bobDir, 'check')
    expect(checked.code).toBe(0)
    expect(checked.stdout.split('\n')[0]).toBe(
      `registry/models/churn-model.yaml:17:3: warning: refs/aliases/churn-model/staging is at origin's value (${version(1).slice(0, 10)}), but the main branch says v0 (${version(0).slice(0, 10)}): origin/main has commits main lacks; run "gmr pull" to take them`,
    )
    await ok(bobDir, 'pull')
    await clean(bobDir)
  })
})

/** A push from `dir`, whose ledger lacks records origin's has, is refused in one line and moves nothing on origin. */
async function expectLedgerNotTakenIn(dir: string): Promise<void> {
  const remoteBefore = git(origin, 'for-each-ref')
  const refused = await run(dir, 'push')
  expect(refused.code).toBe(1)
  expect(refused.stderr).toBe(
    `error: push refused: origin's refs/gmr/ledger has alias moves this clone has fetched but not taken in (a plain "git fetch" or "git pull" fetched them); run "gmr fetch" to take them in, then push again; nothing was pushed\n`,
  )
  expect(git(origin, 'for-each-ref')).toBe(remoteBefore)
}

describe('the remote ledger', () => {
  it('is never replaced by a push from a clone that fetched it with plain git (git pull) and did not take it in', async () => {
    await ok(alice.scratch, 'clone', origin, 'bob')
    await ok(bobDir, 'alias', 'set', 'churn-model', 'canary', 'v0')
    await ok(bobDir, 'push')
    const bobsLedger = ref(origin, 'refs/gmr/ledger')

    alice.git('pull', '-q', '--ff-only')
    await ok(alice.dir, 'alias', 'set', 'churn-model', 'staging', 'v1')
    await expectLedgerNotTakenIn(alice.dir)

    await ok(alice.dir, 'fetch')
    await clean(alice.dir)
    await ok(alice.dir, 'push')
    expect(git(origin, 'merge-base', '--is-ancestor', bobsLedger, 'refs/gmr/ledger')).toBe('')
    expect(ref(origin, 'refs/aliases/churn-model/staging')).toBe(version(1))
    expect(ref(origin, 'refs/aliases/churn-model/canary')).toBe(version(0))
    await ok(bobDir, 'pull')
    await clean(bobDir)
  })

  it('refuses a push whose new version went up to the remote LFS store meanwhile: no ref moves, one line, and the next push sends it', async () => {
    await ok(alice.scratch, 'clone', origin, 'bob')
    await ok(bobDir, 'alias', 'set', 'churn-model', 'canary', 'v0')
    await ok(bobDir, 'push')

    alice.git('pull', '-q', '--ff-only')
    // A new version with a large file: its upload starts while the push checks the ledger.
    await ok(alice.dir, 'log', 'churn', weights(join(alice.scratch, 'a2'), 'v2 '.repeat(1000)), '--large-file-threshold', '1024')
    await expectLedgerNotTakenIn(alice.dir)

    await ok(alice.dir, 'fetch')
    await ok(alice.dir, 'push')
    expect(ref(origin, 'refs/heads/artifacts/churn')).toBe(ref(alice.dir, 'refs/heads/artifacts/churn'))
    await ok(bobDir, 'pull')
    expect(fs.readFileSync(join(await downloaded(bobDir, 'churn:v2'), 'model.bin'), 'utf8')).toBe('v2 '.repeat(1000))
  })
})
