import { NotAGitRepositoryError } from '../domain/errors.js'
import type { Env } from './config.js'
import { FileSystem, type FsClient } from './fs.js'
import type { GitBinary } from './gitBinary.js'
import { assertSafeDirectory } from './safeDirectory.js'
import { loadBareRepoReader } from './lazyModules.js'

/**
 * Where a repository's git data lives. Everything in src/git/ takes one of these:
 * the file-system adapter and the path of the `.git` directory.
 */
export interface GitDir {
  fs: FileSystem
  gitdir: string
  /** Set when the git binary sees these same files: bulk history reads may run it. */
  binary?: GitBinary
}

/** A repository with a work tree (the usual checkout), or a bare one seen through its registry branch. */
export interface Repo extends GitDir {
  /**
   * Absolute path of the work tree's top folder. In a bare repository this is the git
   * directory, whose `registry/` shows the registry branch's manifests, read-only.
   */
  dir: string
  /** Set for a bare repository (a server, a mirror): no work tree, nothing to commit from. */
  bare?: true
}

export interface OpenRepoOptions {
  fs: FsClient | FileSystem
  /** Any folder inside the work tree; the top is found by walking up to `.git`. */
  dir: string
  /** The git directory, when it is not `<top>/.git`. */
  gitdir?: string
  /** For git's safe.directory check: HOME, SUDO_UID, GIT_CONFIG_* (default: none set). */
  env?: Env
  /** The repository is on the disk the git binary sees (see GitBinary). */
  binary?: GitBinary
}

export function toFileSystem(fs: FsClient | FileSystem): FileSystem {
  return fs instanceof FileSystem ? fs : new FileSystem(fs)
}

/**
 * Find the repository that contains `dir`, as git does: walk up until a `.git` (or a bare
 * repository) appears, and refuse one owned by another user unless `safe.directory` allows it.
 */
export async function openRepo(options: OpenRepoOptions): Promise<Repo> {
  const fs = toFileSystem(options.fs)
  const start = stripTrailingSlash(options.dir)
  const binary = options.binary === undefined ? {} : { binary: options.binary }
  if (options.gitdir !== undefined) return { fs, dir: start, gitdir: stripTrailingSlash(options.gitdir), ...binary }
  const found = await discover(fs, start)
  const { dir, gitdir, gitfile } = found
  await assertSafeDirectory(fs, { ...(dir !== null && { worktree: dir }), gitdir, ...(gitfile && { gitfile }) }, options.env ?? {})
  if (dir !== null) return { fs, dir, gitdir, ...binary }
  const openBareRepo = await loadBareRepoReader()
  return { ...(await openBareRepo(fs, gitdir)), ...binary }
}

/** Where git would find the repository from `start`: at each level up, `.git` first, then the folder itself as a bare repository. */
async function discover(fs: FileSystem, start: string): Promise<{ dir: string | null; gitdir: string; gitfile?: string }> {
  if (!(await fs.stat(start))?.isDirectory()) {
    throw new NotAGitRepositoryError(`${start} is not a folder that exists; check the path (-C, --dir)`, { dir: start })
  }
  let dir = start
  for (;;) {
    const dotGit = `${dir === '/' ? '' : dir}/.git`
    const st = await fs.stat(dotGit)
    if (st?.isDirectory()) return { dir, gitdir: dotGit }
    if (st?.isFile()) {
      // A `.git` file (worktree, submodule) points at the real git directory.
      const text = (await fs.readText(dotGit)) ?? ''
      const match = /^gitdir: (.+)$/m.exec(text)
      if (match) {
        const target = match[1]!.trim()
        return { dir, gitdir: target.startsWith('/') ? target : `${dir}/${target}`, gitfile: dotGit }
      }
    }
    if (await isGitDirectory(fs, dir)) return { dir: null, gitdir: dir }
    const parent = dir.slice(0, dir.lastIndexOf('/')) || '/'
    if (parent === dir) break
    dir = parent
  }
  throw new NotAGitRepositoryError(
    `not a git repository (or any parent up to /): ${start}; run "git init" first, or cd into a repository`,
    { dir: start },
  )
}

/** git's test for a git directory: a HEAD file and `objects/` and `refs/` folders. */
async function isGitDirectory(fs: FileSystem, dir: string): Promise<boolean> {
  const base = dir === '/' ? '' : dir
  return (
    ((await fs.stat(`${base}/HEAD`))?.isFile() ?? false) &&
    ((await fs.stat(`${base}/objects`))?.isDirectory() ?? false) &&
    ((await fs.stat(`${base}/refs`))?.isDirectory() ?? false)
  )
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path
}
