import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmrOkWith, writeWeights } from '../helpers/runners.js'
import { gmr } from '../helpers/cli.js'
import { gitAsync, makeRepo, testEnv, type TempRepo } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer } from '../helpers/gitServer.js'

// requireSignatures for `gmr download <url>#…`: a deployment with no checkout refuses an
// unsigned version or alias move against its own git trust, before anything is written.

let repo: TempRepo
let server: GitServer
let url: string
/** The deploying machine: its own HOME (global git config) and download cache. */
let deployer: { home: string; env: Record<string, string> }

beforeEach(async () => {
  repo = makeRepo()
  server = await startGitServer()
  server.createRepo('models')
  url = server.url('models')
  repo.git('remote', 'add', 'origin', url)
  const home = join(repo.scratch, 'deployer')
  fs.mkdirSync(home)
  deployer = { home, env: testEnv(home) }
  await ok(repo.dir, repo.env, 'init')
})
afterEach(async () => {
  await server.stop()
  repo.cleanup()
})

const ok = gmrOkWith

const weights = (name: string, content: string) => writeWeights(repo.scratch, name, content)

/** churn v0 and v1, churn-model linking both with production on v0; `require` adds requireSignatures; pushed. */
async function publish(require: boolean): Promise<{ v0: string; v1: string }> {
  await ok(repo.dir, repo.env, 'log', 'churn', weights('w0', 'zero'))
  await ok(repo.dir, repo.env, 'log', 'churn', weights('w1', 'one'))
  await ok(repo.dir, repo.env, 'model', 'create', 'churn-model')
  await ok(repo.dir, repo.env, 'link', 'churn:v0', 'churn-model', '--alias', 'production', '--force')
  await ok(repo.dir, repo.env, 'link', 'churn:v1', 'churn-model')
  if (require) {
    repo.write('registry/registry.yaml', `${repo.read('registry/registry.yaml')}requireSignatures: true\n`)
    repo.git('commit', '-q', '-am', 'require signatures')
  }
  await ok(repo.dir, repo.env, 'push')
  return { v0: repo.git('rev-parse', 'artifacts/churn~1').trim(), v1: repo.git('rev-parse', 'artifacts/churn').trim() }
}

/** An ssh signing key in the publishing repository; returns the allowed-signers line that trusts it. */
function signWithNewKey(): string {
  const key = join(repo.scratch, 'id_ed25519')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ada', '-f', key])
  repo.git('config', 'gpg.format', 'ssh')
  repo.git('config', 'user.signingkey', key)
  repo.git('config', 'commit.gpgsign', 'true')
  return `ada@example.com ${fs.readFileSync(`${key}.pub`, 'utf8')}`
}

/** The deployer's global git config: ssh signatures, trusting `allowed` when given. */
function deployerTrusts(allowed: string | null): string {
  const file = join(deployer.home, 'allowed_signers')
  const lines = ['[gpg]', '\tformat = ssh']
  if (allowed !== null) {
    fs.writeFileSync(file, allowed)
    lines.push('[gpg "ssh"]', `\tallowedSignersFile = ${file}`)
  }
  fs.writeFileSync(join(deployer.home, '.gitconfig'), `${lines.join('\n')}\n`)
  return file
}

const download = (what: string, to: string) => gmr(deployer.home, deployer.env, ['download', `${url}#${what}`, '--to', join(deployer.home, to)])

describe('gmr download <url>#… under requireSignatures', () => {
  it('refuses unsigned versions in one line, naming the commit and the signer expected; nothing is written', async () => {
    const { v0, v1 } = await publish(true)
    const allowed = deployerTrusts('')
    const model = await download('churn-model:production', 'out')
    expect(model.stderr).toBe(
      `error: requireSignatures is on (registry/registry.yaml) and the version commit of churn:v0 ${v0.slice(0, 10)} is not signed; expected a signature by a principal in gpg.ssh.allowedSignersFile (${allowed}); sign it, or trust its key, and run again\n`,
    )
    expect(model.code).toBe(1)
    expect(fs.existsSync(join(deployer.home, 'out'))).toBe(false)
    // An artifact's version is checked too (the registry branch is fetched to read the setting).
    const artifact = await download('churn:v1', 'out')
    expect(artifact.stderr).toMatch(new RegExp(`^error: requireSignatures is on \\(registry/registry.yaml\\) and the version commit of churn:v1 ${v1.slice(0, 10)} is not signed; `))
    expect(artifact.code).toBe(1)
    expect(fs.existsSync(join(deployer.home, 'out'))).toBe(false)
  })

  it('signed versions and a signed ledger record pass when the deployer trusts the key; the bytes are the ones logged', async () => {
    const allowed = signWithNewKey()
    await publish(true)
    deployerTrusts(allowed)
    await ok(deployer.home, deployer.env, 'download', `${url}#churn-model:production`, '--to', join(deployer.home, 'out'))
    expect(fs.readFileSync(join(deployer.home, 'out', 'model.bin'))).toEqual(fs.readFileSync(join(repo.scratch, 'w0', 'model.bin')))
    // The remote's ledger is kept in the download cache under gmr's own ref.
    const caches = join(deployer.home, '.cache', 'gmr', 'repos')
    const [cache] = fs.readdirSync(caches).filter((name) => name.endsWith('.git'))
    expect(execFileSync('git', ['rev-parse', 'refs/gmr/remote-ledger'], { cwd: join(caches, cache!), encoding: 'utf8' }).trim()).toBe(
      repo.git('rev-parse', 'refs/gmr/ledger').trim(),
    )
  })

  it('refuses signed versions when the deployer does not trust the key (no allowed signers file)', async () => {
    signWithNewKey()
    const { v0 } = await publish(true)
    deployerTrusts(null)
    const result = await download('churn-model:production', 'out')
    expect(result.stderr).toMatch(
      new RegExp(`^error: requireSignatures is on \\(registry/registry.yaml\\) and the version commit of churn:v0 ${v0.slice(0, 10)} has a signature git does not accept \\(.+\\); expected an ssh signature, but gpg.ssh.allowedSignersFile is not set; sign it, or trust its key, and run again\\n$`),
    )
    expect(result.code).toBe(1)
    expect(fs.existsSync(join(deployer.home, 'out'))).toBe(false)
  })

  it('refuses an alias moved on the remote without a ledger record, even when its version is signed', async () => {
    const allowed = signWithNewKey()
    const { v1 } = await publish(true)
    deployerTrusts(allowed)
    // Plain git, not gmr: no ledger record. (Async: the test server runs in this process.)
    expect((await gitAsync(repo.dir, repo.env, ['push', '-q', 'origin', `${v1}:refs/aliases/churn/hand-moved`])).code).toBe(0)
    const result = await download('churn:hand-moved', 'out')
    expect(result.stderr).toBe(
      `error: requireSignatures is on (registry/registry.yaml) and ${url} has no ledger record of churn:hand-moved, so nobody signed its move; move the alias with gmr (signed) and push\n`,
    )
    expect(result.code).toBe(1)
    expect(fs.existsSync(join(deployer.home, 'out'))).toBe(false)
  })

  it('without requireSignatures an unsigned version downloads as before', async () => {
    await publish(false)
    deployerTrusts(null)
    await ok(deployer.home, deployer.env, 'download', `${url}#churn-model:production`, '--to', join(deployer.home, 'out'))
    expect(fs.readFileSync(join(deployer.home, 'out', 'model.bin'), 'utf8')).toBe('zero')
  })
})
