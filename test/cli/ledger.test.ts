import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmrOkWith, writeWeights } from '../helpers/runners.js'
import { gmr } from '../helpers/cli.js'
import { fsck, gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer } from '../helpers/gitServer.js'

let repo: TempRepo
const LEDGER = 'refs/gmr/ledger'

/** Pin commit and ledger times (GIT_COMMITTER_DATE), as a clock reading at `time`. */
function at(time: string, env: Record<string, string> = repo.env): Record<string, string> {
  return { ...env, GIT_AUTHOR_DATE: time, GIT_COMMITTER_DATE: time }
}

const ok = gmrOkWith

const weights = (name: string, content: string) => writeWeights(repo.scratch, name, content)

/** A model with links v0 and v1 (different versions), production on v0, as of 01:40. */
async function twoLinks(): Promise<{ v0: string; v1: string }> {
  const env = at('2026-11-20T01:40:00Z')
  await ok(repo.dir, env, 'log', 'churn', weights('w0', 'zero'))
  await ok(repo.dir, env, 'log', 'churn', weights('w1', 'one'))
  await ok(repo.dir, env, 'model', 'create', 'churn-model')
  await ok(repo.dir, env, 'link', 'churn:v0', 'churn-model', '--alias', 'production', '--force')
  await ok(repo.dir, env, 'link', 'churn:v1', 'churn-model')
  return { v0: repo.git('rev-parse', 'artifacts/churn~1').trim(), v1: repo.git('rev-parse', 'artifacts/churn').trim() }
}

const ledgerLog = (dir = repo.dir) => execFileSync('git', ['log', '--format=%s', LEDGER], { cwd: dir, env: repo.env, encoding: 'utf8' })

beforeEach(async () => {
  repo = makeRepo()
  await ok(repo.dir, repo.env, 'init')
})
afterEach(() => repo.cleanup())

describe('storage format 2', () => {
  it('gmr init writes formatVersion 2', () => {
    expect(repo.read('registry/registry.yaml')).toMatch(/^formatVersion: 2$/m)
  })

  it('a version-1 registry still reads; its next edit upgrades it to 2 in the same commit, with a note', async () => {
    const { v0 } = await twoLinks()
    // As the previous gmr wrote it: formatVersion 1, no ledger.
    repo.write('registry/registry.yaml', repo.read('registry/registry.yaml').replace('formatVersion: 2', 'formatVersion: 1'))
    repo.git('commit', '-q', '-am', 'a registry made by format 1')
    repo.git('update-ref', '-d', LEDGER)
    fs.rmSync(join(repo.dir, '.git/gmr/ledger-tip'))
    expect((await ok(repo.dir, repo.env, 'resolve', 'churn-model:production')).trim()).toBe(v0)

    const edit = await gmr(repo.dir, repo.env, ['alias', 'set', 'churn-model', 'production', 'v1', '--force'])
    expect(edit.code).toBe(0)
    expect(edit.stderr).toMatch(/^note: this edit upgrades the registry from storage format 1 to 2/m)
    expect(repo.git('show', '--name-only', '--format=', 'HEAD').split('\n').filter(Boolean).sort()).toEqual([
      'registry/models/churn-model.yaml',
      'registry/registry.yaml',
    ])
    expect(repo.read('registry/registry.yaml')).toMatch(/^formatVersion: 2$/m)
    expect(repo.git('status', '--porcelain')).toBe('')
    expect(ledgerLog()).toBe('churn-model:production v0 -> v1\n')
    // The ledger this test deleted to stand for format 1 is left dangling; nothing else is wrong.
    expect(repo.git('fsck', '--strict', '--no-dangling', '--no-progress')).toBe('')
  })
})

describe('the ledger', () => {
  it('records every alias move on the registry branch, readable with plain git log, one commit per edit', async () => {
    const { v0, v1 } = await twoLinks()
    await ok(repo.dir, at('2026-11-20T01:45:00Z'), 'alias', 'set', 'churn-model', 'production', 'v1', '--force')
    expect(ledgerLog()).toBe('churn-model:production v0 -> v1\nchurn-model:production none -> v0\n')
    const body = repo.git('log', '-1', '--format=%B', LEDGER)
    const head = repo.git('rev-parse', 'HEAD').trim()
    expect(body).toContain(`registry-commit ${head}\n`)
    expect(body).toContain(`move churn-model:production from v0 ${v0} to v1 ${v1}\n`)
    expect(repo.git('log', '-1', '--format=%an <%ae> %cI', LEDGER).trim()).toBe('Ada Lovelace <ada@example.com> 2026-11-20T01:45:00+00:00')
    // Append-only: each record's parent is the previous one.
    expect(repo.git('rev-list', '--count', LEDGER).trim()).toBe('2')
    expect(fsck(repo)).toBe('')
  })

  it('the issue: proposed on a branch, merged later, synced later — resolve --at between merge and sync answers the old version', async () => {
    const { v0, v1 } = await twoLinks()
    repo.git('checkout', '-q', '-b', 'promote')
    await ok(repo.dir, at('2026-11-20T01:50:07Z'), 'alias', 'set', 'churn-model', 'production', 'v1')
    repo.git('checkout', '-q', 'main')
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'merge promote', 'promote'], { cwd: repo.dir, env: at('2026-11-20T01:50:25Z') })
    await ok(repo.dir, at('2026-11-20T01:52:00Z'), 'sync')

    const between = await gmr(repo.dir, repo.env, ['resolve', 'churn-model:production', '--at', '2026-11-20T01:51:00Z', '--json'])
    expect(between.stderr).toBe('')
    expect(JSON.parse(between.stdout)).toMatchObject({ source: 'ledger', version: { version: 0, commit: v0 } })
    expect((await ok(repo.dir, repo.env, 'resolve', 'churn-model:production', '--at', '2026-11-20T01:50:15Z')).trim()).toBe(v0)
    expect((await ok(repo.dir, repo.env, 'resolve', 'churn-model:production', '--at', '2026-11-20T01:53:00Z')).trim()).toBe(v1)

    const history = JSON.parse(await ok(repo.dir, repo.env, 'history', 'churn-model', '--json'))
    const promotion = history.entries[0]
    expect(promotion).toMatchObject({ at: '2026-11-20T01:50:25Z', authoredAt: '2026-11-20T01:50:07Z' })
    expect(promotion.tookEffect).toEqual([{ alias: 'production', at: '2026-11-20T01:52:00Z', ledgerCommit: repo.git('rev-parse', LEDGER).trim() }])
    const text = await ok(repo.dir, repo.env, 'history', 'churn-model')
    expect(text).toContain(
      'alias production moved v0 -> v1\n    production: proposed 2026-11-20T01:50:07Z, merged 2026-11-20T01:50:25Z, took effect 2026-11-20T01:52:00Z\n',
    )
  })

  it('resolve --at falls back to manifest history for moves older than the ledger, and says so', async () => {
    const { v0 } = await twoLinks()
    repo.git('update-ref', '-d', LEDGER)
    const result = await gmr(repo.dir, repo.env, ['resolve', 'churn-model:production', '--at', '2026-11-20T01:41:00Z', '--json'])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/^note: the ledger has no record of churn-model:production at 2026-11-20T01:41:00Z: answered from the registry branch's manifest history/)
    expect(JSON.parse(result.stdout)).toMatchObject({ source: 'manifest-history', version: { commit: v0 } })
  })

  for (const point of ['ledger:refs-moved', 'edit:journal', 'edit:branch']) {
    it(`an alias edit killed at ${point} is finished by the next command, ledger record included`, async () => {
      const { v1 } = await twoLinks()
      const killed = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: point }, ['alias', 'set', 'churn-model', 'production', 'v1', '--force'])
      expect(killed.code).toBe(-1)
      fs.rmSync(join(repo.dir, '.git/gmr/registry.lock'), { force: true })
      await ok(repo.dir, repo.env, 'resolve', 'churn-model:production')
      expect(repo.git('rev-parse', 'refs/aliases/churn-model/production').trim()).toBe(v1)
      expect(ledgerLog()).toBe('churn-model:production v0 -> v1\nchurn-model:production none -> v0\n')
      expect(fs.existsSync(join(repo.dir, '.git/gmr/edit.json'))).toBe(false)
      expect((await gmr(repo.dir, repo.env, ['check'])).code).toBe(0)
      expect(fsck(repo)).toBe('')
    })
  }

  it('a sync killed between the ref moves and the ledger append is finished by the next command', async () => {
    const { v1 } = await twoLinks()
    repo.git('checkout', '-q', '-b', 'promote')
    await ok(repo.dir, repo.env, 'alias', 'set', 'churn-model', 'production', 'v1')
    repo.git('checkout', '-q', 'main')
    repo.git('merge', '-q', '--ff-only', 'promote')
    const killed = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: 'ledger:refs-moved' }, ['sync'])
    expect(killed.code).toBe(-1)
    fs.rmSync(join(repo.dir, '.git/gmr/registry.lock'), { force: true })
    expect(ledgerLog()).toBe('churn-model:production none -> v0\n')
    await ok(repo.dir, repo.env, 'sync')
    expect(repo.git('rev-parse', 'refs/aliases/churn-model/production').trim()).toBe(v1)
    expect(ledgerLog()).toBe('churn-model:production v0 -> v1\nchurn-model:production none -> v0\n')
    expect(fs.existsSync(join(repo.dir, '.git/gmr/alias-moves.json'))).toBe(false)
  })
})

describe('check and the ledger', () => {
  it('reports an alias ref moved behind gmr\'s back (plain git update-ref), in one line', async () => {
    const { v0, v1 } = await twoLinks()
    repo.git('update-ref', 'refs/aliases/churn-model/production', v1)
    const result = await gmr(repo.dir, repo.env, ['check'])
    expect(result.code).toBe(1)
    const lines = result.stdout.split('\n').filter((l) => l.includes('the ledger'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(
      `refs/aliases/churn-model/production points at ${v1.slice(0, 10)}, but the ledger's last record of it`,
    )
    expect(lines[0]).toContain(`put it at ${v0.slice(0, 10)}: it was moved outside gmr`)
  })

  it('reports an edited ledger (history rewritten, not appended to), in one line', async () => {
    await twoLinks()
    await ok(repo.dir, repo.env, 'alias', 'set', 'churn-model', 'production', 'v1', '--force')
    const tip = repo.git('rev-parse', LEDGER).trim()
    // Rewrite the last record to say something else, as someone covering tracks would.
    const forged = execFileSync('git', ['commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-p', `${LEDGER}~1`, '-m', 'nothing happened'], {
      cwd: repo.dir,
      env: repo.env,
      encoding: 'utf8',
    }).trim()
    repo.git('update-ref', LEDGER, forged)
    const result = await gmr(repo.dir, repo.env, ['check'])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(`refs/gmr/ledger was rewritten: it no longer contains ${tip.slice(0, 10)}, the last ledger tip gmr recorded in this clone`)
  })
})

describe('requireSignatures', () => {
  function requireSignatures(): void {
    repo.write('registry/registry.yaml', `${repo.read('registry/registry.yaml')}requireSignatures: true\n`)
    repo.git('commit', '-q', '-am', 'require signatures')
  }

  it('download, check and sync refuse an unsigned version, naming the commit and the signer expected', async () => {
    const { v0 } = await twoLinks()
    requireSignatures()
    repo.git('config', 'gpg.format', 'ssh')
    repo.git('config', 'gpg.ssh.allowedSignersFile', join(repo.scratch, 'allowed_signers'))
    const download = await gmr(repo.dir, repo.env, ['download', 'churn-model:production', '--to', join(repo.scratch, 'out')])
    expect(download.code).toBe(1)
    expect(download.stderr).toBe(
      `error: requireSignatures is on (registry/registry.yaml) and the version commit of churn:v0 ${v0.slice(0, 10)} is not signed; expected a signature by a principal in gpg.ssh.allowedSignersFile (${join(repo.scratch, 'allowed_signers')}); sign it, or trust its key, and run again\n`,
    )
    expect(fs.existsSync(join(repo.scratch, 'out'))).toBe(false)
    const check = await gmr(repo.dir, repo.env, ['check'])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain(`requireSignatures: version commit ${v0.slice(0, 10)} is not signed`)
    expect(check.stdout).toContain('requireSignatures: alias move (ledger commit)')

    repo.git('checkout', '-q', '-b', 'promote')
    await ok(repo.dir, repo.env, 'alias', 'set', 'churn-model', 'production', 'v1')
    repo.git('checkout', '-q', 'main')
    repo.git('merge', '-q', '--ff-only', 'promote')
    const sync = await gmr(repo.dir, repo.env, ['sync'])
    expect(sync.code).toBe(1)
    expect(sync.stderr).toMatch(/^error: requireSignatures is on \(registry\/registry.yaml\) and the registry commit the alias refs would follow [0-9a-f]{10} is not signed/)
    expect(repo.git('rev-parse', 'refs/aliases/churn-model/production').trim()).toBe(v0)
  })

  it('signed versions and signed ledger records pass; git verify-commit accepts the ledger commits', async () => {
    const key = join(repo.scratch, 'id_ed25519')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ada', '-f', key])
    const allowed = join(repo.scratch, 'allowed_signers')
    fs.writeFileSync(allowed, `ada@example.com ${fs.readFileSync(`${key}.pub`, 'utf8')}`)
    repo.git('config', 'gpg.format', 'ssh')
    repo.git('config', 'user.signingkey', key)
    repo.git('config', 'gpg.ssh.allowedSignersFile', allowed)
    repo.git('config', 'commit.gpgsign', 'true')
    await twoLinks()
    requireSignatures()
    expect(spawnSync('git', ['verify-commit', LEDGER], { cwd: repo.dir, env: repo.env }).status).toBe(0)
    await ok(repo.dir, repo.env, 'download', 'churn-model:production', '--to', join(repo.scratch, 'out'))
    expect(fs.readFileSync(join(repo.scratch, 'out', 'model.bin'), 'utf8')).toBe('zero')
    await ok(repo.dir, repo.env, 'check')
  })
})

describe('the ledger between machines', () => {
  let server: GitServer
  beforeEach(async () => {
    server = await startGitServer()
    server.createRepo('models')
  })
  afterEach(async () => server.stop())

  it('push and clone carry it; two machines promoting get a merge commit on the ledger; a forged alias push is caught by check', async () => {
    const { v0, v1 } = await twoLinks()
    repo.git('remote', 'add', 'origin', server.url('models'))
    await ok(repo.dir, repo.env, 'push')
    await ok(repo.scratch, repo.env, 'clone', server.url('models'), 'bob')
    const bob = join(repo.scratch, 'bob')
    expect(execFileSync('git', ['config', '--get-all', 'remote.origin.fetch'], { cwd: bob, encoding: 'utf8' })).toBe(
      '+refs/heads/*:refs/remotes/origin/*\n+refs/aliases/*:refs/aliases/*\n+refs/aliases/*:refs/remotes/origin/aliases/*\n+refs/gmr/ledger*:refs/remotes/origin/gmr/ledger*\n+refs/gmr/retired/*:refs/gmr/retired/*\n+refs/gmr/retired/*:refs/gmr/remotes/origin/retired/*\n',
    )
    expect(ledgerLog(bob)).toBe(ledgerLog())

    // Both machines move an alias; Bob pushes first; Alice's push is refused, pull merges the ledgers.
    await ok(bob, at('2026-11-20T02:00:00Z'), 'alias', 'set', 'churn-model', 'staging', 'v1')
    await ok(bob, repo.env, 'push')
    await ok(repo.dir, at('2026-11-20T02:01:00Z'), 'alias', 'set', 'churn-model', 'production', 'v1', '--force')
    expect((await gmr(repo.dir, repo.env, ['push'])).code).toBe(1)
    await ok(repo.dir, repo.env, 'pull')
    await ok(repo.dir, repo.env, 'push')
    expect(repo.git('rev-list', '--merges', LEDGER).trim().split('\n').map((c) => repo.git('log', '-1', '--format=%s', c).trim())).toEqual(["gmr: merge origin's ledger"])
    expect(ledgerLog()).toContain('churn-model:staging none -> v1\n')
    expect(ledgerLog()).toContain('churn-model:production v0 -> v1\n')
    await ok(bob, repo.env, 'pull')
    expect(execFileSync('git', ['rev-parse', LEDGER], { cwd: bob, encoding: 'utf8' })).toBe(repo.git('rev-parse', LEDGER))

    // A forged, unsigned alias move pushed with plain git, straight into the server's repository.
    execFileSync('git', ['push', '-q', '--force', server.repoPath('models'), `${v0}:refs/aliases/churn-model/production`], { cwd: bob, env: repo.env })
    await ok(repo.dir, repo.env, 'fetch')
    const check = await gmr(repo.dir, repo.env, ['check'])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain(`refs/aliases/churn-model/production points at ${v0.slice(0, 10)}, but the ledger's last record of it`)
    expect(v1).not.toBe(v0)
  })
})
