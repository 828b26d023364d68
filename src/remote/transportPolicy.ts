import { RemoteUrlRefusedError } from '../domain/errors.js'
import { ALLOWED_PROTOCOLS } from '../domain/remoteUrl.js'

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
