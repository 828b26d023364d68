import { InvalidInputError } from '../domain/errors.js'
import { configValue, type GitConfig } from '../domain/gitConfig.js'
import type { Env } from '../git/config.js'

/** How long a remote may take to accept a connection, and to send nothing at all mid-transfer. */
export interface Timeouts {
  connectMs: number
  stallMs: number
}

/**
 * Defaults a slow link survives: a transfer is only given up after two minutes with no
 * byte at all (not a slow one), a connection after 30 s.
 */
export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 30_000, stallMs: 120_000 }

/** The variables that set them (`--timeout` and `gmr.timeout` end up in GMR_TIMEOUT). */
export const TIMEOUT_ENV = { stall: 'GMR_TIMEOUT', connect: 'GMR_CONNECT_TIMEOUT' } as const

/** The timeouts the environment asks for, in seconds (fractions allowed), else the defaults. */
export function timeoutsFrom(env: Env): Timeouts {
  return {
    stallMs: seconds(env, TIMEOUT_ENV.stall) ?? DEFAULT_TIMEOUTS.stallMs,
    connectMs: seconds(env, TIMEOUT_ENV.connect) ?? DEFAULT_TIMEOUTS.connectMs,
  }
}

/** A timeout value as given (flag, variable or git config): a positive number of seconds. */
export function parseTimeout(value: string, source: string): number {
  const number = Number(value.trim())
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new InvalidInputError(`${source} must be a positive number of seconds, not "${value}"`, { value })
  }
  return Math.round(number * 1000)
}

/**
 * git's own stall limit (curl gives up after `lowSpeedTime` seconds under one byte a
 * second), and how long ssh waits for a connection.
 */
export function gitTimeoutArgs(timeouts: Timeouts): string[] {
  return ['-c', 'http.lowSpeedLimit=1', '-c', `http.lowSpeedTime=${Math.max(1, Math.ceil(timeouts.stallMs / 1000))}`]
}

/** "2 s", "2.5 s", "120 s". */
export function describeTimeout(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`
}

function seconds(env: Env, name: string): number | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : parseTimeout(value, name)
}

/**
 * The environment with `gmr.timeout` / `gmr.connectTimeout` from git config filled in
 * where no variable (or `--timeout`) set them already: the flag beats the variable beats config.
 */
export function withConfiguredTimeouts(env: Env, config: GitConfig): Env {
  const out: Record<string, string | undefined> = { ...env }
  for (const [name, key] of [[TIMEOUT_ENV.stall, 'gmr.timeout'], [TIMEOUT_ENV.connect, 'gmr.connecttimeout']] as const) {
    const value = configValue(config, key)
    if ((out[name] === undefined || out[name] === '') && value !== undefined) {
      parseTimeout(value, `git config ${key}`)
      out[name] = value
    }
  }
  return out
}
