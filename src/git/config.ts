import { InvalidDateError, MissingIdentityError } from '../domain/errors.js'
import { configValue, parseGitConfig, type GitConfig } from '../domain/gitConfig.js'
import type { GitIdentity } from './commit.js'
import type { FileSystem } from './fs.js'
import type { GitDir } from './repo.js'

export type Env = Readonly<Record<string, string | undefined>>

/**
 * The config git itself would see: global (`$XDG_CONFIG_HOME/git/config`,
 * `~/.gitconfig`), then the repository's, later files winning. System config and
 * includes are not read.
 */
export async function readGitConfig(repo: GitDir, env: Env = {}): Promise<GitConfig> {
  return readConfigFiles(repo.fs, [...globalConfigFiles(env), `${repo.gitdir}/config`])
}

/** The global config files git reads, in order: `$GIT_CONFIG_GLOBAL`, or XDG then `~/.gitconfig`. */
export function globalConfigFiles(env: Env): string[] {
  if (env.GIT_CONFIG_GLOBAL !== undefined) return [env.GIT_CONFIG_GLOBAL]
  const files: string[] = []
  const xdg = env.XDG_CONFIG_HOME || (env.HOME ? `${env.HOME}/.config` : undefined)
  if (xdg) files.push(`${xdg}/git/config`)
  if (env.HOME) files.push(`${env.HOME}/.gitconfig`)
  return files
}

/** The system config file (`$GIT_CONFIG_SYSTEM`, else /etc/gitconfig), none under `GIT_CONFIG_NOSYSTEM`. */
export function systemConfigFiles(env: Env): string[] {
  const noSystem = env.GIT_CONFIG_NOSYSTEM
  if (noSystem !== undefined && noSystem !== '' && !/^(0|false|no|off)$/i.test(noSystem)) return []
  return [env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig']
}

/** The files, later ones winning; missing or unreadable ones are skipped. */
export async function readConfigFiles(fs: FileSystem, files: readonly string[]): Promise<GitConfig> {
  const config: GitConfig = new Map()
  for (const file of files) {
    if (file === '' || file === '/dev/null') continue
    const text = await fs.readText(file).catch(() => null)
    if (text !== null) parseGitConfig(text, config)
  }
  return config
}

/**
 * Who is writing a commit, as git decides it: GIT_AUTHOR_* / GIT_COMMITTER_* first,
 * then user.name / user.email from config; the date from GIT_*_DATE or `now`.
 */
export function resolveIdentity(
  config: GitConfig,
  env: Env,
  role: 'author' | 'committer',
  now: Date = new Date(),
): GitIdentity {
  const prefix = role === 'author' ? 'GIT_AUTHOR' : 'GIT_COMMITTER'
  const name = env[`${prefix}_NAME`] ?? configValue(config, `${role}.name`) ?? configValue(config, 'user.name')
  const email = env[`${prefix}_EMAIL`] ?? configValue(config, `${role}.email`) ?? configValue(config, 'user.email')
  if (!name || email === undefined) {
    throw new MissingIdentityError(
      'git does not know who you are: run git config --global user.name "Your Name" and git config --global user.email you@example.com',
    )
  }
  const date = env[`${prefix}_DATE`]
  const { timestamp, timezoneOffset } = date ? parseGitDate(date) : fromDate(now)
  return { name, email, timestamp, timezoneOffset }
}

function fromDate(date: Date): { timestamp: number; timezoneOffset: number } {
  return { timestamp: Math.floor(date.getTime() / 1000), timezoneOffset: date.getTimezoneOffset() }
}

/** The date formats git takes in GIT_AUTHOR_DATE: `@<unix> <tz>`, `<unix> <tz>`, ISO 8601. */
export function parseGitDate(text: string): { timestamp: number; timezoneOffset: number } {
  const minutes = (sign: string, hours: string, mins: string) => (Number(hours) * 60 + Number(mins)) * (sign === '+' ? -1 : 1) || 0
  const raw = /^@?(\d+)(?:\s+([+-])(\d\d):?(\d\d))?$/.exec(text.trim())
  if (raw) {
    const offset = raw[2] ? minutes(raw[2], raw[3]!, raw[4]!) : 0
    return { timestamp: Number(raw[1]), timezoneOffset: offset }
  }
  const parsed = Date.parse(text)
  if (Number.isNaN(parsed)) {
    throw new InvalidDateError(`cannot read the date "${text}" from the environment: use "@<unix-seconds> +0000" or ISO 8601`)
  }
  const tz = /([+-])(\d\d):?(\d\d)$/.exec(text.trim())
  const offset = tz ? minutes(tz[1]!, tz[2]!, tz[3]!) : 0
  return { timestamp: Math.floor(parsed / 1000), timezoneOffset: offset }
}
