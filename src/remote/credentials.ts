import { urlCredentials } from '../domain/remoteUrl.js'
import type { Env } from '../git/config.js'
import { hasGit, runGit } from '../git/gitBinary.js'

export interface Credential {
  username: string
  password: string
}

/**
 * Credentials for an HTTP URL as git would find them: the URL's own userinfo first,
 * then `git credential fill` (the user's credential helpers), never a prompt.
 */
export class CredentialSource {
  private readonly filled = new Map<string, Credential | null>()

  constructor(private readonly env: Env) {}

  fromUrl(url: string): Credential | null {
    const found = urlCredentials(url)
    return found && found.username !== '' ? found : null
  }

  /** Ask git's credential helpers (once per origin). */
  async fill(url: string): Promise<Credential | null> {
    const key = origin(url)
    if (this.filled.has(key)) return this.filled.get(key)!
    let credential: Credential | null = null
    if (await hasGit(this.env)) {
      const run = await runGit(['credential', 'fill'], {
        env: { ...this.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' },
        input: `${describe(url)}\n`,
      })
      if (run.code === 0) {
        const fields = parse(run.stdout)
        if (fields.username !== undefined && fields.password !== undefined) {
          credential = { username: fields.username, password: fields.password }
        }
      }
    }
    this.filled.set(key, credential)
    return credential
  }

  /** Tell the helpers a credential worked (approve) or did not (reject). */
  async report(url: string, credential: Credential, worked: boolean): Promise<void> {
    if (!(await hasGit(this.env))) return
    await runGit(['credential', worked ? 'approve' : 'reject'], {
      env: this.env,
      input: `${describe(url)}username=${credential.username}\npassword=${credential.password}\n\n`,
    }).catch(() => undefined)
  }
}

/**
 * An environment in which git (and only the git processes started with it) answers
 * credential requests with `credential`, from two variables: the secret never reaches a
 * config file or a command line, and the user's own helpers are not asked.
 */
export function inlineCredentialEnv(env: Env, credential: Credential): Env {
  const count = Number(env.GIT_CONFIG_COUNT ?? 0) || 0
  const helper = '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" "$GMR_CREDENTIAL_USERNAME" "$GMR_CREDENTIAL_PASSWORD"; }; f'
  return {
    ...env,
    GIT_CONFIG_COUNT: String(count + 2),
    [`GIT_CONFIG_KEY_${count}`]: 'credential.helper',
    [`GIT_CONFIG_VALUE_${count}`]: '',
    [`GIT_CONFIG_KEY_${count + 1}`]: 'credential.helper',
    [`GIT_CONFIG_VALUE_${count + 1}`]: helper,
    GMR_CREDENTIAL_USERNAME: credential.username,
    GMR_CREDENTIAL_PASSWORD: credential.password,
  }
}

export function basicAuth(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`
}

/** The URL without its userinfo. */
export function stripCredentials(url: string): string {
  const parsed = new URL(url)
  parsed.username = ''
  parsed.password = ''
  return parsed.toString()
}

function origin(url: string): string {
  const parsed = new URL(url)
  return `${parsed.protocol}//${parsed.host}`
}

function describe(url: string): string {
  const parsed = new URL(url)
  return `protocol=${parsed.protocol.replace(':', '')}\nhost=${parsed.host}\npath=${parsed.pathname.replace(/^\//, '')}\n`
}

function parse(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}
