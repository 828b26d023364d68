import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openRegistry } from '../../src/index.js'
import { gmr } from '../helpers/cli.js'
import { gmrIn } from '../helpers/runners.js'
import { fsck, gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { sha256 } from '../helpers/lfs.js'
import { repoFingerprint } from '../helpers/state.js'
import { hasTool } from '../helpers/tools.js'

// gmr prune: the retention policy applied to the local (or a bare remote's) LFS store.

let repo: TempRepo
const { run, ok } = gmrIn(() => repo)

/** A model folder with one file of its own (`weights.bin`, large) and one every version shares (`vocab.bin`, large). */
function modelFiles(n: number): string {
  const dir = join(repo.scratch, `m${n}`)
  repo.write(join(dir, 'weights.bin'), `weights of version ${n}\n`.repeat(20))
  repo.write(join(dir, 'vocab.bin'), 'shared vocabulary\n'.repeat(20))
  return dir
}

const weightsOid = (n: number) => sha256(`weights of version ${n}\n`.repeat(20))
const vocabOid = sha256('shared vocabulary\n'.repeat(20))
const objectPath = (oid: string, dir = join(repo.dir, '.git')) => join(dir, 'lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid)

/** Make every stored object older than the grace period, as if logged yesterday. */
function ageObjects(gitdir = join(repo.dir, '.git')): void {
  const past = new Date(Date.now() - 86_400_000)
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const path = join(dir, name)
      if (fs.statSync(path).isDirectory()) walk(path)
      else fs.utimesSync(path, past, past)
    }
  }
  walk(join(gitdir, 'lfs/objects'))
}

function setPolicy(policy: string): void {
  const path = join(repo.dir, 'registry/registry.yaml')
  const text = fs.readFileSync(path, 'utf8').replace(/largeFileThreshold: \d+/, 'largeFileThreshold: 100')
  fs.writeFileSync(path, `${text.replace(/\nretention:[\s\S]*$/, '\n')}${policy}`)
  repo.git('commit', '-q', '-am', 'retention policy')
}

function refs(): string {
  return repo.git('for-each-ref', '--format=%(refname) %(objectname)')
}

beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
  setPolicy('retention:\n  keepLast: 1\n')
  for (const n of [0, 1, 2, 3]) await ok('log', 'churn', modelFiles(n))
  await ok('model', 'create', 'churn-model')
  await ok('link', 'churn:v0', 'churn-model')
  await ok('alias', 'set', 'churn', 'candidate', 'v2')
  ageObjects()
})
afterEach(() => repo.cleanup())

describe('gmr prune', () => {
  it('a dry run says what it would free, per version, and changes nothing; the real run frees exactly that', async () => {
    const before = repoFingerprint(repo.dir)
    const refsBefore = refs()
    const dry = await ok('prune', '--dry-run')
    expect(dry).toMatch(/^would free churn:v1 \([0-9a-f]{10}\): 1 object, 420 B\n/)
    expect(dry).toContain('would free 1 object, 420 B in ')
    expect(dry).toContain('3 versions kept, 1 outside the policy\n')
    expect(repoFingerprint(repo.dir)).toEqual(before)

    const json = JSON.parse(await ok('prune', '--json'))
    expect(json).toMatchObject({ dryRun: false, objectCount: 1, size: 420, remote: null, policy: { keepLast: 1 } })
    expect(json.versions.map((v: { version: number; keep: boolean; reasons: string[] }) => [v.version, v.keep, v.reasons])).toEqual([
      [0, true, ['linked']],
      [1, false, []],
      [2, true, ['aliased']],
      [3, true, ['last']],
    ])
    expect(fs.existsSync(objectPath(weightsOid(1)))).toBe(false)
    for (const oid of [weightsOid(0), weightsOid(2), weightsOid(3), vocabOid]) expect(fs.existsSync(objectPath(oid))).toBe(true)
    // No git object or ref changed: the version and its pointer are still there.
    expect(refs()).toBe(refsBefore)
    expect(repo.git('show', 'artifacts/churn~2:weights.bin')).toContain(`oid sha256:${weightsOid(1)}`)
    expect(fsck(repo)).toBe('')
    // git lfs fsck reads HEAD (here the registry branch) or the commits it is given: the tip is kept.
    if (hasTool('git-lfs')) for (const rev of ['HEAD', 'artifacts/churn']) expect(repo.git('lfs', 'fsck', rev)).toContain('Git LFS fsck OK')
    expect((await run('check')).code).toBe(0)
    expect(await ok('versions', 'churn')).toContain('v3')

    // Nothing left to free: a second run says so, and the library says the same as the CLI.
    expect(await ok('prune')).toContain('freed 0 objects, 0 B')
    const library = await openRegistry({ fs, dir: repo.dir, env: repo.env }).prune({ dryRun: true })
    expect(library).toEqual(JSON.parse(await ok('prune', '--dry-run', '--json')))
  })

  it('a download of a pruned version says it was pruned and how to fetch it, in one line, and writes nothing', async () => {
    await ok('prune')
    const target = join(repo.scratch, 'out')
    const result = await run('download', 'churn:v1', '--to', target)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^error: cannot download churn:v1: .* is not in .*; churn:v1 was pruned from this clone's large-file store on \d{4}-\d{2}-\d{2} \(gmr prune, by the retention policy\); no remote is configured .*git lfs fetch origin [0-9a-f]{40}"\n$/,
    )
    expect(fs.existsSync(target)).toBe(false)
    expect((await run('download', 'churn:v3', '--to', target)).code).toBe(0)
    expect(fs.readFileSync(join(target, 'weights.bin'), 'utf8')).toBe(`weights of version 3\n`.repeat(20))
  })

  it('keeps objects that a branch, a stash or the index references, and objects written within the grace period', async () => {
    const pointer = repo.git('show', 'artifacts/churn~2:weights.bin')
    // The user's own code tracks the same large file as an LFS pointer, staged but not committed.
    repo.write('data/copy.bin', pointer)
    repo.git('add', 'data/copy.bin')
    let json = JSON.parse(await ok('prune', '--json'))
    expect(json.objectCount).toBe(0)
    expect(fs.existsSync(objectPath(weightsOid(1)))).toBe(true)
    // Committed on a branch of its own.
    repo.git('checkout', '-q', '-b', 'experiment')
    repo.git('commit', '-q', '-m', 'copy')
    repo.git('checkout', '-q', 'main')
    json = JSON.parse(await ok('prune', '--json'))
    expect(json.objectCount).toBe(0)
    // Only in a stash.
    repo.git('branch', '-q', '-D', 'experiment')
    repo.write('data/copy.bin', pointer)
    repo.git('add', 'data/copy.bin')
    repo.git('stash', '-q')
    json = JSON.parse(await ok('prune', '--json'))
    expect(json.objectCount).toBe(0)
    repo.git('stash', 'drop', '-q')

    // Now nothing references it but v1, whose object was just written again: within the grace period.
    fs.utimesSync(objectPath(weightsOid(1)), new Date(), new Date())
    json = JSON.parse(await ok('prune', '--json'))
    expect(json).toMatchObject({ objectCount: 0, recentObjectCount: 1 })
    ageObjects()
    json = JSON.parse(await ok('prune', '--json'))
    expect(json.objectCount).toBe(1)
  })

  it('a version logged while the prune runs, reusing an object being deleted, gets it back', async () => {
    let raced = false
    const v1 = repo.git('rev-parse', 'artifacts/churn~2').trim()
    // Another process commits churn:v4 with v1's files just after the prune moved v1's object aside.
    const logMeanwhile = (from: string, to: string) => {
      if (raced || !from.includes('/lfs/objects/') || !to.includes('/lfs/tmp/')) return
      raced = true
      const tip = repo.git('rev-parse', 'artifacts/churn').trim()
      const commit = repo.git('commit-tree', `${v1}^{tree}`, '-p', tip, '-m', 'churn v4\n\nartifact: churn\nversion: 4\n').trim()
      repo.git('update-ref', 'refs/heads/artifacts/churn', commit, tip)
    }
    const racing = {
      ...fs,
      renameSync: (from: string, to: string) => {
        fs.renameSync(from, to)
        logMeanwhile(from, to)
      },
    }
    const result = await gmr(repo.dir, repo.env, ['prune', '--json'], { fs: racing })
    expect(result.code, result.stderr).toBe(0)
    expect(raced).toBe(true)
    expect(JSON.parse(result.stdout)).toMatchObject({ objectCount: 0, size: 0 })
    expect(fs.readFileSync(objectPath(weightsOid(1)), 'utf8')).toBe('weights of version 1\n'.repeat(20))
    const target = join(repo.scratch, 'v4')
    await ok('download', 'churn:v4', '--to', target)
    expect(fs.readFileSync(join(target, 'weights.bin'), 'utf8')).toBe('weights of version 1\n'.repeat(20))
    expect(fs.readdirSync(join(repo.dir, '.git/lfs/tmp'))).toEqual([])
  })

  it('keepWithin keeps versions younger than the duration; without a policy nothing is pruned', async () => {
    setPolicy('retention:\n  keepWithin: 30d\n')
    let json = JSON.parse(await ok('prune', '--dry-run', '--json'))
    expect(json.objectCount).toBe(0)
    expect(json.versions[1].reasons).toEqual(['within'])

    setPolicy('')
    expect(await ok('prune')).toBe('no retention policy in registry/registry.yaml: every version is kept, nothing to prune\n')
    json = JSON.parse(await ok('prune', '--json'))
    expect(json).toMatchObject({ policy: null, objectCount: 0 })
    expect(json.versions.every((v: { reasons: string[] }) => v.reasons.includes('no-policy'))).toBe(true)
  })

  it('a policy that does not read is one line with its place, and nothing changes', async () => {
    setPolicy('retention:\n  keepWithin: 3 days\n')
    const before = repoFingerprint(repo.dir)
    const result = await run('prune')
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: registry\/registry\.yaml:\d+:\d+: .*keepWithin.*\n$/)
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })

  it('killed in the middle of deleting, the store stays consistent and the next prune finishes', async () => {
    await ok('log', 'churn', modelFiles(4))
    await ok('log', 'churn', modelFiles(5))
    ageObjects()
    const killed = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: 'prune-quarantined' }, ['prune'])
    expect(killed.code).toBe(-1)
    fs.rmSync(join(repo.dir, '.git/gmr/registry.lock'), { force: true })
    expect(fsck(repo)).toBe('')
    expect((await run('check')).code).toBe(0)
    const json = JSON.parse(await ok('prune', '--json'))
    // v1's object went with the killed run; v3 and v4 go now.
    expect(json.objectCount).toBe(2)
    for (const n of [1, 3, 4]) expect(fs.existsSync(objectPath(weightsOid(n)))).toBe(false)
    for (const n of [0, 2, 5]) expect(fs.existsSync(objectPath(weightsOid(n)))).toBe(true)
    expect(fs.readdirSync(join(repo.dir, '.git/lfs/tmp'))).toEqual([])
    if (hasTool('git-lfs')) expect(repo.git('lfs', 'fsck')).toContain('Git LFS fsck OK')
  })

  it('--remote prunes a bare repository at a local path by its own policy; a remote elsewhere is refused', async () => {
    const origin = join(repo.scratch, 'origin.git')
    execFileSync('git', ['init', '-q', '--bare', origin])
    repo.git('remote', 'add', 'origin', origin)
    await ok('push')
    ageObjects(origin)
    const remoteRefs = execFileSync('git', ['for-each-ref'], { cwd: origin, encoding: 'utf8' })

    // Pruned here while the remote still has it: a download fetches it back.
    await ok('prune')
    expect(fs.existsSync(objectPath(weightsOid(1)))).toBe(false)
    const restored = join(repo.scratch, 'restored')
    await ok('download', 'churn:v1', '--to', restored)
    expect(fs.readFileSync(join(restored, 'weights.bin'), 'utf8')).toBe('weights of version 1\n'.repeat(20))

    const dry = JSON.parse(await ok('prune', '--remote', 'origin', '--dry-run', '--json'))
    expect(dry).toMatchObject({ remote: 'origin', objectCount: 1, store: `${fs.realpathSync(origin)}/lfs/objects` })
    expect(fs.existsSync(objectPath(weightsOid(1), origin))).toBe(true)
    expect(await ok('prune', '--remote', 'origin')).toContain('freed 1 object, 420 B')
    expect(fs.existsSync(objectPath(weightsOid(1), origin))).toBe(false)
    expect(fs.existsSync(objectPath(weightsOid(1)))).toBe(true)
    expect(execFileSync('git', ['for-each-ref'], { cwd: origin, encoding: 'utf8' })).toBe(remoteRefs)
    execFileSync('git', ['fsck', '--strict', '--no-progress'], { cwd: origin })

    // Pruned on both sides: one line that says so.
    ageObjects()
    await ok('prune')
    const gone = await run('download', 'churn:v1', '--to', join(repo.scratch, 'gone'))
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/^error: cannot download churn:v1: [^\n]*; churn:v1 was pruned from this clone's large-file store on [^\n]*; origin does not have it either; [^\n]*"git lfs fetch <remote> [0-9a-f]{40}"[^\n]*\n$/)
    expect(fs.existsSync(join(repo.scratch, 'gone'))).toBe(false)

    repo.git('remote', 'add', 'hosted', 'https://example.com/team/models.git')
    const hosted = await run('prune', '--remote', 'hosted')
    expect(hosted.code).toBe(1)
    expect(hosted.stderr).toMatch(/^error: gmr prune --remote works on a bare repository at a local path.*README\)\n$/)
  })
})
