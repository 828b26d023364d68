import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bytes, MiB } from '../helpers/lfs.js'
import { fsck, gmrProcess, makeRepo, type ProcessResult, type TempRepo } from '../helpers/gitRepo.js'

// What a killed gmr leaves behind, and that the next run deals with it: the registry
// lock (taken over with a note) and temporary files (removed, never refused or trusted).

let repo: TempRepo
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gmr.js')
const gmr = (...args: string[]) => gmrProcess(repo.dir, repo.env, args)
const lock = () => join(repo.dir, '.git/gmr/registry.lock')

beforeEach(async () => {
  repo = makeRepo()
  expect((await gmr('init')).code).toBe(0)
  expect((await gmr('model', 'create', 'm')).code).toBe(0)
})
afterEach(() => repo.cleanup())

/** Run gmr and SIGKILL it after `ms` (if it is still running then). */
function killedAfter(ms: number, args: string[]): Promise<ProcessResult & { killed: boolean; elapsed: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(process.execPath, [BIN, ...args], { cwd: repo.dir, env: repo.env, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), ms)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, stdout, stderr, killed: signal === 'SIGKILL', elapsed: performance.now() - start })
    })
  })
}

/** Entries of `dir` named like gmr's temporary files. */
const temps = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /\.tmp-\d+-/.test(n)) : [])

describe('a registry lock left behind', () => {
  it('by a process that is gone (pid 999999) does not block a write: it is taken over with a note', async () => {
    fs.writeFileSync(lock(), '999999\n')
    const result = await gmr('tag', 'add', 'm', 'vision')
    expect(result.code).toBe(0)
    expect(result.stderr.split('\n')[0]).toBe(`note: took over the registry lock ${lock()}: gmr process 999999 on ${hostname()} ("gmr") is no longer running`)
    expect(repo.read('registry/models/m.yaml')).toContain('- vision')
    expect(fs.existsSync(lock())).toBe(false)
  })

  it('by a write killed while holding it does not block the next write', async () => {
    const killed = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: 'registry-lock-held' }, ['tag', 'add', 'm', 'x'])
    expect(killed.code).toBe(-1)
    const left = JSON.parse(fs.readFileSync(lock(), 'utf8'))
    expect(left).toMatchObject({ host: hostname(), command: 'gmr tag add m x' })
    const result = await gmr('tag', 'add', 'm', 'vision')
    expect(result.code).toBe(0)
    expect(result.stderr.split('\n')[0]).toMatch(new RegExp(`^note: took over the registry lock .*: gmr process ${left.pid} on ${hostname()} since ${left.since} \\("gmr tag add m x"\\) is no longer running$`))
    expect(fs.existsSync(lock())).toBe(false)
    expect(repo.git('status', '--porcelain')).toBe('')
    fsck(repo)
  })

  it('while 9 writers on this machine take turns, none of them times out', async () => {
    const writers = Array.from({ length: 9 }, (_, w) =>
      (async () => {
        const out = []
        for (let r = 0; r < 2; r++) out.push(await gmr('tag', 'add', 'm', `w${w}-r${r}`))
        return out
      })(),
    )
    for (const result of (await Promise.all(writers)).flat()) {
      expect(result.stderr).toMatch(/^committed [0-9a-f]{10}: registry\/models\/m\.yaml\n$/)
      expect(result.code).toBe(0)
    }
    const tags = (await gmr('models', '--json')).stdout
    for (let w = 0; w < 9; w++) for (let r = 0; r < 2; r++) expect(tags).toContain(`w${w}-r${r}`)
    fsck(repo)
  })
})

describe('temporary files of a killed run', () => {
  beforeEach(() => {
    repo.write(join(repo.scratch, 'v0/model.bin'), bytes(6 * MiB, 1))
    repo.write(join(repo.scratch, 'v0/config.json'), '{"lr": 0.1}\n')
  })

  it('in the Git LFS store are removed by the next log (named crash point)', async () => {
    const killed = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: 'lfs-temp-written' }, ['log', 'a', join(repo.scratch, 'v0')])
    expect(killed.code).toBe(-1)
    expect(temps(join(repo.dir, '.git/lfs/tmp'))).toHaveLength(1)
    expect((await gmr('log', 'a', join(repo.scratch, 'v0'))).stdout).toBe('a:v0\n')
    expect(temps(join(repo.dir, '.git/lfs/tmp'))).toEqual([])
  })

  it.each([
    ['beside a new target (its staging folder)', 'download-staged', false],
    ['inside an empty target folder', 'download-lfs-staged', true],
  ])('%s are removed by the next download, which is not refused', async (_, point, precreate) => {
    expect((await gmr('log', 'a', join(repo.scratch, 'v0'))).code).toBe(0)
    const target = join(repo.scratch, 'out')
    if (precreate) fs.mkdirSync(target)
    const killed = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: point }, ['download', 'a:v0', '--to', target])
    expect(killed.code).toBe(-1)
    expect(temps(repo.scratch).length + temps(target).length).toBeGreaterThan(0)
    const result = await gmr('download', 'a:v0', '--to', target)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(temps(repo.scratch)).toEqual([])
    expect(fs.readdirSync(target).sort()).toEqual(['config.json', 'model.bin'])
    expect(fs.readFileSync(join(target, 'model.bin')).equals(bytes(6 * MiB, 1))).toBe(true)
  })

  it('killed at random moments, log and download leave nothing the next run keeps, refuses or trusts', async () => {
    expect((await gmr('log', 'a', join(repo.scratch, 'v0'))).code).toBe(0)
    const target = join(repo.scratch, 'out')
    const input = (i: number) => {
      const dir = join(repo.scratch, `in${i}`)
      repo.write(join(dir, 'model.bin'), bytes(3 * MiB, i + 2))
      return dir
    }
    // Kill moments are drawn from how long the two runs take side by side on this machine now,
    // so that most runs are killed somewhere between start-up and their last write. The load
    // changes while the test runs: a run that finished before its moment sets the next draw.
    const timed = async (args: string[]) => {
      const start = performance.now()
      const result = await gmr(...args)
      expect(result.code, result.stderr).toBe(0)
      return performance.now() - start
    }
    let [logTime, downloadTime] = await Promise.all([timed(['log', 'calibrate', input(-1)]), timed(['download', 'a:v0', '--to', join(repo.scratch, 'calibrate')])])
    const moment = (time: number) => Math.floor(time * (0.3 + Math.random() * 0.65))
    let kills = 0
    for (let i = 0; i < 16; i++) {
      fs.rmSync(target, { recursive: true, force: true })
      if (i % 2 === 1) fs.mkdirSync(target)
      const dir = input(i)
      const [log, download] = await Promise.all([
        killedAfter(moment(logTime), ['log', `b${i % 3}`, dir]),
        killedAfter(moment(downloadTime), ['download', 'a:v0', '--to', target]),
      ])
      kills += Number(log.killed) + Number(download.killed)
      if (!log.killed) logTime = log.elapsed
      if (!download.killed) downloadTime = download.elapsed
      // The next run of each succeeds and leaves no temporary file of a dead process.
      let logAgain = await gmr('log', `b${i % 3}`, dir)
      const refLock = /'([^']+\.lock)' has existed for over/.exec(logAgain.stderr)
      if (refLock) {
        // git's own <ref>.lock protocol leaves a killed writer's ref lock to a human, as git does; do as the message says.
        fs.rmSync(refLock[1]!)
        logAgain = await gmr('log', `b${i % 3}`, dir)
      }
      expect(logAgain.code, logAgain.stderr).toBe(0)
      const again = await gmr('download', 'a:v0', '--to', target)
      expect(again.stderr).toBe('')
      expect(again.code).toBe(0)
      expect(temps(join(repo.dir, '.git/lfs/tmp'))).toEqual([])
      expect(temps(repo.scratch)).toEqual([])
      expect(fs.readdirSync(target).sort()).toEqual(['config.json', 'model.bin'])
    }
    // Many of the 32 runs must really have been killed, or this test shows nothing.
    expect(kills).toBeGreaterThanOrEqual(8)
    fsck(repo)
  })
})
