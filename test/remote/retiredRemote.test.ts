import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { mustSucceed } from '../helpers/runners.js'
import { servedRegistry, type ServedRegistry } from '../helpers/servedRegistry.js'

// gmr artifact rm, then gmr push: the remote keeps the versions under refs/gmr/retired/ and
// loses the branch, so a deployment asking for the artifact is told who retired it.

let served: ServedRegistry
let git: (cwd: string, ...args: string[]) => Promise<string>
let ok: (cwd: string, ...args: string[]) => Promise<string>

beforeEach(async () => {
  served = await servedRegistry(randomBytes(16), 'production')
  ;({ git, ok } = mustSucceed(() => served.env))
  fs.writeFileSync(join(served.repo.scratch, 'notes.txt'), 'scratch notes\n')
  await ok(served.repo.dir, 'log', 'scratch', join(served.repo.scratch, 'notes.txt'))
  await ok(served.repo.dir, 'push')
})
afterEach(async () => {
  await served.server.stop()
  served.repo.cleanup()
})

const remoteRefs = async () => (await git(served.repo.dir, 'ls-remote', served.url)).split('\n').map((line) => line.split('\t')[1]).filter(Boolean)

describe('gmr push after gmr artifact rm', () => {
  it('sends the retired ref and deletes the branch in one push; url#artifact:v0 then names who retired it', async () => {
    const { dir, scratch } = served.repo
    const tip = (await git(dir, 'rev-parse', 'artifacts/scratch')).trim()
    await ok(dir, 'artifact', 'rm', 'scratch', '--reason', 'abandoned experiment')
    const commit = (await git(dir, 'rev-parse', 'HEAD')).trim()
    // Before the push, a fetch does not bring the branch back from the remote.
    await ok(dir, 'fetch')
    expect(await git(dir, 'for-each-ref', 'refs/heads/artifacts/scratch')).toBe('')
    expect(await remoteRefs()).toContain('refs/heads/artifacts/scratch')

    await ok(dir, 'push')
    const refs = await remoteRefs()
    expect(refs).toContain(`refs/gmr/retired/artifacts/scratch/${tip}`)
    expect(refs).not.toContain('refs/heads/artifacts/scratch')
    expect(refs).toContain('refs/heads/artifacts/churn')
    // What this clone knows of the remote follows: nothing left to push.
    expect(await git(dir, 'for-each-ref', '--format=%(refname)', 'refs/remotes/origin/artifacts/')).toBe('refs/remotes/origin/artifacts/churn\n')
    expect(await git(dir, 'for-each-ref', '--format=%(refname)', 'refs/gmr/remotes/')).toBe(`refs/gmr/remotes/origin/retired/artifacts/scratch/${tip}\n`)
    const again = await gmr(dir, served.env, ['push', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ refUpdateCount: 0, refUpdates: [] })

    const result = await gmr(scratch, served.env, ['download', `${served.url}#scratch:v0`, '--to', join(scratch, 'deploy')])
    expect(result.stderr).toMatch(new RegExp(`^error: scratch was retired on \\d{4}-\\d\\d-\\d\\d by Ada Lovelace in ${commit.slice(0, 10)}: abandoned experiment\\n$`))
    expect(result.code).toBe(1)
    expect(fs.existsSync(join(scratch, 'deploy'))).toBe(false)
  })

  it('gmr clone and plain git fetch bring the retired refs; the clone has no branch for the artifact', async () => {
    const { dir, scratch } = served.repo
    const tip = (await git(dir, 'rev-parse', 'artifacts/scratch')).trim()
    await ok(dir, 'artifact', 'rm', 'scratch')
    await ok(dir, 'push')
    await ok(scratch, 'clone', served.url, 'second')
    const second = join(scratch, 'second')
    expect(await git(second, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/gmr/retired/')).toBe(`refs/gmr/retired/artifacts/scratch/${tip} ${tip}\n`)
    expect(await git(second, 'for-each-ref', 'refs/heads/artifacts/scratch', 'refs/remotes/origin/artifacts/scratch')).toBe('')
    expect(await git(second, 'config', '--get-all', 'remote.origin.fetch')).toBe(
      '+refs/heads/*:refs/remotes/origin/*\n+refs/aliases/*:refs/aliases/*\n+refs/aliases/*:refs/remotes/origin/aliases/*\n+refs/gmr/ledger*:refs/remotes/origin/gmr/ledger*\n' +
        '+refs/gmr/retired/*:refs/gmr/retired/*\n+refs/gmr/retired/*:refs/gmr/remotes/origin/retired/*\n',
    )
    // The versions are all there, and plain git fetch keeps working.
    expect(await git(second, 'log', '--format=%s', `refs/gmr/retired/artifacts/scratch/${tip}`)).toBe('scratch v0\n')
    await git(second, 'remote', 'set-url', 'origin', served.url)
    await git(second, 'fetch', '-q')
    await ok(second, 'check')
    expect(await git(second, 'fsck', '--strict', '--no-progress')).toBe('')
  })

  it('refuses the push, changing nothing there, when someone logged to the artifact after the retirement', async () => {
    const { dir, scratch } = served.repo
    await ok(scratch, 'clone', served.url, 'other')
    const other = join(scratch, 'other')
    await git(other, 'remote', 'set-url', 'origin', served.url)
    await ok(dir, 'artifact', 'rm', 'scratch')
    fs.writeFileSync(join(scratch, 'more.txt'), 'more notes\n')
    await ok(other, 'log', 'scratch', join(scratch, 'more.txt'))
    await ok(other, 'push')
    const before = await git(dir, 'ls-remote', served.url)
    const result = await gmr(dir, served.env, ['push'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: push refused: refs\/heads\/artifacts\/scratch moved on .* since your last fetch; run "gmr pull" and push again \(nothing was changed on the remote\)\n$/)
    expect(await git(dir, 'ls-remote', served.url)).toBe(before)
  })

  it('another clone takes the retirement with pull and sync, and pushes again without touching the gone branch', async () => {
    const { dir, scratch } = served.repo
    await ok(scratch, 'clone', served.url, 'bob')
    const bob = join(scratch, 'bob')
    await git(bob, 'remote', 'set-url', 'origin', served.url)
    await ok(dir, 'artifact', 'rm', 'scratch')
    await ok(dir, 'push')
    await ok(bob, 'pull')
    await ok(bob, 'sync')
    expect(await git(bob, 'for-each-ref', 'refs/heads/artifacts/scratch')).toBe('')
    fs.writeFileSync(join(scratch, 'next.json'), '{"layers": 4}\n')
    await ok(bob, 'log', 'churn', join(scratch, 'next.json'))
    await ok(bob, 'push')
    await ok(bob, 'fetch')
    expect(await git(bob, 'for-each-ref', 'refs/heads/artifacts/scratch')).toBe('')
    const refs = await remoteRefs()
    expect(refs).not.toContain('refs/heads/artifacts/scratch')
    expect(refs.filter((ref) => ref.startsWith('refs/gmr/retired/'))).toHaveLength(1)
  })
})
