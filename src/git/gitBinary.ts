import { GitMissingError } from '../domain/errors.js'
import { GIT_ALLOW_PROTOCOL } from '../domain/remoteUrl.js'
import type { Env } from './config.js'
import type { GitDir } from './repo.js'

/**
 * Says that the git binary sees the same files as the injected file system (the
 * repository is on the real disk, not in memory), and with which environment to run
 * it. Bulk history reads then let git walk: it inflates thousands of objects in C in
 * the time Node takes to set up a few hundred zlib streams.
 */
export interface GitBinary {
  env: Env
}

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
 * The one way gmr runs the git binary, for remotes (fetch, push, ls-remote: git carries
 * the user's SSH keys, credential helpers and every transport) and for local work git
 * does best (pull's merge and commit, bulk history reads). Never prompts on a terminal;
 * a missing credential becomes an error gmr can explain. Only the transports in
 * GIT_ALLOW_PROTOCOL run, whatever a URL or a config file names.
 */
export async function runGit(args: readonly string[], options: RunGitOptions): Promise<GitRun> {
  const run = await spawnGit(args, options)
  return { code: run.code, stdout: run.stdout.toString(), stderr: run.stderr }
}

/** The environment every git run gets: only the allowed transports, never a prompt, C locale. */
function gitEnv(env: Env): NodeJS.ProcessEnv {
  return { ...env, GIT_ALLOW_PROTOCOL, GIT_TERMINAL_PROMPT: env.GIT_TERMINAL_PROMPT ?? '0', LC_ALL: 'C' } as NodeJS.ProcessEnv
}

async function spawnGit(args: readonly string[], options: RunGitOptions): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  // Loaded on first use: lookups that find their indexes current never spawn anything.
  const { spawn } = await import('node:child_process')
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], {
      cwd: options.cwd,
      env: gitEnv(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    const stdout: Buffer[] = []
    let stderr = ''
    let partial = ''
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk))
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
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(stdout), stderr }))
    if (options.input !== undefined) {
      // git may exit before reading all its input (a failing command): that is its answer, not ours to throw.
      child.stdin!.on('error', () => {})
      child.stdin!.end(options.input)
    }
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

/**
 * `git --git-dir=<gitdir> <args>` with `input` on stdin; stdout as bytes, or null when
 * there is no git binary or it fails (the caller then reads the objects itself).
 */
export async function readGitOutput(repo: GitDir, binary: GitBinary, args: readonly string[], input = ''): Promise<Buffer | null> {
  const run = await spawnGit([`--git-dir=${repo.gitdir}`, ...args], { env: repoEnv(binary), input }).catch(() => null)
  return run !== null && run.code === 0 ? run.stdout : null
}

/** A git run started before anything reads it (`readGitOutput` streamed): its stdout is held until `read` is called. */
export interface GitOutput {
  /** Hands stdout to `onChunk`, what was held first, then as git writes it; whether git ran and succeeded. Called once. */
  read(onChunk: (chunk: Buffer) => void): Promise<boolean>
  /** Ends git if it still runs (its output is then not wanted) and waits until the process is gone. */
  stop(): Promise<void>
}

/**
 * `git --git-dir=<gitdir> <args>` started now and read later: the lookups start `git log`
 * on the second core while the rest of gmr loads (src/git/versionIndexStart.ts). Nothing
 * here throws: a git that cannot start or fails reads as false.
 */
export function startGitOutput(gitdir: string, binary: GitBinary, args: readonly string[]): GitOutput {
  const held: Buffer[] = []
  let reader: ((chunk: Buffer) => void) | null = null
  let child: import('node:child_process').ChildProcess | null = null
  let stopped = false
  const ran = (async () => {
    const { spawn } = await import('node:child_process')
    if (stopped) return false
    return new Promise<boolean>((resolve) => {
      const git = spawn('git', [`--git-dir=${gitdir}`, ...args], { env: gitEnv(repoEnv(binary)), stdio: ['ignore', 'pipe', 'ignore'] })
      child = git
      git.stdout.on('data', (chunk: Buffer) => (reader === null ? held.push(chunk) : reader(chunk)))
      git.on('error', () => resolve(false))
      git.on('close', (code) => resolve(code === 0))
    })
  })().catch(() => false)
  return {
    read(onChunk) {
      for (const chunk of held.splice(0)) onChunk(chunk)
      reader = onChunk
      return ran
    },
    async stop() {
      stopped = true
      child?.kill()
      await ran
    },
  }
}

/** The environment for git reading this repository: --git-dir names it, whatever the caller's GIT_DIR says. */
function repoEnv(binary: GitBinary): Env {
  const env = { ...binary.env }
  delete env.GIT_DIR
  delete env.GIT_WORK_TREE
  return env
}

/**
 * Raw objects from `git cat-file --batch`, in the order asked; null when git cannot
 * answer or any of them is missing.
 */
export async function readObjectsWithGit(
  repo: GitDir,
  binary: GitBinary,
  oids: readonly string[],
): Promise<Array<{ type: string; content: Buffer }> | null> {
  if (oids.length === 0) return []
  const out = await readGitOutput(repo, binary, ['cat-file', '--batch'], oids.join('\n') + '\n')
  if (out === null) return null
  const objects: Array<{ type: string; content: Buffer }> = []
  let pos = 0
  for (let i = 0; i < oids.length; i++) {
    const eol = out.indexOf(10, pos)
    if (eol < 0) return null
    const header = out.toString('latin1', pos, eol).split(' ')
    if (header.length !== 3 || header[0] !== oids[i]) return null
    const size = Number(header[2])
    objects.push({ type: header[1]!, content: out.subarray(eol + 1, eol + 1 + size) })
    pos = eol + 1 + size + 1
  }
  return objects
}
