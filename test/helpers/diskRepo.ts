import { execFileSync } from 'node:child_process'
import * as nodeFs from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { FileSystem, type FsClient } from '../../src/git/fs.js'
import type { GitDir } from '../../src/git/repo.js'

/** git with a fixed identity and no system or global config. */
export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
}

export type GitOptions = { input?: Uint8Array | string; env?: Record<string, string> }
/** Run git in the repository; the second argument is stdin, or options. */
export type Git = (args: string[], inputOrOptions?: Uint8Array | string | GitOptions) => Buffer

export interface DiskRepo {
  dir: string
  repo: GitDir
  git: Git
}

/**
 * Fresh `git init` repositories for the git layer's tests, removed after each test.
 * Call once at the top of a test file.
 */
export function diskRepos(prefix: string): { diskRepo(options?: { keep?: boolean }): DiskRepo; tempDir(): string } {
  const cleanups: string[] = []
  afterEach(() => {
    for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), `gmr-${prefix}-`))
    cleanups.push(dir)
    return dir
  }
  /** `keep`: not removed after each test (for a repository a whole describe block shares; remove it yourself). */
  const diskRepo = (options: { keep?: boolean } = {}): DiskRepo => {
    const dir = options.keep ? mkdtempSync(join(tmpdir(), `gmr-${prefix}-`)) : tempDir()
    const git: Git = (args, inputOrOptions) => {
      const options: GitOptions =
        typeof inputOrOptions === 'string' || inputOrOptions instanceof Uint8Array ? { input: inputOrOptions } : (inputOrOptions ?? {})
      return execFileSync('git', args, {
        cwd: dir,
        env: { ...GIT_ENV, ...options.env },
        input: options.input,
        stdio: 'pipe',
        maxBuffer: 512 * 1024 * 1024,
      })
    }
    git(['init', '-q', '-b', 'main'])
    return { dir, repo: { fs: new FileSystem(nodeFs as unknown as FsClient), gitdir: join(dir, '.git') }, git }
  }
  return { diskRepo, tempDir }
}
