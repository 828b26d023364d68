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

/**
 * `git --git-dir=<gitdir> <args>` with `input` on stdin; stdout as bytes, or null when
 * there is no git binary or it fails (the caller then reads the objects itself).
 */
export async function readGitOutput(repo: GitDir, binary: GitBinary, args: readonly string[], input = ''): Promise<Buffer | null> {
  // Loaded on first use: lookups that find their indexes current never spawn anything.
  const { spawn } = await import('node:child_process')
  return new Promise((resolve) => {
    const env = { ...binary.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' } as NodeJS.ProcessEnv
    delete env.GIT_DIR
    delete env.GIT_WORK_TREE
    const child = spawn('git', [`--git-dir=${repo.gitdir}`, ...args], { env, stdio: ['pipe', 'pipe', 'ignore'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.on('error', () => resolve(null))
    child.on('close', (code) => resolve(code === 0 ? Buffer.concat(chunks) : null))
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
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
