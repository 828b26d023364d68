/**
 * Remote URLs as git and git-lfs read them: where the LFS API of a remote lives, the
 * credentials a URL carries, and a form safe to print.
 */

/** `user:pass@` removed, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1')
}

/** The user name and password in a URL's userinfo, decoded. */
export function urlCredentials(url: string): { username: string; password: string } | null {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(url)
  if (!match) return null
  const [user, pass = ''] = match[1]!.split(':')
  return { username: decodeURIComponent(user ?? ''), password: decodeURIComponent(pass) }
}

/**
 * The LFS API endpoint git-lfs derives from a remote URL: `<url>.git/info/lfs`, or
 * `<url>/info/lfs` when it already ends in `.git`. SSH remotes (`git@host:org/repo`,
 * `ssh://git@host/org/repo`) map to HTTPS on the same host, as git-lfs does when the
 * server offers no `git-lfs-authenticate`. A local path stays the path.
 */
export function lfsEndpointFor(remoteUrl: string): string {
  // A repository on this machine keeps its objects itself (git-lfs's standalone transfer).
  if (isLocalRemote(remoteUrl)) return remoteUrl
  let url = remoteUrl.replace(/\/+$/, '')
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(url)
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `https://${scp[1]}/${scp[2]}`
  else if (/^ssh:\/\//i.test(url)) url = url.replace(/^ssh:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?/i, 'https://$1')
  else if (/^git:\/\//i.test(url)) url = url.replace(/^git:\/\//i, 'https://')
  return url.endsWith('.git') ? `${url}/info/lfs` : `${url}.git/info/lfs`
}

/** A local path (or file:// URL) rather than a network remote. */
export function isLocalRemote(url: string): boolean {
  return url.startsWith('/') || url.startsWith('./') || url.startsWith('../') || /^file:\/\//i.test(url)
}

/** The transports a registry needs; git's remote helpers (`ext::`, `fd::`, …) are not among them. */
export const ALLOWED_PROTOCOLS = ['https', 'http', 'ssh', 'git', 'file'] as const

/** `GIT_ALLOW_PROTOCOL` for every git gmr starts: git itself then refuses any other transport. */
export const GIT_ALLOW_PROTOCOL = ALLOWED_PROTOCOLS.join(':')
