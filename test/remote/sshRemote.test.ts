import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo, remoteUserEnv } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer } from '../helpers/gitServer.js'
import { sha256 } from '../helpers/lfs.js'
import { mustSucceed } from '../helpers/runners.js'
import { startSshServer, type SshServer } from '../helpers/sshServer.js'
import { hasTool } from '../helpers/tools.js'

/**
 * Issue 11 part 3, against a real OpenSSH server on a loopback port: git moves the
 * repository over ssh, and large files go through the LFS batch API at the href (and
 * with the Authorization header) that `git-lfs-authenticate` answers over the same ssh.
 * The LFS server requires that header: no HTTPS credentials exist anywhere in this test.
 */
const run = hasTool('sshd') && hasTool('git-lfs')

let server: GitServer
let ssh: SshServer
let repo: TempRepo
let env: Record<string, string>
const { git, ok } = mustSucceed(() => env)
const weights = randomBytes(5 * 1024 * 1024 + 123)
const tokenizer = randomBytes(300_000)
const ACCOUNT = { username: 'lfs-token', password: randomBytes(12).toString('hex') }

describe.runIf(run)('an ssh remote', () => {
  beforeAll(async () => {
    server = await startGitServer({ auth: ACCOUNT })
    server.createRepo('models')
    const header = { Authorization: `Basic ${Buffer.from(`${ACCOUNT.username}:${ACCOUNT.password}`).toString('base64')}` }
    ssh = await startSshServer({ root: server.root, lfsOrigin: server.origin, header })
    repo = makeRepo()
    env = remoteUserEnv(repo, ssh.env)
    const model = join(repo.scratch, 'model')
    fs.mkdirSync(model)
    fs.writeFileSync(join(model, 'model.bin'), weights)
    fs.writeFileSync(join(model, 'tokenizer.bin'), tokenizer)
    await ok(repo.dir, 'init')
    await ok(repo.dir, 'log', 'churn', model, '--large-file-threshold', '1000')
    await ok(repo.dir, 'model', 'create', 'churn-model')
    await ok(repo.dir, 'link', 'churn:v0', 'churn-model', '--alias', 'production', '--force')
    await git(repo.dir, 'remote', 'add', 'origin', ssh.url('models'))
  })
  afterAll(async () => {
    await ssh?.stop()
    await server?.stop()
    repo?.cleanup()
  })

  it('gmr push sends the refs over ssh and the large files to the href git-lfs-authenticate answered', async () => {
    const pushed = await gmr(repo.dir, env, ['push'])
    expect(pushed.code, pushed.stderr).toBe(0)
    expect(pushed.stdout).toMatch(/uploaded 2 large files/)
    expect(pushed.stderr).toBe('')
    for (const bytes of [weights, tokenizer]) {
      expect(sha256(fs.readFileSync(server.lfsObjectPath('models', sha256(bytes))))).toBe(sha256(bytes))
    }
    // One ssh round trip for LFS (the path without the URL's leading slash), then git's own receive-pack.
    expect(ssh.commands()).toEqual([
      { command: 'git-lfs-authenticate', args: ['models.git', 'upload'] },
      { command: 'git-receive-pack', args: ['/models.git'] },
    ])
    // The batch call carried the header from ssh; git itself never spoke HTTP.
    const batches = server.requests.filter((r) => r.class === 'lfs-batch')
    expect(batches.map((r) => [r.status, r.user])).toEqual([[200, ACCOUNT.username]])
    expect(server.requests.filter((r) => r.class === 'upload-pack' || r.class === 'receive-pack' || r.status === 401)).toEqual([])
    const bare = server.repoPath('models')
    expect((await git(repo.dir, '--git-dir', bare, 'rev-parse', 'refs/heads/artifacts/churn')).trim()).toBe(
      (await git(repo.dir, 'rev-parse', 'artifacts/churn')).trim(),
    )
  })

  it('gmr clone of an scp-like address, then download, brings the files byte for byte (core.sshCommand honoured); git lfs fsck is clean', async () => {
    const { GIT_SSH_COMMAND: scpCommand } = ssh.scpEnv
    const cloneEnv = { ...env, GIT_SSH_COMMAND: scpCommand! }
    const cloned = await gmr(repo.scratch, cloneEnv, ['clone', ssh.scpUrl('models'), 'bob'])
    expect(cloned.code, cloned.stderr).toBe(0)
    const bob = join(repo.scratch, 'bob')
    // From here on the ssh command comes from git config only, as it would for a user who set it once.
    const { GIT_SSH_COMMAND: _unset, ...noSshEnv } = env
    await git(bob, 'config', 'core.sshCommand', scpCommand!)
    const before = ssh.commands().length
    const downloaded = await gmr(bob, noSshEnv, ['download', 'churn-model:production', '--to', join(repo.scratch, 'deploy-clone')])
    expect(downloaded.code, downloaded.stderr).toBe(0)
    expect(sha256(fs.readFileSync(join(repo.scratch, 'deploy-clone', 'model.bin')))).toBe(sha256(weights))
    expect(sha256(fs.readFileSync(join(repo.scratch, 'deploy-clone', 'tokenizer.bin')))).toBe(sha256(tokenizer))
    expect(ssh.commands().slice(before)).toEqual([{ command: 'git-lfs-authenticate', args: ['models.git', 'download'] }])
    // Plain git-lfs agrees with what gmr put in the clone's store.
    const fsck = await git(bob, 'lfs', 'fsck', '--objects', 'artifacts/churn')
    expect(fsck).toMatch(/Git LFS fsck OK/)
  })

  it('gmr download ssh://…#model:alias fetches over ssh into the cache and writes the files byte for byte', async () => {
    const target = join(repo.scratch, 'deploy-url')
    const result = await gmr(repo.scratch, env, ['download', `${ssh.url('models')}#churn-model:production`, '--to', target])
    expect(result.code, result.stderr).toBe(0)
    expect(sha256(fs.readFileSync(join(target, 'model.bin')))).toBe(sha256(weights))
    expect(sha256(fs.readFileSync(join(target, 'tokenizer.bin')))).toBe(sha256(tokenizer))
    expect(server.requests.filter((r) => r.status === 401 || r.class === 'upload-pack')).toEqual([])
  })

  it('a host key that does not match stops at ssh, in one line, with nothing written', async () => {
    const wrongHosts = join(repo.scratch, 'wrong_known_hosts')
    fs.writeFileSync(wrongHosts, `[127.0.0.1]:${ssh.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMu0ZyYOU9ZuSVNI7gS3dPQmtTo2OKrUXzxBz0sQ6uAF\n`)
    const target = join(repo.scratch, 'deploy-wrong')
    const command = ssh.env.GIT_SSH_COMMAND!.replace(/UserKnownHostsFile=\S+/, `UserKnownHostsFile=${wrongHosts}`)
    const result = await gmr(repo.scratch, { ...env, GIT_SSH_COMMAND: command, XDG_CACHE_HOME: join(repo.scratch, 'cache-wrong') }, [
      'download',
      `${ssh.url('models')}#churn-model:production`,
      '--to',
      target,
    ])
    expect(result.code).toBe(1)
    expect(result.stderr.split('\n')).toHaveLength(2)
    expect(result.stderr).toMatch(/^error: /)
    expect(fs.existsSync(target)).toBe(false)
  })
})
