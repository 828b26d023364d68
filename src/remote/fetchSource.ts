import type { Env } from '../git/config.js'
import type { FileSystem } from '../git/fs.js'
import { isErrno } from '../git/fs.js'
import { initBareRepo, isoFetchRef, isoListRefs, ISO_TRACKING_PREFIX } from '../git/isoTransport.js'
import { readRef, updateRef } from '../git/refs.js'
import type { GitDir } from '../git/repo.js'
import { stripCredentials, CredentialSource, basicAuth } from './credentials.js'
import { GmrError, RemoteAuthError, RemoteNotFoundError, RemoteTransferError } from '../domain/errors.js'
import { runGit } from '../git/gitBinary.js'
import { isomorphicHttp } from './http.js'
import { fetchRefs, listRemoteRefs } from './remoteGit.js'
import { redactUrl } from '../domain/remoteUrl.js'
import { timeoutsFrom } from './timeouts.js'
import { checkRemoteUrl } from './transportPolicy.js'

/**
 * Fetching single refs from a remote into a bare cache repository: with the git binary
 * where there is one, else with isomorphic-git's HTTP transport (a slim deploy image).
 * Both write the fetched commit to a ref of gmr's own (`keep`), so it stays in the cache.
 */
export interface FetchSource {
  readonly kind: 'git' | 'isomorphic-git'
  /** The refs the remote advertises that start with one of `prefixes`. */
  refs(prefixes: readonly string[]): Promise<Map<string, string>>
  /** Fetch `ref` (a full ref name) at `depth` (undefined: its whole history), keep it as `keep`; returns the commit. */
  fetch(ref: string, depth: number | undefined, keep: string): Promise<string>
}

export async function ensureBareRepo(fs: FileSystem, gitdir: string, useGit: boolean, env: Env): Promise<void> {
  if (await fs.exists(`${gitdir}/HEAD`)) return
  await fs.mkdirp(gitdir)
  if (useGit) {
    const run = await runGit(['init', '--bare', '-q', gitdir], { env })
    if (run.code !== 0) throw new RemoteTransferError(`cannot create the download cache ${gitdir}: ${run.stderr.trim()}`)
    return
  }
  await initBareRepo(fs, gitdir)
}

export function gitBinarySource(repo: GitDir, url: string, env: Env): FetchSource {
  checkRemoteUrl(url)
  const ws = { gitdir: repo.gitdir, env }
  return {
    kind: 'git',
    async refs(prefixes) {
      const all = await listRemoteRefs(ws, url, prefixes.map((p) => (p.endsWith('/') ? `${p}*` : p)))
      return new Map([...all].filter(([name]) => prefixes.some((p) => (p.endsWith('/') ? name.startsWith(p) : name === p))))
    },
    async fetch(ref, depth, keep) {
      await fetchRefs(ws, url, [`+${ref}:${keep}`], { depth })
      return (await readRef(repo, keep))!
    },
  }
}

export function isomorphicSource(repo: GitDir & { fs: FileSystem }, url: string, env: Env): FetchSource {
  checkRemoteUrl(url)
  const http = isomorphicHttp(timeoutsFrom(env))
  const credentials = new CredentialSource(env)
  const plainUrl = stripCredentials(url)
  const auth = credentials.fromUrl(url)
  const headers: Record<string, string> = auth ? { Authorization: basicAuth(auth) } : {}
  const explain = (err: unknown, what: string): Error => {
    const e = err as { code?: string; data?: { statusCode?: number }; message?: string }
    const status = e.data?.statusCode
    if (status === 401 || status === 403) return new RemoteAuthError(`cannot ${what} ${redactUrl(url)}: authentication failed (${status}); put credentials in the URL`)
    if (status === 404 || e.code === 'NotFoundError') return new RemoteNotFoundError(`cannot ${what} ${redactUrl(url)}: not found; check the URL`)
    if (isErrno(err, 'ECONNREFUSED', 'ENOTFOUND')) return new RemoteTransferError(`cannot reach ${redactUrl(url)}; check the URL and your network`)
    if (err instanceof GmrError) return err
    if (status !== undefined && status >= 400) {
      return new RemoteTransferError(`cannot ${what} ${redactUrl(url)}: the server answered HTTP ${status}; nothing was changed locally, try again later`, { status })
    }
    return new RemoteTransferError(`cannot ${what} ${redactUrl(url)}: ${e.message ?? String(err)}; nothing was changed locally, try again`)
  }
  return {
    kind: 'isomorphic-git',
    async refs(prefixes) {
      try {
        const info = await isoListRefs(http, plainUrl, headers)
        const out = new Map<string, string>()
        for (const { ref, oid } of info) {
          if (prefixes.some((p) => (p.endsWith('/') ? ref.startsWith(p) : ref === p))) out.set(ref, oid)
        }
        return out
      } catch (err) {
        throw explain(err, 'reach')
      }
    },
    async fetch(ref, depth, keep) {
      // isomorphic-git writes `shallow` (and its remote-tracking refs) before the objects have
      // all arrived: a fetch that fails puts them back, or the cache would name commits it never stored.
      const shallow = `${repo.gitdir}/shallow`
      const before = await repo.fs.read(shallow)
      try {
        const oid = await isoFetchRef(repo, http, plainUrl, ref, depth, headers)
        if (!oid) throw new RemoteNotFoundError(`${redactUrl(url)} has no ${ref}`)
        // isomorphic-git records the fetch under refs/remotes; the ref gmr keeps it by is written here.
        await updateRef(repo, keep, oid, await readRef(repo, keep))
        return oid
      } catch (err) {
        if (before === null) await repo.fs.remove(shallow)
        else await repo.fs.write(shallow, before)
        await repo.fs.removeTree(`${repo.gitdir}/${ISO_TRACKING_PREFIX}`)
        throw explain(err, 'fetch from')
      }
    },
  }
}
