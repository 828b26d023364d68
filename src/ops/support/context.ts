import { NotARegistryError, UnsupportedStateError } from '../../domain/errors.js'
import { quickRegistryConfig } from '../../domain/quickRegistryConfig.js'
import { ALIAS_MOVES_JOURNAL_FILE, EDIT_JOURNAL_FILE, REGISTRY_FILE } from '../../domain/layout.js'
import type { RegistryConfig } from '../../domain/registryConfig.js'
import type { GitIdentity } from '../../git/commit.js'
import { readGitConfig, resolveIdentity, type Env } from '../../git/config.js'
import type { FileSystem, FsClient } from '../../git/fs.js'
import { withLock } from '../../git/lock.js'
import { openRepo, type Repo } from '../../git/repo.js'
import { loadEditRecovery, loadRegistryConfigParser } from './lazyModules.js'

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
  /** What is running, as a user would recognise it (`gmr link churn:v3 churn-model`); recorded in the registry lock. */
  command?: string
  /** Told about things worth a line to the user that are not errors (a stale lock taken over); operations never print. */
  onNotice?: (message: string) => void
  /**
   * `fs` is the real disk, so the git binary sees the same repository: bulk history
   * reads (a fresh clone's version index) let git walk. Never set it with memfs.
   */
  onDisk?: boolean
  /** Sign the commits this operation writes (true) or not (false); default: git's `commit.gpgsign`. */
  sign?: boolean
}

/** An opened registry: the repository plus its settings. */
export interface RegistryContext {
  repo: Repo
  /** `registry/registry.yaml`, read and validated on first use. */
  config(): Promise<RegistryConfig>
  env: Env
  now: () => Date
  command: string
  notify: (message: string) => void
}

export type RepoContext = Pick<RegistryContext, 'repo' | 'env' | 'now' | 'command' | 'notify'>

export async function openRepoContext(options: RepoOptions): Promise<RepoContext> {
  const binary = options.onDisk === true ? { binary: { env: options.env ?? {} } } : {}
  const repo = await openRepo(options.gitdir === undefined ? { ...options, ...binary } : { ...options, gitdir: options.gitdir, ...binary })
  return {
    repo,
    env: options.env ?? {},
    now: options.now ?? (() => new Date()),
    command: options.command ?? 'gmr',
    notify: options.onNotice ?? (() => {}),
  }
}

/**
 * Run `fn` holding the registry lock: the one lock every registry edit takes, which
 * records this command and reports a stale lock it took over through `notify`.
 */
export async function withRegistryLock<T>(
  ctx: Pick<RegistryContext, 'repo' | 'command' | 'notify'>,
  fn: () => Promise<T>,
  options: { workTree?: boolean } = {},
): Promise<T> {
  if (options.workTree !== false) assertNotBare(ctx)
  return withLock(ctx.repo, 'registry', fn, { command: ctx.command, onNotice: ctx.notify })
}

/**
 * Open the repository at `dir` as a registry; before `gmr init` this says what to run.
 * The settings file is parsed only when an operation asks for it.
 */
export async function openRegistryContext(options: RepoOptions): Promise<RegistryContext> {
  const base = await openRepoContext(options)
  const { repo } = base
  const path = `${repo.dir}/${REGISTRY_FILE}`
  if (!(await repo.fs.exists(path))) {
    throw new NotARegistryError(`${repo.dir} is not a gmr registry yet (no ${REGISTRY_FILE}): run "gmr init" first`, {
      dir: repo.dir,
    })
  }
  // An interrupted edit is rare; the code that finishes it (index, commits, refs) loads only then.
  if ((await repo.fs.exists(`${repo.gitdir}/${EDIT_JOURNAL_FILE}`)) || (await repo.fs.exists(`${repo.gitdir}/${ALIAS_MOVES_JOURNAL_FILE}`))) {
    await (await loadEditRecovery())(repo, base.env)
  }
  let config: Promise<RegistryConfig> | undefined
  return { ...base, config: () => (config ??= readRegistryConfig(repo.fs, path)) }
}

/**
 * `registry.yaml` as gmr writes it is read by the plain reader and the schema's compiled
 * check (src/domain/quickRegistryConfig.ts): no YAML library, no validators.ts. Anything
 * that reader is unsure of, or finds wrong, goes to the full parser, which loads lazily
 * and says what is wrong with line numbers.
 */
async function readRegistryConfig(fs: FileSystem, path: string): Promise<RegistryConfig> {
  const text = (await fs.readText(path)) ?? ''
  return quickRegistryConfig(text) ?? (await loadRegistryConfigParser()).parseRegistryConfig(text)
}

/** Write commands run in a checkout: in a bare repository (a server, a mirror) they say why not. */
export function assertNotBare(ctx: Pick<RegistryContext, 'repo' | 'command'>): void {
  if (!ctx.repo.bare) return
  throw new UnsupportedStateError(
    `"${ctx.command}" writes to the registry, and ${ctx.repo.gitdir} is a bare repository (a server or mirror); run it in a clone ("git clone ${ctx.repo.gitdir}") and push`,
    { gitdir: ctx.repo.gitdir },
  )
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
