import type { Env } from '../git/config.js'
import { RemoteUrlRefusedError } from '../domain/errors.js'

/** The transports a registry needs; git's remote helpers (`ext::`, `fd::`, …) are not among them. */
export const ALLOWED_PROTOCOLS = ['https', 'http', 'ssh', 'git', 'file'] as const

/** `GIT_ALLOW_PROTOCOL` for every git gmr starts: git itself then refuses any other transport. */
export const GIT_ALLOW_PROTOCOL = ALLOWED_PROTOCOLS.join(':')

const SSH_ALIASES = new Set(['git+ssh', 'ssh+git'])

/**
 * Refuse, before any transport runs, a URL git would read as an option (`--upload-pack=…`)
 * or one naming a transport outside ALLOWED_PROTOCOLS. scp-like `host:path` addresses
 * (ssh) and local paths (file) pass.
 */
export function checkRemoteUrl(url: string): void {
  const shown = url.length > 80 ? `${url.slice(0, 77)}...` : url
  if (url.startsWith('-')) {
    throw new RemoteUrlRefusedError(`refusing remote URL "${shown}": it starts with "-", which git would read as an option`, { url: shown })
  }
  if (/[\0\r\n]/.test(url)) {
    throw new RemoteUrlRefusedError('refusing a remote URL with a control character in it', {})
  }
  const helper = /^([A-Za-z][A-Za-z0-9+.-]*)::/.exec(url)
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)
  const protocol = helper?.[1] ?? scheme?.[1]?.toLowerCase()
  if (protocol === undefined) return
  if (helper === null && ((ALLOWED_PROTOCOLS as readonly string[]).includes(protocol) || SSH_ALIASES.has(protocol))) return
  throw new RemoteUrlRefusedError(
    `refusing remote URL "${shown}": transport "${protocol}${helper ? '::' : '://'}" is not allowed; gmr talks to remotes over ${ALLOWED_PROTOCOLS.join(', ')} only`,
    { url: shown, protocol },
  )
}

/** The environment git runs in: the caller's, with the transport allow-list gmr enforces. */
export function gitTransportEnv(env: Env): Env {
  return { ...env, GIT_ALLOW_PROTOCOL }
}
