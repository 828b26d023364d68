import type { FileSystem } from './fs.js'
import type { GitDir } from './repo.js'
import type * as IsomorphicGit from 'isomorphic-git'
import { loadIsomorphicGit } from './lazyModules.js'

/** An isomorphic-git HttpClient (request in, streamed response out). */
export type IsoHttpClient = Parameters<typeof IsomorphicGit.fetch>[0]['http']

type IsoFs = Parameters<typeof IsomorphicGit.init>[0]['fs']

/**
 * isomorphic-git's HTTP transport, for machines with no git binary. Its traps, as
 * measured: one ref per fetch call with `singleBranch`; the refs it records are its own
 * (callers write the ref they keep); the HTTP client must hold sockets open (the caller
 * passes one with a keep-alive agent).
 */
export async function initBareRepo(fs: FileSystem, gitdir: string): Promise<void> {
  const git = await loadIsomorphicGit()
  await git.init({ fs: fs.client as IsoFs, gitdir, bare: true, defaultBranch: 'main' })
}

export async function isoListRefs(http: IsoHttpClient, url: string, headers: Record<string, string>): Promise<Array<{ ref: string; oid: string }>> {
  const git = await loadIsomorphicGit()
  return git.listServerRefs({ http, url, headers, protocolVersion: 1 })
}

/** Where isomorphic-git records what it fetched (gmr reads only the refs it keeps itself). */
export const ISO_TRACKING_PREFIX = 'refs/remotes/origin/all/'

/** Fetch one ref at a depth; returns the fetched commit (FETCH_HEAD). */
export async function isoFetchRef(
  repo: GitDir,
  http: IsoHttpClient,
  url: string,
  ref: string,
  depth: number | undefined,
  headers: Record<string, string>,
): Promise<string | null> {
  const git = await loadIsomorphicGit()
  const fs = repo.fs.client as IsoFs
  // isomorphic-git maps what it fetched through the remote's fetch refspec, even for a URL.
  if ((await git.getConfig({ fs, gitdir: repo.gitdir, path: 'remote.origin.fetch' })) === undefined) {
    await git.setConfig({ fs, gitdir: repo.gitdir, path: 'remote.origin.fetch', value: `+refs/*:${ISO_TRACKING_PREFIX}*` })
  }
  const result = await git.fetch({
    fs: repo.fs.client as IsoFs,
    http,
    gitdir: repo.gitdir,
    url,
    headers,
    ref,
    remoteRef: ref,
    singleBranch: true,
    ...(depth !== undefined && { depth }),
    tags: false,
  })
  return result.fetchHead ?? null
}
