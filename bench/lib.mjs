// Timing helpers for the benchmarks: wall time of whole processes, medians over runs,
// and peak RSS read by /usr/bin/time from outside the process.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const GMR = join(ROOT, 'bin', 'gmr.js')

export const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
}

export function scratch(name) {
  const base = process.env.GMR_BENCH_DIR ?? tmpdir()
  mkdirSync(base, { recursive: true })
  return mkdtempSync(join(base, `gmr-bench-${name}-`))
}

export function cleanup(dir) {
  // A git process may still be finishing in the background (auto gc): retry, do not crash the run.
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 })
}

/** Run a command, fail loudly on a non-zero exit, return stdout. */
export function sh(file, args, options = {}) {
  return execFileSync(file, args, { env, maxBuffer: 1 << 30, ...options }).toString()
}

/** Wall time in seconds of one run of a command (spawned, waited for). */
export function time(file, args, options = {}) {
  const start = process.hrtime.bigint()
  const result = spawnSync(file, args, { env, maxBuffer: 1 << 30, ...options })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (result.status !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (${result.status}): ${result.stderr}`)
  }
  return seconds
}

/**
 * One run of a command without blocking the event loop, for scenarios whose server runs
 * in this process: wall seconds and stdout; a non-zero exit throws.
 */
export function runAsync(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(file, args, { env, ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      if (code === 0) resolve({ seconds, stdout })
      else reject(new Error(`${file} ${args.join(' ')} failed (${code}): ${stderr}`))
    })
  })
}

/** Median of `runs` timings, each after an optional untimed `before()` step. */
export function median(runs, fn, before) {
  const times = []
  for (let i = 0; i < runs; i++) {
    before?.(i)
    times.push(fn(i))
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

/**
 * Medians of several commands run in turn, one of each per round: on a shared machine a
 * change of load then weighs on all of them alike, as it would not on one block of runs
 * after another.
 */
export function interleavedMedians(runs, fns) {
  const times = fns.map(() => [])
  for (let i = 0; i < runs; i++) fns.forEach((fn, k) => times[k].push(fn(i)))
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)])
}

const TIME = '/usr/bin/time'

/** Wall seconds and peak RSS (bytes) of one run, measured by /usr/bin/time. */
export function timeWithRss(file, args, options = {}) {
  if (!existsSync(TIME)) return { seconds: time(file, args, options), rss: null }
  const start = process.hrtime.bigint()
  const result = spawnSync(TIME, ['-f', 'GMR_RSS_KB=%M GMR_CPU=%U+%S', file, ...args], { env, maxBuffer: 1 << 30, ...options })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${result.stderr}`)
  const kb = /GMR_RSS_KB=(\d+)/.exec(result.stderr.toString())
  // CPU seconds (user + system), steadier than wall time on a shared machine.
  const cpu = /GMR_CPU=([\d.]+)\+([\d.]+)/.exec(result.stderr.toString())
  return { seconds, rss: kb ? Number(kb[1]) * 1024 : null, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : null, user: cpu ? Number(cpu[1]) : null }
}

export const gmr = (cwd, ...args) => time(process.execPath, [GMR, ...args], { cwd })
export const bareNode = () => time(process.execPath, ['-e', '0'])

export function fmtSeconds(s) {
  return s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`
}

export function fmtBytes(b) {
  if (b === null || b === undefined) return 'n/a'
  return `${(b / 1024 / 1024).toFixed(0)} MB`
}
