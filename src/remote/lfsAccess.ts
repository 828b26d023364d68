import { redactUrl } from '../domain/remoteUrl.js'
import { basicAuth, stripCredentials, type Credential, type CredentialSource } from './credentials.js'
import { cachedSshAuth, sshDestination, type LfsOperation, type SshAuthenticateOptions, type SshRemote } from './lfsSsh.js'
import { transferNotice } from './transferNotices.js'
import { checkRemoteUrl } from './transportPolicy.js'

/** Where a batch request goes and the headers that let it in. */
export interface LfsApiTarget {
  /** The LFS endpoint (`…/info/lfs`); the batch API is `<endpoint>/objects/batch`. */
  endpoint: string
  header: Record<string, string>
}

/**
 * How the LFS client gets into a server's batch API: over HTTPS with git's credentials, or
 * with what `git-lfs-authenticate` answered over ssh.
 */
export interface LfsAccess {
  /** The endpoint as messages show it. */
  readonly shown: string
  target(operation: LfsOperation): Promise<LfsApiTarget>
  /** The server answered 401 to `target`'s answer: another to try once, or null when there is none. */
  retarget(operation: LfsOperation): Promise<LfsApiTarget | null>
  /** How the try with `retarget`'s answer went (credential helpers learn from it). */
  settle(worked: boolean): Promise<void>
}

/** HTTPS: the URL's own credential, then git's credential helpers on a 401, never a prompt. */
export class HttpLfsAccess implements LfsAccess {
  readonly shown: string
  private readonly endpoint: string
  private credential: Credential | null
  private trying: Credential | null = null

  constructor(
    endpoint: string,
    private readonly credentials: CredentialSource,
  ) {
    checkRemoteUrl(endpoint)
    this.credential = credentials.fromUrl(endpoint)
    this.endpoint = stripCredentials(endpoint).replace(/\/+$/, '')
    this.shown = redactUrl(this.endpoint)
  }

  async target(): Promise<LfsApiTarget> {
    return { endpoint: this.endpoint, header: this.credential ? { Authorization: basicAuth(this.credential) } : {} }
  }

  async retarget(): Promise<LfsApiTarget | null> {
    const filled = this.credential ?? (await this.credentials.fill(this.endpoint))
    if (filled === null || filled === this.credential) return null
    this.trying = filled
    return { endpoint: this.endpoint, header: { Authorization: basicAuth(filled) } }
  }

  async settle(worked: boolean): Promise<void> {
    if (this.trying === null) return
    await this.credentials.report(this.endpoint, this.trying, worked)
    if (worked) this.credential = this.trying
    this.trying = null
  }
}

/**
 * SSH (git-lfs docs/api/authentication.md): `ssh [user@]host git-lfs-authenticate <path>
 * <operation>` answers the batch API's href and headers, kept until they expire. A host
 * whose ssh offers no `git-lfs-authenticate` is reached over HTTPS at `fallback`, as git-lfs does.
 */
export class SshLfsAccess implements LfsAccess {
  readonly shown: string
  private fallback: HttpLfsAccess | null = null

  constructor(
    private readonly remote: SshRemote,
    private readonly options: SshAuthenticateOptions,
    private readonly fallbackEndpoint: string,
    private readonly credentials: CredentialSource,
  ) {
    this.shown = `ssh ${sshDestination(remote)} (${remote.path})`
  }

  async target(operation: LfsOperation): Promise<LfsApiTarget> {
    if (this.fallback) return this.fallback.target()
    try {
      const auth = await cachedSshAuth(this.remote, operation, this.options)
      return { endpoint: auth.href, header: auth.header }
    } catch (err) {
      this.fallback = new HttpLfsAccess(this.fallbackEndpoint, this.credentials)
      transferNotice(`${(err as Error).message.replace(/; check that .*$/, '')}; trying ${this.fallback.shown} over HTTPS`)
      return this.fallback.target()
    }
  }

  async retarget(operation: LfsOperation): Promise<LfsApiTarget | null> {
    if (this.fallback) return this.fallback.retarget()
    // The server may have let the token expire before it said it would: ask for a new one.
    const auth = await cachedSshAuth(this.remote, operation, this.options, true)
    return { endpoint: auth.href, header: auth.header }
  }

  async settle(worked: boolean): Promise<void> {
    await this.fallback?.settle(worked)
  }
}
