import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import type { TempRepo } from '../helpers/gitRepo.js'
import type { GitServer } from '../helpers/gitServer.js'
import { expectValid } from '../helpers/jsonSchemas.js'
import { mustSucceed } from '../helpers/runners.js'
import { servedRegistry } from '../helpers/servedRegistry.js'
import { repoFingerprint } from '../helpers/state.js'

// --dry-run of push, fetch and pull against the real git http-backend and LFS servers: each
// prints what it would do, writes nothing on either side, refuses as the real command would,
// and the real command that follows does what it said.

const weights = randomBytes(1536 * 1024)
let server: GitServer
let repo: TempRepo
let env: Record<string, string>
let url: string
const { git, ok } = mustSucceed(() => env)

beforeEach(async () => {
  ;({ server, repo, env, url } = await servedRegistry(weights, 'production'))
})
afterEach(async () => {
  await server.stop()
  repo.cleanup()
})

/** Everything a user could look at: every file of the clone (.git/gmr too), git status, the remote's refs and its whole bare repository with its LFS store. */
async function everything(dir: string) {
  return {
    local: repoFingerprint(dir, { caches: true }),
    status: await git(dir, '--no-optional-locks', 'status', '--porcelain'),
    remoteRefs: await git(dir, 'ls-remote', url),
    remote: repoFingerprint(server.repoPath('models'), { caches: true }),
  }
}

async function dryRunJson(dir: string): Promise<Record<string, any>> {
  const document = JSON.parse(await ok(dir, 'push', '--dry-run', '--json')) as Record<string, any>
  expectValid('push', document)
  return document
}

const moves = (document: Record<string, any>) => document.refUpdates.map((u: Record<string, unknown>) => [u.ref, u.newOid, u.deleted])

describe('gmr push --dry-run', () => {
  it('prints every ref as old..new and the large files to upload, changes nothing, and the push then does exactly that', async () => {
    const before = await everything(repo.dir)
    const plan = await dryRunJson(repo.dir)
    const text = await ok(repo.dir, 'push', '--dry-run')
    expect(await everything(repo.dir)).toEqual(before)

    const v0 = (await git(repo.dir, 'rev-parse', 'artifacts/churn')).trim()
    const main = (await git(repo.dir, 'rev-parse', 'main')).trim()
    expect(plan).toMatchObject({ dryRun: true, remote: 'origin', newVersionCount: 1, lfsObjectCount: 1, lfsByteCount: weights.length })
    expect(plan.newVersions).toEqual([{ reference: 'churn:v0', artifact: 'churn', version: 0, commit: v0 }])
    expect(plan.refUpdates).toContainEqual({ ref: 'refs/heads/artifacts/churn', source: 'refs/heads/artifacts/churn', deleted: false, oldOid: null, newOid: v0, fastForward: null, lease: null })
    expect(plan.refUpdates).toContainEqual({ ref: 'refs/heads/main', source: 'refs/heads/main', deleted: false, oldOid: null, newOid: main, fastForward: null, lease: null })
    expect(plan.refUpdates).toContainEqual(expect.objectContaining({ ref: 'refs/aliases/churn-model/production', oldOid: null, newOid: v0, lease: { expectedOid: null } }))
    expect(text).toContain(`  refs/heads/artifacts/churn  (none)..${v0.slice(0, 10)}  (new)\n`)
    expect(text).toContain('new versions: churn:v0\n')
    expect(text).toContain('would upload 1 large file (1.5 MiB)')
    expect(text.endsWith('nothing was changed (--dry-run)\n')).toBe(true)

    const pushed = JSON.parse(await ok(repo.dir, 'push', '--json')) as Record<string, any>
    expectValid('push', pushed)
    expect(pushed.dryRun).toBe(false)
    expect(moves(pushed)).toEqual(moves(plan))
    expect(pushed.lfsObjectCount).toBe(plan.lfsObjectCount)
    const listed = await git(repo.dir, 'ls-remote', url)
    for (const [ref, oid] of moves(plan)) expect(listed).toContain(`${oid}\t${ref}\n`)
    expect(fs.existsSync(server.lfsObjectPath('models', createHash('sha256').update(weights).digest('hex')))).toBe(true)

    expect(await ok(repo.dir, 'push', '--dry-run')).toBe('everything up to date on origin\nnothing was changed (--dry-run)\n')
  })

  it('shows a second round as fast-forwards from what the remote holds now, and the library returns the same plan', async () => {
    await ok(repo.dir, 'push')
    const v0 = (await git(repo.dir, 'rev-parse', 'artifacts/churn')).trim()
    fs.writeFileSync(join(repo.scratch, 'out', 'config.json'), '{"layers": 4}\n')
    await ok(repo.dir, 'log', 'churn', join(repo.scratch, 'out'), '--alias', 'best')
    const v1 = (await git(repo.dir, 'rev-parse', 'artifacts/churn')).trim()

    const before = await everything(repo.dir)
    const plan = await dryRunJson(repo.dir)
    expect(await everything(repo.dir)).toEqual(before)
    expect(plan.refUpdates).toContainEqual({ ref: 'refs/heads/artifacts/churn', source: 'refs/heads/artifacts/churn', deleted: false, oldOid: v0, newOid: v1, fastForward: true, lease: null })
    expect(plan.newVersions.map((v: { reference: string }) => v.reference)).toEqual(['churn:v1'])
    // The weights did not change: their LFS object is the one v0 has, and the new version still names it.
    expect(plan).toMatchObject({ lfsObjectCount: 1, lfsByteCount: weights.length })

    const { push } = await import('../../src/index.js')
    const library = await push({ fs, dir: repo.dir, env, dryRun: true })
    expect(library.listed).toBe(true)
    expect(library.refs.map((r) => [r.dst, r.new, r.src === ''])).toEqual(moves(plan))
    expect(await everything(repo.dir)).toEqual(before)

    const pushed = JSON.parse(await ok(repo.dir, 'push', '--json')) as Record<string, any>
    expect(moves(pushed)).toEqual(moves(plan))
  })

  it('refuses as the push would, in the same words, when someone moved an alias or pushed versions first', async () => {
    await ok(repo.dir, 'push')
    const other = join(repo.scratch, 'other')
    await ok(repo.scratch, 'clone', url, other)
    await git(other, 'remote', 'set-url', 'origin', url)
    await ok(other, 'log', 'churn', writeOut(other, 'theirs'))
    await ok(other, 'push')
    await ok(repo.dir, 'log', 'churn', writeOut(repo.dir, 'ours'))

    const before = await everything(repo.dir)
    const dry = await gmr(repo.dir, env, ['push', '--dry-run'])
    expect(await everything(repo.dir)).toEqual(before)
    expect(dry.code).toBe(1)
    expect(dry.stdout).toBe('')
    expect(dry.stderr).toMatch(/^error: push refused: origin has commits on refs\/heads\/artifacts\/churn that you do not have/)
    const real = await gmr(repo.dir, env, ['push'])
    expect(real.code).toBe(1)
    expect(real.stderr).toBe(dry.stderr)

    // An alias moved on the remote since our fetch: the lease fails.
    await ok(repo.dir, 'pull')
    await ok(repo.dir, 'push')
    await ok(other, 'pull')
    await ok(other, 'alias', 'set', 'churn', 'candidate', 'v1')
    await ok(other, 'push')
    await ok(repo.dir, 'alias', 'set', 'churn', 'candidate', 'v2')
    const leased = await gmr(repo.dir, env, ['push', '--dry-run', '--json'])
    expect(leased.code).toBe(1)
    const document = JSON.parse(leased.stderr) as Record<string, any>
    expectValid('error', document)
    const { error } = document
    expect(error.code).toBe('PushRejectedError')
    expect(error.message).toMatch(/^push refused: refs\/aliases\/churn\/candidate, refs\/gmr\/ledger moved on origin since your last fetch/)
    const pushedAnyway = await gmr(repo.dir, env, ['push', '--json'])
    expect(pushedAnyway.code).toBe(1)
    expect((JSON.parse(pushedAnyway.stderr) as { error: { message: string } }).error.message).toBe(error.message)
  })
})

function writeOut(dir: string, content: string): string {
  const out = `${dir}-${content}`
  fs.mkdirSync(out, { recursive: true })
  fs.writeFileSync(join(out, 'model.bin'), content)
  return out
}

describe('gmr fetch --dry-run and gmr pull --dry-run', () => {
  it('say which refs would move and what each artifact branch would do, write nothing, and the real fetch and pull do that', async () => {
    await ok(repo.dir, 'push')
    const other = join(repo.scratch, 'other')
    await ok(repo.scratch, 'clone', url, other)
    await git(other, 'remote', 'set-url', 'origin', url)
    const v0 = (await git(other, 'rev-parse', 'artifacts/churn')).trim()
    fs.writeFileSync(join(repo.scratch, 'out', 'config.json'), '{"layers": 4}\n')
    await ok(repo.dir, 'log', 'churn', join(repo.scratch, 'out'))
    await ok(repo.dir, 'push')
    const v1 = (await git(repo.dir, 'rev-parse', 'artifacts/churn')).trim()

    const before = await everything(other)
    const fetchPlan = JSON.parse(await ok(other, 'fetch', '--dry-run', '--json')) as Record<string, any>
    expectValid('fetch', fetchPlan)
    const text = await ok(other, 'fetch', '--dry-run')
    expect(await everything(other)).toEqual(before)
    expect(fetchPlan).toMatchObject({ dryRun: true, remote: 'origin', artifacts: [{ artifact: 'churn', relation: 'behind', localTip: v0, remoteTip: v1, localOnlyVersionCount: 0 }] })
    expect(fetchPlan.refUpdates).toEqual([
      { ref: 'refs/remotes/origin/artifacts/churn', oldOid: v0, newOid: v1 },
      { ref: 'refs/heads/artifacts/churn', oldOid: v0, newOid: v1 },
    ])
    expect(text).toBe(
      `would update from origin:\n  ${`refs/remotes/origin/artifacts/churn  ${v0.slice(0, 10)}..${v1.slice(0, 10)}`}\n  refs/heads/artifacts/churn  ${v0.slice(0, 10)}..${v1.slice(0, 10)}\n` +
        `churn: would fast-forward to ${v1.slice(0, 10)}\nnothing was changed (--dry-run)\n`,
    )
    const fetched = JSON.parse(await ok(other, 'fetch', '--json')) as Record<string, any>
    expect(fetched.artifacts).toMatchObject([{ artifact: 'churn', relation: 'behind', remoteTip: v1 }])
    for (const move of fetchPlan.refUpdates) expect((await git(other, 'rev-parse', move.ref)).trim()).toBe(move.newOid)
    expect(await ok(other, 'fetch', '--dry-run')).toBe('up to date with origin\nnothing was changed (--dry-run)\n')

    // Both sides log a version; the remote's registry branch moves too (an alias set there).
    fs.writeFileSync(join(repo.scratch, 'out', 'config.json'), '{"layers": 5}\n')
    await ok(repo.dir, 'log', 'churn', join(repo.scratch, 'out'), '--alias', 'best')
    await ok(repo.dir, 'push')
    await ok(other, 'log', 'churn', writeOut(other, 'ours'))
    const again = await everything(other)
    const pullPlan = JSON.parse(await ok(other, 'pull', '--dry-run', '--json')) as Record<string, any>
    expectValid('pull', pullPlan)
    expect(await everything(other)).toEqual(again)
    expect(pullPlan).toMatchObject({ dryRun: true, branch: 'fast-forward', artifacts: [{ artifact: 'churn', relation: 'diverged', localOnlyVersionCount: 1 }] })
    expect(await ok(other, 'pull', '--dry-run')).toContain('churn: both sides have new versions; a pull would replay your 1 after the remote\'s\ncurrent branch would fast-forward\nnothing was changed (--dry-run)\n')
    const pulled = JSON.parse(await ok(other, 'pull', '--json')) as Record<string, any>
    expect(pulled).toMatchObject({ branch: pullPlan.branch, artifacts: [{ artifact: 'churn', relation: 'diverged', replays: [{ fromVersion: 2, version: 3 }] }] })
    expect((await git(other, 'rev-parse', 'main')).trim()).toBe(pullPlan.refUpdates.find((u: { ref: string }) => u.ref === 'refs/heads/main').newOid)
  })
})
