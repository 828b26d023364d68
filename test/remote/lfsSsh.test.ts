import { describe, expect, it } from 'vitest'
import { CredentialSource } from '../../src/remote/credentials.js'
import { RemoteUrlRefusedError } from '../../src/domain/errors.js'
import { SshLfsAccess } from '../../src/remote/lfsAccess.js'
import { DEFAULT_RETRY, isRetryableStatus, retryDelay, retryPolicyFrom } from '../../src/remote/lfsRetry.js'
import { DEFAULT_TIMEOUTS } from '../../src/remote/timeouts.js'
import { onTransferNotice } from '../../src/remote/transferNotices.js'
import { expiryOf, hasExpired, parseAuthAnswer, parseSshRemote, sshArgv, sshProgramFrom } from '../../src/remote/lfsSsh.js'

/** The pure parts of git-lfs-authenticate over ssh and of the retry policy, without a server. */
describe('ssh remotes for LFS', () => {
  it('read scp-like and ssh:// addresses as git does', () => {
    expect(parseSshRemote('git@github.com:org/models.git')).toEqual({ user: 'git', host: 'github.com', path: 'org/models.git' })
    expect(parseSshRemote('host:models.git')).toEqual({ host: 'host', path: 'models.git' })
    expect(parseSshRemote('ssh://git@host:2222/org/models.git')).toEqual({ user: 'git', host: 'host', port: '2222', path: 'org/models.git' })
    expect(parseSshRemote('git+ssh://host/~ada/m.git')).toEqual({ host: 'host', path: '~ada/m.git' })
    expect(parseSshRemote('ssh://[::1]:22/m.git')).toEqual({ host: '::1', port: '22', path: 'm.git' })
    for (const url of ['https://host/m.git', '/srv/m.git', './m.git', 'file:///m.git', 'git://host/m.git']) expect(parseSshRemote(url)).toBeNull()
  })

  it('refuse a host, user or path that ssh would read as an option', () => {
    for (const url of ['ssh://-oProxyCommand=touch%20x/m.git', '-oProxyCommand=x:m.git', 'ssh://host/-m.git', 'ssh://-u@host/m.git']) {
      expect(() => parseSshRemote(url), url).toThrow(RemoteUrlRefusedError)
    }
  })

  it('run ssh as git does: GIT_SSH_COMMAND through sh with the arguments apart, GIT_SSH and ssh without a shell', () => {
    const remote = { user: 'git', host: 'host', port: '2222', path: 'org/models.git' }
    expect(sshProgramFrom({ GIT_SSH_COMMAND: 'ssh -i k', GIT_SSH: '/bin/x' }, 'ssh -v')).toEqual({ command: 'ssh -i k' })
    expect(sshProgramFrom({ GIT_SSH: '/bin/x' }, 'ssh -v')).toEqual({ command: 'ssh -v' })
    expect(sshProgramFrom({ GIT_SSH: '/bin/x' }, undefined)).toEqual({ program: '/bin/x' })
    expect(sshProgramFrom({}, undefined)).toEqual({ program: 'ssh' })
    expect(sshArgv({ command: 'ssh -i k' }, remote, 'upload')).toEqual([
      'sh',
      '-c',
      'ssh -i k "$@"',
      'ssh -i k',
      '-p',
      '2222',
      'git@host',
      'git-lfs-authenticate org/models.git upload',
    ])
    expect(sshArgv({ program: 'ssh' }, { host: 'h', path: "it's $(here).git" }, 'download')).toEqual([
      'ssh',
      'h',
      `git-lfs-authenticate 'it'\\''s $(here).git' download`,
    ])
    expect(sshArgv({ program: '/opt/plink.exe' }, remote, 'download').slice(0, 3)).toEqual(['/opt/plink.exe', '-P', '2222'])
  })

  it('read the answer: href, header, expires_in preferred over expires_at', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    const answer = parseAuthAnswer(
      JSON.stringify({ href: 'https://lfs.host/org/m.git/info/lfs/', header: { Authorization: 'RemoteAuth x' }, expires_in: 60, expires_at: '2030-01-01T00:00:00Z' }),
      'git@host',
      now,
    )
    expect(answer).toEqual({ href: 'https://lfs.host/org/m.git/info/lfs', header: { Authorization: 'RemoteAuth x' }, expiresAt: now + 60_000 })
    expect(expiryOf(undefined, '2026-01-01T00:10:00Z', now)).toBe(now + 600_000)
    expect(expiryOf(undefined, '0001-01-01T00:00:00Z', now)).toBeUndefined()
    expect(hasExpired(now + 60_000, now)).toBe(false)
    expect(hasExpired(now + 4_000, now)).toBe(true)
    expect(hasExpired(undefined, now)).toBe(false)
    for (const bad of ['not json', '[]', '{"href":"ext::sh -c x"}', '{"href":"https://h","header":{"A":"x\\r\\nB: y"}}']) {
      expect(() => parseAuthAnswer(bad, 'git@host', now), bad).toThrow(/git-lfs-authenticate on git@host answered/)
    }
  })
})

describe('a host without git-lfs-authenticate', () => {
  it('is reached over HTTPS on the same host, with a warning saying why', async () => {
    const notices: string[] = []
    const stop = onTransferNotice((line) => notices.push(line))
    try {
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' }
      const access = new SshLfsAccess({ user: 'git', host: 'h.example', path: 'org/m.git' }, { env, ssh: { program: 'false' }, timeouts: DEFAULT_TIMEOUTS }, 'https://h.example/org/m.git/info/lfs', new CredentialSource(env))
      expect(await access.target('download')).toEqual({ endpoint: 'https://h.example/org/m.git/info/lfs', header: {} })
      expect(notices).toEqual(['git-lfs-authenticate over ssh to git@h.example failed (exit 1); trying https://h.example/org/m.git/info/lfs over HTTPS'])
    } finally {
      stop()
    }
  })
})

describe('retry policy', () => {
  it('retries 5xx (not 501/505) and 429, waits Retry-After or doubles, capped; configurable', () => {
    expect([500, 502, 503, 504, 429].every(isRetryableStatus)).toBe(true)
    expect([400, 401, 403, 404, 413, 422, 501, 505].some(isRetryableStatus)).toBe(false)
    expect([0, 1, 2, 3].map((n) => retryDelay(DEFAULT_RETRY, n))).toEqual([250, 500, 1000, 2000])
    expect(retryDelay(DEFAULT_RETRY, 10)).toBe(10_000)
    expect(retryDelay(DEFAULT_RETRY, 0, '3')).toBe(3000)
    expect(retryDelay(DEFAULT_RETRY, 0, '600')).toBe(10_000)
    expect(retryDelay(DEFAULT_RETRY, 0, new Date(Date.now() + 2000).toUTCString())).toBeLessThanOrEqual(2000)
    expect(retryPolicyFrom({ GMR_LFS_RETRIES: '0' }).maxRetries).toBe(0)
    expect(retryPolicyFrom({}, new Map([['lfs.transfer.maxretries', ['7']], ['lfs.transfer.maxretrydelay', ['2']]]))).toMatchObject({ maxRetries: 7, maxDelayMs: 2000 })
    expect(() => retryPolicyFrom({ GMR_LFS_RETRIES: 'lots' })).toThrow(/GMR_LFS_RETRIES must be a whole number/)
  })
})
