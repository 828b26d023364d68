import { InvalidInputError } from '../../domain/errors.js'
import { configValue, type GitConfig } from '../../domain/gitConfig.js'
import { lfsEndpointFor } from '../../domain/remoteUrl.js'
import { readGitConfig, type Env } from '../../git/config.js'
import type { Repo } from '../../git/repo.js'
import { crashPoint } from '../../git/crashPoint.js'
import { fetchRefs, type GitWorkspace } from '../../remote/remoteGit.js'
import { withConfiguredTimeouts } from '../../remote/timeouts.js'
import { checkRemoteUrl } from '../../remote/transportPolicy.js'
import { retiredTrackingPrefix } from './retiredRemote.js'
import type { RegistryContext } from './context.js'
import { integrateLedger, keepUnpushedAliasMoves, ledgerRefspec, trackedLedger } from './ledgerSync.js'

/** A configured remote: its name, URL, and the LFS endpoint git-lfs would use for it. */
export interface RemoteInfo {
  name: string
  url: string
  lfsUrl: string
  /** Where its branches are tracked: `refs/remotes/<name>/`. */
  trackingPrefix: string
  /** The environment to talk to it in: the caller's, with the timeouts git config sets. */
  env: Env
}

/**
 * The remote to talk to: the one named, else the registry branch's upstream
 * (`branch.<registryBranch>.remote`), else `origin`. The LFS endpoint follows git-lfs:
 * `remote.<name>.lfsurl`, then `lfs.url`, then derived from the URL.
 */
export async function remoteInfo(repo: Repo, env: Env, name?: string, registryBranch?: string): Promise<RemoteInfo> {
  const config = await readGitConfig(repo, env)
  const chosen = chosenRemote(config, name, registryBranch)
  const remote = remoteFrom(config, env, chosen)
  if (remote !== null) return remote
  const known = [...config.keys()].filter((k) => /^remote\..+\.url$/.test(k)).map((k) => k.slice(7, -4))
  throw new InvalidInputError(
    `no remote named "${chosen}"; ${known.length > 0 ? `remotes: ${known.join(', ')}` : 'add one with "git remote add origin <url>"'}`,
    { remote: chosen },
  )
}

/** The remote remoteInfo would give, or null when the repository has none by that name (a registry never pushed anywhere). */
export async function configuredRemote(repo: Repo, env: Env, name?: string, registryBranch?: string): Promise<RemoteInfo | null> {
  const config = await readGitConfig(repo, env)
  return remoteFrom(config, env, chosenRemote(config, name, registryBranch))
}

function chosenRemote(config: GitConfig, name: string | undefined, registryBranch: string | undefined): string {
  return name ?? (registryBranch !== undefined ? configValue(config, `branch.${registryBranch}.remote`) : undefined) ?? 'origin'
}

function remoteFrom(config: GitConfig, env: Env, chosen: string): RemoteInfo | null {
  const url = configValue(config, `remote.${chosen}.url`)
  if (url === undefined) return null
  const lfsUrl = configValue(config, `remote.${chosen}.lfsurl`) ?? configValue(config, 'lfs.url') ?? lfsEndpointFor(url)
  checkRemoteUrl(url)
  checkRemoteUrl(lfsUrl)
  return { name: chosen, url, lfsUrl, trackingPrefix: `refs/remotes/${chosen}/`, env: withConfiguredTimeouts(env, config) }
}

export function workspace(repo: Repo, env: Env, onProgress?: (line: string) => void): GitWorkspace {
  return { gitdir: repo.gitdir, env, ...(onProgress && { onProgress }) }
}

/**
 * What `gmr fetch` and `gmr pull` fetch, and what follows at once: every ref through gmr's
 * refspecs, the remote's ledger taken in, and alias refs this clone moved and has not
 * pushed put back where its ledger says (the alias refspec overwrites them). Each step
 * can be run again, so a fetch killed between them is finished by the next one.
 */
export async function fetchRegistryRefs(ctx: RegistryContext, remote: RemoteInfo, onProgress?: (line: string) => void): Promise<void> {
  const ledgerBefore = await trackedLedger(ctx, remote)
  await fetchRefs(workspace(ctx.repo, remote.env, onProgress), remote.name, fetchRefspecs(remote.name))
  crashPoint('fetch-before-integrate')
  await integrateLedger(ctx, remote, ledgerBefore)
  await keepUnpushedAliasMoves(ctx.repo, remote)
}

/**
 * The refspecs gmr fetches (and writes into .git/config at clone, so plain `git fetch` does
 * too): branches, alias refs, and the refs that keep retired artifacts' versions.
 */
export function fetchRefspecs(remote: string): string[] {
  return [
    `+refs/heads/*:refs/remotes/${remote}/*`,
    '+refs/aliases/*:refs/aliases/*',
    `+refs/aliases/*:refs/remotes/${remote}/aliases/*`,
    ledgerRefspec(remote),
    '+refs/gmr/retired/*:refs/gmr/retired/*',
    `+refs/gmr/retired/*:${retiredTrackingPrefix(remote)}*`,
  ]
}
