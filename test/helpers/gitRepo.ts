import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A stable identity and an empty HOME, so tests never read the machine's own git config. */
export function testEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Ada Lovelace',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_COMMITTER_NAME: 'Ada Lovelace',
    GIT_COMMITTER_EMAIL: 'ada@example.com',
    LANG: 'C',
    ...extra,
  }
}

export interface TempRepo {
  /** The work tree's top folder. */
  dir: string
  /** A folder outside the repository for input files. */
  scratch: string
  env: Record<string, string>
  git(...args: string[]): string
  write(path: string, content: string | Buffer, mode?: number): string
  read(path: string): string
  cleanup(): void
}

/** A fresh `git init` on disk, with one commit on main unless `empty`. */
export function makeRepo(options: { empty?: boolean; branch?: string } = {}): TempRepo {
  const root = mkdtempSync(join(tmpdir(), 'gmr-test-'))
  const dir = join(root, 'repo')
  const scratch = join(root, 'scratch')
  const home = join(root, 'home')
  for (const d of [dir, scratch, home]) fs.mkdirSync(d, { recursive: true })
  const env = testEnv(home)
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' })
  git('init', '-q', '-b', options.branch ?? 'main')
  const write = (path: string, content: string | Buffer, mode?: number) => {
    const full = path.startsWith('/') ? path : join(dir, path)
    fs.mkdirSync(join(full, '..'), { recursive: true })
    fs.writeFileSync(full, content)
    if (mode !== undefined) fs.chmodSync(full, mode)
    return full
  }
  if (!options.empty) {
    write('README.md', '# project\n')
    git('add', 'README.md')
    git('commit', '-q', '-m', 'initial commit')
  }
  return {
    dir,
    scratch,
    env,
    git,
    write,
    read: (path) => fs.readFileSync(path.startsWith('/') ? path : join(dir, path), 'utf8'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  }
}

/** `git fsck --strict` must print nothing and exit 0. */
/**
 * The environment of a user who talks to remotes from `repo`: a global git config of their
 * own (empty; in the scratch folder), a download cache there too, and no password prompt.
 */
export function remoteUserEnv(repo: TempRepo, extra: Record<string, string> = {}): Record<string, string> {
  const env = { ...repo.env, ...extra, GIT_CONFIG_GLOBAL: join(repo.scratch, 'gitconfig'), XDG_CACHE_HOME: join(repo.scratch, 'cache'), GIT_TERMINAL_PROMPT: '0' }
  fs.writeFileSync(env.GIT_CONFIG_GLOBAL, '')
  return env
}

export function fsck(repo: TempRepo): string {
  return execFileSync('git', ['fsck', '--strict', '--no-progress'], {
    cwd: repo.dir,
    env: repo.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

export interface ProcessResult {
  code: number
  stdout: string
  stderr: string
}

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gmr.js')

/** Run a program without blocking the event loop, capturing its output. */
export function runProgram(file: string, args: string[], cwd: string, env: Record<string, string>, input?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: 'pipe' })
    child.stdin.end(input)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** Run the real `gmr` binary (the built dist) as a separate process. */
export function gmrProcess(cwd: string, env: Record<string, string>, args: string[]): Promise<ProcessResult> {
  return runProgram(process.execPath, [BIN, ...args], cwd, env)
}

/**
 * git without blocking the event loop: tests whose servers run in this process must
 * never call git synchronously (the server could not answer it).
 */
export function gitAsync(cwd: string, env: Record<string, string>, args: string[], input?: string): Promise<ProcessResult> {
  return runProgram('git', args, cwd, env, input)
}

/**
 * A git repository at `<root>/repo` (its user's HOME `<root>/home`) on which gmr ran
 * `commands` in turn, each after writing `<root>/in/model.txt` anew: the registry a test
 * of the built binary starts from.
 */
export async function registryAfter(root: string, commands: (inputs: string) => string[][]): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = join(root, 'repo')
  const inputs = join(root, 'in')
  for (const folder of [dir, join(root, 'home'), inputs]) mkdirSync(folder)
  const env = testEnv(join(root, 'home'))
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env })
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'initial commit'], { cwd: dir, env })
  for (const [i, args] of commands(inputs).entries()) {
    writeFileSync(join(inputs, 'model.txt'), `weights ${i}\n`)
    const setup = await gmrProcess(dir, env, args)
    if (setup.code !== 0) throw new Error(`gmr ${args.join(' ')}: ${setup.stderr}`)
  }
  return { dir, env }
}
