import { InvalidInputError } from '../domain/errors.js'
import { configValue, type GitConfig } from '../domain/gitConfig.js'
import type { Env } from '../git/config.js'

/** How often, and how patiently, a failed LFS request is tried again. */
export interface RetryPolicy {
  /** Tries after the first (git-lfs: `lfs.transfer.maxretries`). */
  maxRetries: number
  /** The longest pause between two tries, also the cap on a server's Retry-After (ms). */
  maxDelayMs: number
  /** The first pause; each further one doubles (ms). */
  firstDelayMs: number
}

/**
 * Bounded so a dead server costs seconds, not minutes: 4 more tries, 0.25 s doubling up to
 * 10 s (git-lfs: 8 tries, `lfs.transfer.maxretrydelay` 10 s).
 */
export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, maxDelayMs: 10_000, firstDelayMs: 250 }

/** The variables that set them; git config `lfs.transfer.maxretries` / `lfs.transfer.maxretrydelay` too. */
const RETRY_ENV = { retries: 'GMR_LFS_RETRIES', maxDelay: 'GMR_LFS_RETRY_DELAY' } as const

/** The policy the environment (first) and git config ask for, else the defaults. */
export function retryPolicyFrom(env: Env, config: GitConfig = new Map()): RetryPolicy {
  const retries = pick(env, config, RETRY_ENV.retries, 'lfs.transfer.maxretries')
  const delay = pick(env, config, RETRY_ENV.maxDelay, 'lfs.transfer.maxretrydelay')
  return {
    ...DEFAULT_RETRY,
    ...(retries !== undefined && { maxRetries: whole(retries.value, retries.source) }),
    ...(delay !== undefined && { maxDelayMs: whole(delay.value, delay.source) * 1000 }),
  }
}

/** Statuses a server uses for "not now": overloaded, restarting, rate-limited. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505)
}

/** The pause before try `retry` (0 for the first retry): the server's Retry-After if it gave one, else doubling. */
export function retryDelay(policy: RetryPolicy, retry: number, retryAfter?: string, now = Date.now()): number {
  const asked = retryAfterMs(retryAfter, now)
  const ms = asked ?? policy.firstDelayMs * 2 ** retry
  return Math.max(0, Math.min(ms, policy.maxDelayMs))
}

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const at = Date.parse(header)
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined
}

function pick(env: Env, config: GitConfig, name: string, key: string): { value: string; source: string } | undefined {
  const fromEnv = env[name]
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: name }
  const fromConfig = configValue(config, key)
  return fromConfig !== undefined ? { value: fromConfig, source: `git config ${key}` } : undefined
}

function whole(value: string, source: string): number {
  const number = Number(value.trim())
  if (value.trim() === '' || !Number.isSafeInteger(number) || number < 0) {
    throw new InvalidInputError(`${source} must be a whole number (0 or more), not "${value}"`, { value })
  }
  return number
}
