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
 * `<url>/info/lfs` when it already ends in `.git`. An SSH remote (`git@host:org/repo`,
 * `ssh://git@host/org/repo`) stays itself: its LFS endpoint is what `git-lfs-authenticate`
 * answers over ssh (httpsLfsEndpointFor when the host offers none). A local path stays the path.
 */
export function lfsEndpointFor(remoteUrl: string): string {
  // A repository on this machine keeps its objects itself (git-lfs's standalone transfer).
  if (isLocalRemote(remoteUrl) || isSshRemote(remoteUrl)) return remoteUrl
  return httpsLfsEndpointFor(remoteUrl)
}

/**
 * The HTTPS LFS endpoint of a remote: ssh and git:// addresses map to HTTPS on the same
 * host, as git-lfs does for a host whose ssh offers no `git-lfs-authenticate`.
 */
export function httpsLfsEndpointFor(remoteUrl: string): string {
  let url = remoteUrl.replace(/\/+$/, '')
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(url)
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `https://${scp[1]}/${scp[2]}`
  else if (/^(ssh|git\+ssh|ssh\+git):\/\//i.test(url)) url = url.replace(/^[a-z+]+:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?/i, 'https://$1')
  else if (/^git:\/\//i.test(url)) url = url.replace(/^git:\/\//i, 'https://')
  return url.endsWith('.git') ? `${url}/info/lfs` : `${url}.git/info/lfs`
}

/** An ssh address: `ssh://…` (or git+ssh, ssh+git), or scp-like `[user@]host:path`. */
export function isSshRemote(url: string): boolean {
  if (/^(ssh|git\+ssh|ssh\+git):\/\//i.test(url)) return true
  return !isLocalRemote(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && /^(?:[^@/:]+@)?[^/:]+:/.test(url)
}

/** A local path (or file:// URL) rather than a network remote. */
export function isLocalRemote(url: string): boolean {
  return url.startsWith('/') || url.startsWith('./') || url.startsWith('../') || /^file:\/\//i.test(url)
}

/** The transports a registry needs; git's remote helpers (`ext::`, `fd::`, …) are not among them. */
export const ALLOWED_PROTOCOLS = ['https', 'http', 'ssh', 'git', 'file'] as const

/** `GIT_ALLOW_PROTOCOL` for every git gmr starts: git itself then refuses any other transport. */
export const GIT_ALLOW_PROTOCOL = ALLOWED_PROTOCOLS.join(':')
