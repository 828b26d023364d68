import { GitCommandError, InvalidInputError, NotARegistryError } from '../domain/errors.js'
import { artifactRef, REGISTRY_FILE } from '../domain/layout.js'
import { resolvePath } from '../domain/paths.js'
import { redactUrl } from '../domain/remoteUrl.js'
import type { Env } from '../git/config.js'
import { listRefs, readRef, readSymbolicRef, updateRef } from '../git/refs.js'
import { toFileSystem, type Repo } from '../git/repo.js'
import type { FileSystem, FsClient } from '../git/fs.js'
import { CredentialSource, inlineCredentialEnv, stripCredentials } from '../remote/credentials.js'
import { runGit } from '../git/gitBinary.js'
import { gitTimeoutArgs, timeoutsFrom } from '../remote/timeouts.js'
import { checkRemoteUrl } from '../remote/transportPolicy.js'
import { transportError } from '../remote/remoteGit.js'
import { openRegistryContext } from './support/context.js'
import { integrateLedger } from './support/ledgerSync.js'
import { retiredNotPushed } from './support/retiredRemote.js'
import { fetchRefspecs, remoteInfo, type RemoteInfo } from './support/remotes.js'

export interface CloneOptions {
  fs: FsClient | FileSystem
  url: string
  /** Target folder (default: the repository's name, as git clone picks it), relative to `cwd`. */
  dir?: string
  cwd: string
  env?: Env
  onProgress?: (line: string) => void
}

export interface CloneResult {
  dir: string
  registryBranch: string
  artifacts: string[]
  aliases: number
}

/**
 * Clone a registry: git clones the repository with the alias refspecs in
 * `.git/config` (so that clone, and every plain `git fetch` after it, brings aliases
 * too), then gmr creates the local artifact branches and checks out the registry
 * branch. Nothing is walked or indexed here: the version index of a fresh clone is
 * built by the first command that needs it. Large files stay on the server until a
 * download needs them.
 */
export async function clone(options: CloneOptions): Promise<CloneResult> {
  const fs = toFileSystem(options.fs)
  checkRemoteUrl(options.url)
  const userEnv = options.env ?? {}
  // A URL's userinfo is handed to git through the environment and saved by the user's
  // credential helper afterwards; .git/config gets the URL without it.
  const credentials = new CredentialSource(userEnv)
  // Only an HTTP password is a secret: an ssh URL's user name (git@…) is part of the address.
  const found = /^https?:\/\//i.test(options.url) ? credentials.fromUrl(options.url) : null
  const secret = found && found.password !== '' ? found : null
  const url = secret ? stripCredentials(options.url) : options.url
  const env = secret ? inlineCredentialEnv(userEnv, secret) : userEnv
  const name = options.dir ?? defaultDir(url)
  const dir = resolvePath(name, options.cwd)
  if ((await fs.readdir(dir))?.length) {
    throw new InvalidInputError(`cannot clone into ${dir}: it exists and is not empty; choose another folder`, { dir })
  }
  // The alias refspecs go in with -c, so git's own clone fetches them: one transfer, no second fetch.
  const aliasSpecs = fetchRefspecs('origin').slice(1).flatMap((spec) => ['-c', `remote.origin.fetch=${spec}`])
  const run = await runGit([...gitTimeoutArgs(timeoutsFrom(env)), 'clone', '-q', '--origin', 'origin', ...aliasSpecs, '--', url, dir], {
    cwd: options.cwd,
    env,
    ...(options.onProgress && { onStderr: options.onProgress }),
  })
  if (run.code !== 0) throw transportError('clone', url, run)
  try {
    await orderRefspecs(fs, `${dir}/.git/config`)
    if (!(await fs.exists(`${dir}/${REGISTRY_FILE}`))) await checkoutRegistryBranch(dir, env, url)
    const ctx = await openRegistryContext({ fs, dir, env })
    const { registryBranch } = await ctx.config()
    const remote = await remoteInfo(ctx.repo, env, 'origin')
    const current = (await readSymbolicRef(ctx.repo, 'HEAD'))?.replace(/^refs\/heads\//, '')
    if (current !== registryBranch) {
      const checkout = await runGit(['checkout', '-q', registryBranch], { cwd: dir, env })
      if (checkout.code !== 0) {
        throw new GitCommandError(`cannot check out the registry branch ${registryBranch}: ${checkout.stderr.trim()}`, { command: 'checkout' })
      }
    }
    const artifacts = await createArtifactBranches(ctx.repo, remote)
    await integrateLedger(ctx, remote, null)
    if (secret) await credentials.report(url, secret, true)
    const aliases = await listRefs(ctx.repo, 'refs/aliases/')
    return { dir, registryBranch, artifacts, aliases: aliases.size }
  } catch (err) {
    await fs.removeTree(dir)
    throw err
  }
}

/**
 * A fresh clone has no artifact branch of its own: each of the remote's becomes a local
 * branch at the remote's tip, as a fetch does with a branch only the remote has (nothing
 * to compare, so no version is read). An artifact retired on the remote whose branch is
 * still there stays retired, as after a fetch. Sorted by name.
 */
async function createArtifactBranches(repo: Repo, remote: RemoteInfo): Promise<string[]> {
  const retired = await retiredNotPushed(repo, remote)
  const prefix = `${remote.trackingPrefix}artifacts/`
  const created: string[] = []
  for (const [ref, tip] of await listRefs(repo, prefix)) {
    const artifact = ref.slice(prefix.length)
    if (retired.has(artifact)) continue
    // git's checkout made one already when the remote's HEAD is an artifact branch.
    const local = await readRef(repo, artifactRef(artifact))
    if (local === null) await updateRef(repo, artifactRef(artifact), tip, null)
    created.push(artifact)
  }
  return created.sort()
}

/**
 * git wrote the -c refspecs before its own: put them back in the documented order
 * (heads first) with one edit of the config file git just wrote, under git's own lock
 * name, instead of starting git three more times.
 */
async function orderRefspecs(fs: FileSystem, path: string): Promise<void> {
  const text = (await fs.readText(path)) ?? ''
  const lines = text.split('\n')
  const start = lines.findIndex((line) => /^\s*\[remote "origin"\]\s*$/.test(line))
  if (start < 0) return
  let end = lines.findIndex((line, i) => i > start && /^\s*\[/.test(line))
  if (end < 0) end = lines.length
  const kept = lines.slice(start + 1, end).filter((line) => !/^\s*fetch\s*=/.test(line))
  const body = kept.filter((line) => line.trim() !== '')
  const specs = fetchRefspecs('origin').map((spec) => `\tfetch = ${spec}`)
  // Blank lines (the file's final newline among them) stay after the section.
  const blank = kept.slice(body.length)
  const edited = [...lines.slice(0, start + 1), ...body, ...specs, ...blank, ...lines.slice(end)]
  const lock = `${path}.lock`
  const handle = await fs.openExclusive(lock)
  try {
    await handle.write(edited.join('\n'))
    await handle.close()
    await fs.rename(lock, path)
  } catch (err) {
    await fs.remove(lock)
    throw err
  }
}

/**
 * The remote's HEAD may name a branch that is not the registry (or none at all, as a
 * fresh bare repository's does): check out the branch that holds registry.yaml,
 * preferring main and master.
 */
async function checkoutRegistryBranch(dir: string, env: Env, url: string): Promise<void> {
  const git = (args: string[]) => runGit(args, { cwd: dir, env })
  const branches = (await git(['for-each-ref', '--format=%(refname:strip=3)', 'refs/remotes/origin/'])).stdout
    .split('\n')
    .filter((b) => b !== '' && b !== 'HEAD' && !b.startsWith('artifacts/'))
    .sort((a, b) => rank(a) - rank(b))
  for (const branch of branches) {
    if ((await git(['cat-file', '-e', `refs/remotes/origin/${branch}:${REGISTRY_FILE}`])).code !== 0) continue
    const run = await git(['checkout', '-q', '-B', branch, '--track', `origin/${branch}`])
    if (run.code === 0) return
  }
  throw new NotARegistryError(`${redactUrl(url)} is a git repository but not a gmr registry (no branch has ${REGISTRY_FILE}); check the URL, or run gmr init there`)
}

function rank(branch: string): number {
  return branch === 'main' ? 0 : branch === 'master' ? 1 : 2
}

/** git's own choice: the last path component without `.git`. */
function defaultDir(url: string): string {
  const last = url.replace(/[/\\]+$/, '').split(/[/:\\]/).pop() ?? 'registry'
  return last.replace(/\.git$/, '') || 'registry'
}
