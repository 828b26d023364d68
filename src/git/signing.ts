import { spawn } from 'node:child_process'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { SigningError } from '../domain/errors.js'
import { signingSettings, type SigningSettings } from '../domain/signingConfig.js'
import { encodeCommit, type EncodeCommitInput } from './commit.js'
import { readGitConfig, type Env } from './config.js'
import { tempPathFor } from './fs.js'
import type { GitDir } from './repo.js'

/** Signs one payload; null when commits are not signed. */
export interface CommitSigner {
  settings: SigningSettings
  sign(payload: Buffer, committer: string): Promise<string>
}

/**
 * The signer for the commits gmr writes in `repo`: from git's configuration
 * (`commit.gpgsign` and friends), or forced on or off by `sign` (--sign / --no-sign).
 */
export async function commitSigner(repo: GitDir, env: Env, sign?: boolean): Promise<CommitSigner | null> {
  const settings = signingSettings(await readGitConfig(repo, env), sign)
  if (settings === null) return null
  return { settings, sign: (payload, committer) => signPayload(repo, settings, payload, committer, env) }
}

/**
 * A commit object's bytes, signed when `signer` is given: the signature covers the
 * commit without its signature header and goes into a `gpgsig` header, exactly where and
 * how git puts it, so `git verify-commit` accepts it.
 */
export async function encodeSignedCommit(input: EncodeCommitInput, signer: CommitSigner | null): Promise<Buffer> {
  const payload = encodeCommit(input)
  if (signer === null) return payload
  const committer = `${input.committer.name} <${input.committer.email}>`
  const signature = await signer.sign(payload, committer)
  return encodeCommit({ ...input, headers: { ...input.headers, gpgsig: signature.replace(/\r/g, '').replace(/\n+$/, '') } })
}

async function signPayload(repo: GitDir, settings: SigningSettings, payload: Buffer, committer: string, env: Env): Promise<string> {
  return settings.format === 'ssh' ? signWithSsh(repo, settings, payload, env) : signWithGpg(settings, payload, committer, env)
}

/** gpg and gpgsm: `--status-fd=2 -bsau <key>`, the signature on stdout, as git runs them. */
async function signWithGpg(settings: SigningSettings, payload: Buffer, committer: string, env: Env): Promise<string> {
  const key = settings.key ?? committer
  const run = await runProgram(settings.program, ['--status-fd=2', '-bsau', key], env, payload)
  if (run.code !== 0 || !`\n${run.stderr}`.includes('\n[GNUPG:] SIG_CREATED ')) {
    throw signingFailed(settings, key, run.stderr)
  }
  return run.stdout
}

/**
 * `ssh-keygen -Y sign -n git -f <key> [-U]`, the payload on stdin and the signature on
 * stdout. A literal public key (`key::…` or `ssh-…`) is written to a file beside gmr's
 * other state and used through the ssh agent (-U), as git does.
 */
async function signWithSsh(repo: GitDir, settings: SigningSettings, payload: Buffer, env: Env): Promise<string> {
  const key = settings.key!
  const literal = /^(key::|ssh-)/.test(key)
  // A temporary name (swept by the next run if this one is killed), as git's .git_signing_key_tmp is.
  const keyFile = literal ? tempPathFor(`${repo.gitdir}/gmr/signing-key.pub`) : expandHome(key, env)
  try {
    if (literal) {
      await repo.fs.mkdirp(`${repo.gitdir}/gmr`)
      await repo.fs.write(keyFile, `${key.replace(/^key::/, '')}\n`, 0o600)
    }
    const run = await runProgram(settings.program, ['-Y', 'sign', '-n', 'git', '-f', keyFile, ...(literal ? ['-U'] : [])], env, payload)
    if (run.code !== 0 || !run.stdout.includes('-----BEGIN SSH SIGNATURE-----')) throw signingFailed(settings, key, run.stderr)
    return run.stdout
  } finally {
    if (literal) await repo.fs.remove(keyFile)
  }
}

function expandHome(path: string, env: Env): string {
  return path.startsWith('~/') ? join(env.HOME || homedir(), path.slice(2)) : path
}

function signingFailed(settings: SigningSettings, key: string, stderr: string): SigningError {
  const said = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('[GNUPG:]'))
    .pop()
  return new SigningError(
    `cannot sign the commit with ${settings.program} (${settings.format} key ${key})${said ? `: ${said}` : ''}; check user.signingkey and gpg.format, or pass --no-sign`,
    { program: settings.program, format: settings.format, key },
  )
}

interface ProgramRun {
  code: number
  stdout: string
  stderr: string
}

function runProgram(program: string, args: string[], env: Env, input?: Buffer): Promise<ProgramRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: env as NodeJS.ProcessEnv, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new SigningError(`cannot sign: the signing program "${program}" is not installed (or not on PATH); install it or set gpg.program`, { program })
          : err,
      )
    })
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
    if (input) child.stdin!.end(input)
  })
}
