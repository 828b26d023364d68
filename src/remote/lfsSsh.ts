import { spawn } from 'node:child_process'
import type { Env } from '../git/config.js'
import { RemoteAuthError, RemoteTransferError, RemoteUrlRefusedError } from '../domain/errors.js'
import { describeTimeout, type Timeouts } from './timeouts.js'
import { checkRemoteUrl } from './transportPolicy.js'

/** An SSH remote as git reads it: `[user@]host:path` (scp-like) or `ssh://[user@]host[:port]/path`. */
export interface SshRemote {
  user?: string
  host: string
  port?: string
  /** The path `git-lfs-authenticate` gets: `org/repo.git`, without the URL's leading slash. */
  path: string
}

/** What `git-lfs-authenticate` answered: where the batch API is, and the headers it takes. */
export interface SshLfsAuth {
  href: string
  header: Record<string, string>
  /** When the answer stops being good (epoch ms), if the server said. */
  expiresAt?: number
}

export type LfsOperation = 'upload' | 'download'

/** The programs that run ssh, as git picks them: GIT_SSH_COMMAND, core.sshCommand, GIT_SSH, else `ssh`. */
export interface SshProgram {
  /** A shell command line (GIT_SSH_COMMAND, core.sshCommand), run as git runs it: `sh -c '<cmd> "$@"'`. */
  command?: string
  /** A program path (GIT_SSH), run without a shell. */
  program?: string
}

/** An answer this close to its expiry is asked for again rather than used. */
const EXPIRY_MARGIN_MS = 5_000

/** The SSH remote a URL names, or null for any other kind of URL. */
export function parseSshRemote(url: string): SshRemote | null {
  let remote: SshRemote
  const scheme = /^(?:ssh|git\+ssh|ssh\+git):\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^/:]+)(?::(\d*))?(\/.*)$/i.exec(url)
  if (scheme) {
    const [, user, host, port, path] = scheme
    remote = {
      ...(user !== undefined && user !== '' && { user: decodeURIComponent(user) }),
      host: host!.replace(/^\[(.*)\]$/, '$1'),
      ...(port !== undefined && port !== '' && { port }),
      path: path!.replace(/^\/(?=~)/, '').replace(/^\//, ''),
    }
  } else {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || url.startsWith('/') || url.startsWith('.')) return null
    // git's rule: a colon before any slash makes `host:path` an ssh address.
    const scp = /^(?:([^@/:]+)@)?(\[[^\]]+\]|[^/:]+):(.*)$/.exec(url)
    if (!scp) return null
    const [, user, host, path] = scp
    remote = { ...(user !== undefined && { user }), host: host!.replace(/^\[(.*)\]$/, '$1'), path: path! }
  }
  for (const [what, value] of [['host', remote.host], ['user', remote.user], ['path', remote.path]] as const) {
    if (value?.startsWith('-')) {
      throw new RemoteUrlRefusedError(`refusing ssh remote "${url}": its ${what} starts with "-", which ssh would read as an option`, { url, [what]: value })
    }
  }
  if (remote.path === '') throw new RemoteUrlRefusedError(`refusing ssh remote "${url}": it names no repository path`, { url })
  return remote
}

/** `user@host`, or `host`, as ssh takes it. */
export function sshDestination(remote: SshRemote): string {
  return remote.user !== undefined ? `${remote.user}@${remote.host}` : remote.host
}

/** The ssh program git would run, from the environment and `core.sshCommand`. */
export function sshProgramFrom(env: Env, coreSshCommand: string | undefined): SshProgram {
  const command = nonEmpty(env.GIT_SSH_COMMAND) ?? nonEmpty(coreSshCommand)
  if (command !== undefined) return { command }
  const program = nonEmpty(env.GIT_SSH)
  return program !== undefined ? { program } : { program: 'ssh' }
}

/**
 * The argv that runs `git-lfs-authenticate <path> <operation>` on the remote host. No user
 * text reaches a local shell: a GIT_SSH_COMMAND is run as git runs it, `sh -c '<cmd> "$@"'`,
 * with host and remote command as separate arguments. The remote command is one string (ssh
 * hands it to the remote shell), so a path with anything beyond plain path characters is quoted.
 */
export function sshArgv(ssh: SshProgram, remote: SshRemote, operation: LfsOperation): string[] {
  const name = (ssh.command ?? ssh.program ?? 'ssh').trim().split(/\s+/)[0]!.split(/[\\/]/).pop()!
  const plink = /^(tortoise)?plink(\.exe)?$/i.test(name)
  const args = [
    ...(/^tortoiseplink(\.exe)?$/i.test(name) ? ['-batch'] : []),
    ...(remote.port !== undefined ? [plink ? '-P' : '-p', remote.port] : []),
    sshDestination(remote),
    `git-lfs-authenticate ${remoteShellWord(remote.path)} ${operation}`,
  ]
  if (ssh.command !== undefined) return ['sh', '-c', `${ssh.command} "$@"`, ssh.command, ...args]
  return [ssh.program ?? 'ssh', ...args]
}

/** A word the remote shell reads back as `text`: bare when it is plain, else in single quotes. */
function remoteShellWord(text: string): string {
  return /^[A-Za-z0-9._~/@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
}

export interface SshAuthenticateOptions {
  env: Env
  ssh: SshProgram
  timeouts: Timeouts
}

/**
 * Run `git-lfs-authenticate` over ssh and parse its answer (git-lfs docs/api/authentication.md:
 * `{href, header, expires_in, expires_at}`). A failure of ssh itself (no such command on the
 * host, no key) is a RemoteAuthError whose message carries ssh's last line.
 */
async function authenticateOverSsh(remote: SshRemote, operation: LfsOperation, options: SshAuthenticateOptions): Promise<SshLfsAuth> {
  const [command, ...args] = sshArgv(options.ssh, remote, operation)
  const where = sshDestination(remote)
  const run = await runSsh(command!, args, options, where)
  if (run.code !== 0) {
    const last = run.stderr.trim().split('\n').pop()?.trim()
    throw new RemoteAuthError(
      `git-lfs-authenticate over ssh to ${where} failed (exit ${run.code}${last ? `: ${last}` : ''}); check that "ssh ${where}" works with your key, or set lfs.url to the host's LFS URL`,
      { host: remote.host, exitCode: run.code },
    )
  }
  return parseAuthAnswer(run.stdout, where, Date.now())
}

/** The JSON `git-lfs-authenticate` printed, read as of `now` (epoch ms). */
export function parseAuthAnswer(text: string, where: string, now: number): SshLfsAuth {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = undefined
  }
  const bad = (why: string) =>
    new RemoteTransferError(`git-lfs-authenticate on ${where} answered ${why}, not the {"href", "header"} JSON git-lfs expects; ask the host's administrator`, {
      host: where,
    })
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('something else')
  const { href, header, expires_in: expiresIn, expires_at: expiresAtText } = value as Record<string, unknown>
  if (typeof href !== 'string' || !/^https?:\/\//i.test(href)) throw bad('without an http(s) href')
  checkRemoteUrl(href)
  const headers: Record<string, string> = {}
  if (header !== undefined && header !== null) {
    if (typeof header !== 'object' || Array.isArray(header)) throw bad('a header that is not an object')
    for (const [key, v] of Object.entries(header)) {
      if (typeof v !== 'string' || /[\r\n]/.test(v) || /[\r\n:]/.test(key)) throw bad(`a malformed header ${JSON.stringify(key)}`)
      headers[key] = v
    }
  }
  const expiresAt = expiryOf(expiresIn, expiresAtText, now)
  return { href: href.replace(/\/+$/, ''), header: headers, ...(expiresAt !== undefined && { expiresAt }) }
}

/**
 * When something the server handed out expires (epoch ms): `expires_in` seconds from `now`,
 * which the spec prefers, else the RFC 3339 `expires_at`; undefined when it does not say.
 */
export function expiryOf(expiresIn: unknown, expiresAt: unknown, now: number): number | undefined {
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn !== 0) return now + expiresIn * 1000
  if (typeof expiresAt === 'string' && expiresAt !== '' && !expiresAt.startsWith('0001-01-01')) {
    const at = Date.parse(expiresAt)
    if (Number.isFinite(at)) return at
  }
  return undefined
}

/** Whether something that expires at `expiresAt` is too close to it to be used at `now`. */
export function hasExpired(expiresAt: number | undefined, now: number): boolean {
  return expiresAt !== undefined && now >= expiresAt - EXPIRY_MARGIN_MS
}

const answers = new Map<string, SshLfsAuth>()

/**
 * `git-lfs-authenticate` answers, kept for the life of the process until they expire (as
 * git-lfs keeps them): one ssh round trip per host, path and operation, not per batch.
 */
export async function cachedSshAuth(remote: SshRemote, operation: LfsOperation, options: SshAuthenticateOptions, renew = false): Promise<SshLfsAuth> {
  const key = JSON.stringify([remote.user, remote.host, remote.port, remote.path, operation, options.ssh])
  const known = answers.get(key)
  if (known && !renew && !hasExpired(known.expiresAt, Date.now())) return known
  const fresh = await authenticateOverSsh(remote, operation, options)
  answers.set(key, fresh)
  return fresh
}

interface SshRun {
  code: number
  stdout: string
  stderr: string
}

function runSsh(command: string, args: string[], options: SshAuthenticateOptions, where: string): Promise<SshRun> {
  const limit = options.timeouts.connectMs + options.timeouts.stallMs
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new RemoteTransferError(`ssh to ${where} did not answer git-lfs-authenticate within ${describeTimeout(limit)}; check the host, or allow longer with --timeout`, {
          host: where,
        }),
      )
    }, limit)
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      if (err.code === 'ENOENT') {
        reject(new RemoteTransferError(`cannot run ${command} for the ssh remote ${where}: it is not installed (or not on PATH)`, { host: where }))
      } else reject(err)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? 1, stdout, stderr })
    })
  })
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
