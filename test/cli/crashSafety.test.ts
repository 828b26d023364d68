import { execFileSync, spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { gmrIn } from '../helpers/runners.js'
import { fsck, gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
const MODEL = 'registry/models/m.yaml'
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gmr.js')
/**
 * Every step of a registry edit a kill can land after (src/ops/registryEdit.ts), and the
 * two inside the index write (src/git/indexUpdate.ts) that leave `index.lock` behind.
 */
const IN_INDEX_LOCK = ['index:locked', 'index:written']
const POINTS = ['edit:journal', 'edit:worktree', ...IN_INDEX_LOCK, 'edit:index', 'edit:branch', 'edit:refs']
/** After these, plain git refuses to run (index.lock exists) until a gmr command has run, as after a killed git. */
const GIT_RUNS_AFTER = POINTS.filter((point) => !IN_INDEX_LOCK.includes(point))

const { ok } = gmrIn(() => repo)

/** Run the gmr binary with GMR_CRASH_AT=point: it must die by SIGKILL there. */
async function killedAt(point: string, ...args: string[]): Promise<void> {
  const result = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: point }, args)
  expect(result.code, `gmr ${args.join(' ')} should have been killed at ${point}: ${result.stderr}`).toBe(-1)
  releaseDeadLock()
}

/**
 * A killed gmr leaves its registry lock behind. Taking over a dead holder's lock is the
 * registry lock's own job (src/git/lock.ts); here the test removes it, as its message
 * tells a user to, so that what is tested is the edit's state and its repair.
 */
function releaseDeadLock(): void {
  fs.rmSync(join(repo.dir, '.git/gmr/registry.lock'), { force: true })
}

/** Run the gmr binary and SIGKILL it after `ms` (it may have finished by then); whether it was killed. */
function killedAfter(ms: number, args: string[]): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: repo.dir, env: repo.env, stdio: 'ignore' })
    const timer = setTimeout(() => child.kill('SIGKILL'), ms)
    child.on('error', reject)
    child.on('close', (_, signal) => {
      clearTimeout(timer)
      releaseDeadLock()
      resolve(signal === 'SIGKILL')
    })
  })
}

/** The user's own next commit, of a file that has nothing to do with the registry. */
function userCommit(note: string): void {
  repo.write('README.md', `# project\n${note}\n`)
  repo.git('add', 'README.md')
  repo.git('commit', '-q', '-m', `docs: ${note}`)
}

const headManifest = (path = MODEL) => repo.git('show', `HEAD:${path}`)
const ref = (name: string) => repo.git('rev-parse', '--verify', '-q', name).trim()

/** What must hold after any killed edit once the next gmr command has run. */
async function expectRepaired(): Promise<void> {
  const check = await gmr(repo.dir, repo.env, ['check', '--no-lfs'])
  expect(check.code, check.stdout + check.stderr).toBe(0)
  expect(repo.git('status', '--porcelain')).toBe('')
  expect(fs.existsSync(join(repo.dir, '.git/gmr/edit.json'))).toBe(false)
  expect(fs.existsSync(join(repo.dir, '.git/index.lock'))).toBe(false)
  fsck(repo)
}

beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
  for (const weights of ['w0', 'w1']) {
    repo.write(join(repo.scratch, 'out/model.bin'), weights)
    await ok('log', 'pre', join(repo.scratch, 'out'))
  }
  await ok('model', 'create', 'm')
})
afterEach(() => repo.cleanup())

describe('a registry edit killed at each step', () => {
  it.each(POINTS)('link killed after %s: the next gmr command finishes it, and a user commit afterwards keeps it', async (point) => {
    await killedAt(point, 'link', 'pre:v1', 'm', '--alias', 'staging')
    await expectRepaired()
    expect(headManifest()).toContain('artifactVersion: 1')
    expect(ref('refs/aliases/m/staging')).toBe(ref('artifacts/pre'))
    userCommit('after the link')
    expect(headManifest()).toContain('artifactVersion: 1')
    expect(repo.git('status', '--porcelain')).toBe('')
    // The edit is one commit of its own, with gmr's message.
    expect(repo.git('log', '-1', '--format=%s', 'HEAD~1')).toBe('gmr: link m v0 -> pre:v1 (alias staging)\n')
  })

  it.each(['ref:locked:refs/heads/main', 'ref:locked:refs/aliases/m/staging'])(
    'link killed holding a ref lock (%s): the next gmr command removes the dead lock and finishes the edit',
    async (point) => {
      await killedAt(point, 'link', 'pre:v1', 'm', '--alias', 'staging')
      const lock = join(repo.dir, '.git', `${point.slice('ref:locked:'.length)}.lock`)
      expect(fs.existsSync(lock)).toBe(true)
      await expectRepaired()
      expect(fs.existsSync(lock)).toBe(false)
      expect(headManifest()).toContain('artifactVersion: 1')
      expect(ref('refs/aliases/m/staging')).toBe(ref('artifacts/pre'))
    },
  )

  it.each(GIT_RUNS_AFTER)('link killed after %s, then the user commits with plain git first: neither loses the other', async (point) => {
    await killedAt(point, 'link', 'pre:v1', 'm', '--alias', 'staging')
    userCommit('before gmr runs again')
    expect(repo.git('show', 'HEAD:README.md')).toContain('before gmr runs again')
    await expectRepaired()
    expect(headManifest()).toContain('artifactVersion: 1')
    expect(repo.git('show', 'HEAD:README.md')).toContain('before gmr runs again')
    expect(ref('refs/aliases/m/staging')).toBe(ref('artifacts/pre'))
  })

  it('a signed edit made again on top of a user commit is signed again (a signature covers the parent)', async () => {
    const key = join(repo.scratch, 'id_ed25519')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ada', '-f', key])
    fs.writeFileSync(join(repo.scratch, 'allowed_signers'), `ada@example.com ${fs.readFileSync(`${key}.pub`, 'utf8')}`)
    repo.git('config', 'gpg.format', 'ssh')
    repo.git('config', 'user.signingkey', key)
    repo.git('config', 'gpg.ssh.allowedSignersFile', join(repo.scratch, 'allowed_signers'))
    await killedAt('edit:journal', '--sign', 'link', 'pre:v1', 'm', '--alias', 'staging')
    userCommit('before gmr runs again')
    await expectRepaired()
    const [edit, user] = repo.git('log', '-2', '--format=%H %s').trim().split('\n')
    expect(user).toMatch(/^[0-9a-f]{40} docs: before gmr runs again$/)
    expect(edit).toMatch(/^[0-9a-f]{40} gmr: link m v0 -> pre:v1 \(alias staging\)$/)
    const verified = spawnSync('git', ['verify-commit', edit!.slice(0, 40)], { cwd: repo.dir, env: repo.env, encoding: 'utf8' })
    expect(verified.status, verified.stderr).toBe(0)
    expect(verified.stderr).toContain('Good "git" signature for ada@example.com')
  })

  it.each(POINTS)('model create killed after %s: the manifest ends up committed, never deleted by the next commit', async (point) => {
    await killedAt(point, 'model', 'create', 'n', '--tag', 'vision')
    if (!IN_INDEX_LOCK.includes(point)) userCommit('beside model create')
    await expectRepaired()
    expect(headManifest('registry/models/n.yaml')).toContain('name: n')
    userCommit('once more')
    expect(headManifest('registry/models/n.yaml')).toContain('- vision')
  })

  it('the states a kill leaves are ones a plain git commit keeps: never staged-old over a moved branch', async () => {
    await killedAt('edit:index', 'link', 'pre:v1', 'm')
    expect(repo.git('status', '--porcelain')).toBe(`M  ${MODEL}\n`)
    userCommit('plain git first')
    expect(headManifest()).toContain('artifactVersion: 1')
    await expectRepaired()
    await killedAt('edit:branch', 'model', 'create', 'n')
    expect(repo.git('status', '--porcelain')).toBe('')
    userCommit('plain git again')
    expect(headManifest('registry/models/n.yaml')).toContain('name: n')
    await expectRepaired()
  })

  it('an index.lock a live git process holds is never taken for the killed edit\'s own', async () => {
    await killedAt('edit:worktree', 'link', 'pre:v1', 'm')
    const theirs = join(repo.dir, '.git/index.lock')
    fs.writeFileSync(theirs, 'DIRC: the index another git command is writing')
    const blocked = await gmr(repo.dir, repo.env, ['check', '--no-lfs'])
    expect(blocked.code).toBe(1)
    expect(blocked.stderr).toMatch(/index\.lock': File exists\. Another git process seems to be running/)
    expect(fs.readFileSync(theirs, 'utf8')).toBe('DIRC: the index another git command is writing')
    fs.rmSync(theirs)
    await expectRepaired()
    expect(headManifest()).toContain('artifactVersion: 1')
  })

  it('a file the user changed after the kill is theirs: the interrupted edit is dropped, nothing overwritten', async () => {
    await killedAt('edit:worktree', 'tag', 'add', 'm', 'killed')
    repo.write(MODEL, `${repo.read(MODEL)}# my own note\n`)
    const check = await gmr(repo.dir, repo.env, ['check', '--no-lfs'])
    expect(check.code, check.stderr).toBe(0)
    expect(repo.read(MODEL)).toContain('# my own note')
    expect(headManifest()).not.toContain('killed')
    expect(fs.existsSync(join(repo.dir, '.git/gmr/edit.json'))).toBe(false)
  })
})

describe('gmr log killed while moving its artifact branch', () => {
  it('leaves refs/heads/artifacts/<a>.lock; the next gmr log removes it with a note and numbers on without a gap', async () => {
    repo.write(join(repo.scratch, 'out/model.bin'), 'w2')
    await killedAt('ref:locked:refs/heads/artifacts/pre', 'log', 'pre', join(repo.scratch, 'out'))
    const lock = join(repo.dir, '.git/refs/heads/artifacts/pre.lock')
    expect(fs.existsSync(lock)).toBe(true)
    const next = await gmr(repo.dir, repo.env, ['log', 'pre', join(repo.scratch, 'out')])
    expect(next.code, next.stderr).toBe(0)
    expect(next.stdout).toBe('pre:v2\n')
    expect(next.stderr).toContain('note: removed refs/heads/artifacts/pre.lock, left by a gmr that was killed while moving it')
    expect(fs.existsSync(lock)).toBe(false)
    expect(repo.git('log', '-1', '--format=%s', 'artifacts/pre')).toBe('pre v2\n')
    await expectRepaired()
  })
})

describe('registry edits killed after random delays', () => {
  it('after every kill: fsck clean, the next gmr command repairs and succeeds, a user commit keeps the registry', async () => {
    // Kill moments are drawn from how long each edit takes on this machine now, so that most
    // runs are killed somewhere between start-up and their last write.
    const timed = async (...args: string[]) => {
      const start = performance.now()
      await ok(...args)
      return performance.now() - start
    }
    await ok('link', 'pre:v0', 'm')
    await ok('link', 'pre:v1', 'm')
    const aliasTime = await timed('alias', 'set', 'm', 'staging', 'v1')
    const tagTime = await timed('tag', 'add', 'm', 'calibrate')
    let kills = 0
    for (let i = 0; i < 30; i++) {
      const args = i % 3 === 0 ? ['alias', 'set', 'm', 'staging', `v${(i / 3) % 2}`] : ['tag', 'add', 'm', `t${i}`]
      const time = i % 3 === 0 ? aliasTime : tagTime
      if (await killedAfter(Math.floor(time * (0.3 + Math.random() * 0.65)), args)) kills++
      fsck(repo)
      await expectRepaired()
      const registry = repo.git('rev-parse', 'HEAD:registry')
      userCommit(`iteration ${i}`)
      // The user's commit changed nothing under registry/: whatever the edit got to is kept.
      expect(repo.git('rev-parse', 'HEAD:registry')).toBe(registry)
      expect(repo.git('status', '--porcelain')).toBe('')
    }
    await ok('tag', 'add', 'm', 'final')
    expect(headManifest()).toContain('- final')
    // Many of the 30 runs must really have been killed, or this test shows nothing.
    expect(kills).toBeGreaterThanOrEqual(8)
  }, 300_000)
})
