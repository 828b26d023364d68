import { NotARegistryError } from '../domain/errors.js'
import { REGISTRY_FILE } from '../domain/layout.js'
import type { RegistryConfig } from '../domain/registryConfig.js'
import type { GitIdentity } from '../git/commit.js'
import { readGitConfig, resolveIdentity, type Env } from '../git/config.js'
import type { FileSystem, FsClient } from '../git/fs.js'
import { openRepo, type Repo } from '../git/repo.js'
import { recoverIfInterrupted } from './registryEdit.js'

/** What every operation takes: where the repository is and how to reach it. */
export interface RepoOptions {
  /** The file system: Node's `fs`, memfs, or anything with the same promises API. */
  fs: FsClient | FileSystem
  /** A folder inside the repository's work tree. */
  dir: string
  /** The git directory, when it is not `<top>/.git`. */
  gitdir?: string
  /** Environment for identity (GIT_AUTHOR_NAME, …) and config lookup (HOME). */
  env?: Env
  /** The clock, for commit dates (tests pin it). */
  now?: () => Date
}

/** An opened registry: the repository plus its settings. */
export interface RegistryContext {
  repo: Repo
  /** `registry/registry.yaml`, read and validated on first use. */
  config(): Promise<RegistryConfig>
  env: Env
  now: () => Date
}

export async function openRepoContext(options: RepoOptions): Promise<{ repo: Repo; env: Env; now: () => Date }> {
  const repo = await openRepo(options.gitdir === undefined ? options : { ...options, gitdir: options.gitdir })
  return { repo, env: options.env ?? {}, now: options.now ?? (() => new Date()) }
}

/**
 * Open the repository at `dir` as a registry; before `gmr init` this says what to run.
 * The settings file is parsed only when an operation asks for it.
 */
export async function openRegistryContext(options: RepoOptions): Promise<RegistryContext> {
  const { repo, env, now } = await openRepoContext(options)
  const path = `${repo.dir}/${REGISTRY_FILE}`
  if (!(await repo.fs.exists(path))) {
    throw new NotARegistryError(`${repo.dir} is not a gmr registry yet (no ${REGISTRY_FILE}): run "gmr init" first`, {
      dir: repo.dir,
    })
  }
  await recoverIfInterrupted(repo)
  let config: Promise<RegistryConfig> | undefined
  const readConfig = async (): Promise<RegistryConfig> => {
    const { parseRegistryConfig } = await import('../domain/registryConfig.js')
    return parseRegistryConfig((await repo.fs.readText(path)) ?? '')
  }
  return { repo, config: () => (config ??= readConfig()), env, now }
}

/** Author and committer for a commit made now, as git would choose them. */
export async function commitIdentities(
  ctx: Pick<RegistryContext, 'repo' | 'env' | 'now'>,
): Promise<{ author: GitIdentity; committer: GitIdentity }> {
  const config = await readGitConfig(ctx.repo, ctx.env)
  const now = ctx.now()
  return {
    author: resolveIdentity(config, ctx.env, 'author', now),
    committer: resolveIdentity(config, ctx.env, 'committer', now),
  }
}
