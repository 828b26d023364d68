import { spawn } from 'node:child_process'
import type { Env } from '../git/config.js'
import { GitMissingError } from '../domain/errors.js'
import { gitTransportEnv } from './transportPolicy.js'

export interface GitRun {
  code: number
  stdout: string
  stderr: string
}

export interface RunGitOptions {
  cwd?: string
  env: Env
  input?: string
  /** Called with each line git writes on stderr (progress), when given. */
  onStderr?: (line: string) => void
}

/**
 * Run the real git binary: it carries the user's SSH keys, credential helpers and
 * every transport, and streams packs of any size. Never prompts on a terminal; a
 * missing credential becomes an error gmr can explain. Only the transports in
 * GIT_ALLOW_PROTOCOL run, whatever a URL or a config file names.
 */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const env = { ...gitTransportEnv(options.env), GIT_TERMINAL_PROMPT: options.env.GIT_TERMINAL_PROMPT ?? '0', LC_ALL: 'C' }
    const child = spawn('git', [...args], {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let partial = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString()
      stderr += text
      if (!options.onStderr) return
      partial += text
      const lines = partial.split(/[\r\n]/)
      partial = lines.pop() ?? ''
      for (const line of lines) if (line.trim() !== '') options.onStderr(line)
    })
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') reject(new GitMissingError('git is not installed (or not on PATH); install git to use remotes'))
      else reject(err)
    })
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
    if (options.input !== undefined) child.stdin!.end(options.input)
  })
}

const gitAvailable = new Map<string, Promise<boolean>>()

/** Whether a git binary is on PATH (asked once per PATH). */
export function hasGit(env: Env): Promise<boolean> {
  const key = env.PATH ?? ''
  let answer = gitAvailable.get(key)
  if (!answer) {
    answer = runGit(['--version'], { env }).then(
      (run) => run.code === 0,
      () => false,
    )
    gitAvailable.set(key, answer)
  }
  return answer
}
