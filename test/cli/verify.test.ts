import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
let key: string
let allowed: string

/** An ssh signing key made for this test, trusted through gpg.ssh.allowedSignersFile. */
function useSshSigning(): void {
  key = join(repo.scratch, 'id_ed25519')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ada', '-f', key])
  allowed = join(repo.scratch, 'allowed_signers')
  fs.writeFileSync(allowed, `ada@example.com ${fs.readFileSync(`${key}.pub`, 'utf8')}`)
  repo.git('config', 'gpg.format', 'ssh')
  repo.git('config', 'user.signingkey', key)
  repo.git('config', 'gpg.ssh.allowedSignersFile', allowed)
  repo.git('config', 'commit.gpgsign', 'true')
}

function logModel(weights: Buffer): void {
  const out = join(repo.scratch, 'out')
  fs.mkdirSync(out, { recursive: true })
  fs.writeFileSync(join(out, 'model.bin'), weights)
  fs.writeFileSync(join(out, 'config.json'), '{"layers": 3}\n')
}

beforeEach(async () => {
  repo = makeRepo()
  expect((await gmr(repo.dir, repo.env, ['init'])).code).toBe(0)
})
afterEach(() => repo.cleanup())

describe('signed versions', () => {
  it('gmr log signs the version commit when git is configured to sign; git verify-commit and gmr verify accept it', async () => {
    useSshSigning()
    logModel(randomBytes(2 * 1024 * 1024))
    const logged = await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'out')])
    expect(logged.stderr).toBe('')
    expect(logged.code).toBe(0)

    const gitSays = spawnSync('git', ['verify-commit', 'artifacts/churn'], { cwd: repo.dir, env: repo.env, encoding: 'utf8' })
    expect(gitSays.status).toBe(0)
    expect(gitSays.stderr).toMatch(/Good "git" signature for ada@example.com/)
    expect(execFileSync('git', ['fsck', '--strict'], { cwd: repo.dir, env: repo.env, encoding: 'utf8', stdio: 'pipe' })).toBe('')

    const verified = await gmr(repo.dir, repo.env, ['verify', 'churn:v0'])
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    expect(verified.stdout).toMatch(/version commit +good signature by ada@example.com/)
    expect(verified.stdout).toMatch(/large files +1 checked \(2\.0 MiB\)/)
    expect(verified.stdout.trimEnd().split('\n').pop()).toBe('verified')

    const json = JSON.parse((await gmr(repo.dir, repo.env, ['verify', 'churn:v0', '--json'])).stdout)
    expect(json).toMatchObject({ version: { reference: 'churn:v0' }, verified: true, signature: { status: 'good', signer: 'ada@example.com' }, largeFileCount: 1, problems: [] })
  })

  it('registry edits are signed too, and verify checks the commits that linked the version and moved the alias', async () => {
    useSshSigning()
    logModel(Buffer.from('small weights\n'))
    for (const args of [
      ['log', 'churn', join(repo.scratch, 'out')],
      ['model', 'create', 'churn-model'],
      ['link', 'churn:v0', 'churn-model', '--alias', 'production', '--force'],
    ]) {
      const result = await gmr(repo.dir, repo.env, args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    }
    const head = repo.git('rev-parse', 'HEAD').trim()
    expect(spawnSync('git', ['verify-commit', head], { cwd: repo.dir, env: repo.env }).status).toBe(0)
    expect(spawnSync('git', ['verify-commit', 'HEAD~1'], { cwd: repo.dir, env: repo.env }).status).toBe(0)

    const verified = await gmr(repo.dir, repo.env, ['verify', 'churn-model:production'])
    expect(verified.stderr).toBe('')
    expect(verified.stdout).toContain(`linked in        ${head.slice(0, 10)}: good signature by ada@example.com`)
    expect(verified.stdout).toContain(`production set in ${head.slice(0, 10)}: good signature by ada@example.com`)

    // An alias moved by an unsigned commit (here: plain git with signing off) is caught.
    repo.write('registry/models/churn-model.yaml', repo.read('registry/models/churn-model.yaml').replace('production: 0', 'production: 0\n  staging: 0'))
    repo.git('-c', 'commit.gpgsign=false', 'commit', '-qam', 'staging by hand')
    const unsigned = repo.git('rev-parse', 'HEAD').trim()
    const staging = await gmr(repo.dir, repo.env, ['verify', 'churn-model:staging'])
    expect(staging.code).toBe(1)
    expect(staging.stderr).toBe(`error: churn-model:staging does not verify: the registry commit that moved churn-model:staging (${unsigned.slice(0, 10)}) is not signed\n`)
  })

  it('--sign signs although git is not configured to; --no-sign does not although it is', async () => {
    useSshSigning()
    repo.git('config', 'commit.gpgsign', 'false')
    logModel(Buffer.from('first\n'))
    expect((await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'out'), '--sign'])).code).toBe(0)
    expect(spawnSync('git', ['verify-commit', 'artifacts/churn'], { cwd: repo.dir, env: repo.env }).status).toBe(0)
    expect((await gmr(repo.dir, repo.env, ['model', 'create', 'churn-model'])).code).toBe(0)
    expect(repo.git('cat-file', '-p', 'HEAD')).not.toContain('gpgsig')

    repo.git('config', 'commit.gpgsign', 'true')
    logModel(Buffer.from('second\n'))
    expect((await gmr(repo.dir, repo.env, ['--no-sign', 'log', 'churn', join(repo.scratch, 'out')])).code).toBe(0)
    expect(repo.git('cat-file', '-p', 'artifacts/churn')).not.toContain('gpgsig')
    expect((await gmr(repo.dir, repo.env, ['tag', 'add', 'churn-model', 'nlp', '--no-sign'])).code).toBe(0)
    expect(repo.git('cat-file', '-p', 'HEAD')).not.toContain('gpgsig')
    expect((await gmr(repo.dir, repo.env, ['tag', 'add', 'churn-model', 'tabular'])).code).toBe(0)
    expect(spawnSync('git', ['verify-commit', 'HEAD'], { cwd: repo.dir, env: repo.env }).status).toBe(0)
  })

  it('an unsigned version does not verify: one line naming the commit, exit 1', async () => {
    logModel(Buffer.from('small weights\n'))
    expect((await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'out')])).code).toBe(0)
    const commit = repo.git('rev-parse', 'artifacts/churn').trim()
    const result = await gmr(repo.dir, repo.env, ['verify', 'churn'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`error: churn:latest does not verify: the version commit of churn:v0 (${commit.slice(0, 10)}) is not signed\n`)
    expect(result.stdout).toMatch(/version commit +not signed/)
  })

  it('a key that is not in the allowed signers file is rejected with git\'s reason', async () => {
    useSshSigning()
    logModel(Buffer.from('small weights\n'))
    expect((await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'out')])).code).toBe(0)
    fs.writeFileSync(allowed, '') // nobody is trusted any more
    const result = await gmr(repo.dir, repo.env, ['verify', 'churn:v0'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: churn:v0 does not verify: the version commit of churn:v0 \([0-9a-f]{10}\) has a signature git does not accept: .*no principal in gpg\.ssh\.allowedSignersFile matches that key\n$/)
  })

  it('a large file swapped in the store for other bytes of the same size is caught', async () => {
    useSshSigning()
    const weights = randomBytes(2 * 1024 * 1024)
    logModel(weights)
    expect((await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'out')])).code).toBe(0)
    const oid = execFileSync('sha256sum', [join(repo.scratch, 'out', 'model.bin')], { encoding: 'utf8' }).split(' ')[0]!
    const stored = join(repo.dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid)
    fs.chmodSync(stored, 0o644)
    fs.writeFileSync(stored, randomBytes(weights.length))
    const result = await gmr(repo.dir, repo.env, ['verify', 'churn:v0'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: churn:v0 does not verify: model\.bin: the stored Git LFS object does not match the version's pointer \(sha256 [0-9a-f]{64}, 2097152 bytes; expected [0-9a-f]{64}, 2097152 bytes\); delete .* and fetch it again\n$/)
    expect(result.stdout).toMatch(/version commit +good signature/)
  })

  it('signing that cannot work fails before anything is written, with one line', async () => {
    repo.git('config', 'gpg.format', 'ssh')
    repo.git('config', 'commit.gpgsign', 'true')
    logModel(Buffer.from('small weights\n'))
    const result = await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'out')])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('error: signing with ssh needs a key: run git config user.signingkey ~/.ssh/id_ed25519.pub (or pass --no-sign)\n')
    expect(spawnSync('git', ['rev-parse', '--verify', '-q', 'artifacts/churn'], { cwd: repo.dir, env: repo.env }).status).toBe(1)

    repo.git('config', 'user.signingkey', join(repo.scratch, 'no-such-key'))
    const missing = await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'out')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^error: cannot sign the commit with ssh-keygen \(ssh key .*no-such-key\).*; check user\.signingkey and gpg\.format, or pass --no-sign\n$/)
    expect(spawnSync('git', ['rev-parse', '--verify', '-q', 'artifacts/churn'], { cwd: repo.dir, env: repo.env }).status).toBe(1)
  })
})

describe.skipIf(spawnSync('gpg', ['--version']).status !== 0)('with GnuPG', () => {
  it('an openpgp-signed version verifies against the keyring', async () => {
    const gnupg = join(repo.scratch, 'gnupg')
    fs.mkdirSync(gnupg, { mode: 0o700 })
    const env = { ...repo.env, GNUPGHOME: gnupg }
    execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Ada Lovelace <ada@example.com>', 'ed25519', 'sign', 'never'], { env, stdio: 'ignore' })
    repo.git('config', 'commit.gpgsign', 'true')
    logModel(Buffer.from('small weights\n'))
    expect((await gmr(repo.dir, env, ['log', 'churn', join(repo.scratch, 'out')])).code).toBe(0)
    expect(spawnSync('git', ['verify-commit', 'artifacts/churn'], { cwd: repo.dir, env }).status).toBe(0)
    const verified = await gmr(repo.dir, env, ['verify', 'churn:v0'])
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env }) // the agent gpg started for this keyring
    expect(verified.stderr).toBe('')
    expect(verified.stdout).toMatch(/version commit +good signature by Ada Lovelace <ada@example.com>/)
  })
})

describe('download --verify', () => {
  it('runs the checks of gmr verify first and writes nothing unless every one passes', async () => {
    logModel(Buffer.from('small weights\n'))
    expect((await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'out')])).code).toBe(0)
    const target = join(repo.scratch, 'deployed')
    const unsigned = await gmr(repo.dir, repo.env, ['download', 'churn:v0', '--verify', '--to', target])
    expect(unsigned.code).toBe(1)
    expect(unsigned.stderr).toMatch(/^error: churn:v0 does not verify: the version commit of churn:v0 \([0-9a-f]{10}\) is not signed\n$/)
    expect(fs.existsSync(target)).toBe(false)
    // Without --verify the same version downloads (its bytes are still hashed as they are copied).
    expect((await gmr(repo.dir, repo.env, ['download', 'churn:v0', '--to', target])).code).toBe(0)
    expect(fs.readFileSync(join(target, 'model.bin'), 'utf8')).toBe('small weights\n')
  })

  it('a signed version with sound objects downloads; a swapped large file stops it before the folder exists', async () => {
    useSshSigning()
    const weights = randomBytes(2 * 1024 * 1024)
    logModel(weights)
    expect((await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'out')])).code).toBe(0)
    const good = join(repo.scratch, 'good')
    expect((await gmr(repo.dir, repo.env, ['download', 'churn:v0', '--verify', '--to', good])).code).toBe(0)
    expect(fs.readFileSync(join(good, 'model.bin')).equals(weights)).toBe(true)
    const oid = execFileSync('sha256sum', [join(repo.scratch, 'out', 'model.bin')], { encoding: 'utf8' }).split(' ')[0]!
    const stored = join(repo.dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid)
    fs.chmodSync(stored, 0o644)
    fs.writeFileSync(stored, randomBytes(weights.length))
    const bad = join(repo.scratch, 'bad')
    const result = await gmr(repo.dir, repo.env, ['download', 'churn:v0', '--verify', '--to', bad])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: churn:v0 does not verify: model\.bin: the stored Git LFS object does not match/)
    expect(fs.existsSync(bad)).toBe(false)
    expect(fs.readdirSync(repo.scratch).filter((name) => name.startsWith('bad'))).toEqual([])
  })

  it('is refused for a remote URL, which has no trust of this clone to check against', async () => {
    const result = await gmr(repo.dir, repo.env, ['download', 'https://git.example.com/models.git#churn:v0', '--verify'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: --verify checks a version against this clone's trust/)
  })
})
