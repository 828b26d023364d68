import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Script } from 'node:vm'
import { crc32 } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withHeader } from '../../src/cli/codeCache.js'
import { registryAfter, runProgram, type ProcessResult } from '../helpers/gitRepo.js'

// V8's code cache of the bundle files (src/cli/codeCache.ts): a shortcut that never
// changes what a command does. Each test runs a copy of the built binary of its own
// (bin/ and dist/cli-bundle/ as an install has them), so that its cache folder, beside
// the bundles, is the test's.

const ROOT = resolve(import.meta.dirname, '..', '..')

const REPORT = /^gmr code cache: .*\n/gm

/** What the cache reported (GMR_CODE_CACHE=report), as `<key> <status>` lines without paths. */
function reported(result: ProcessResult): string[] {
  return (result.stderr.match(REPORT) ?? []).map((line) => line.slice('gmr code cache: '.length).trim().split(' ').slice(0, 2).join(' '))
}

/** The result as the user sees it, without the report's lines. */
function seen(result: ProcessResult): ProcessResult {
  return { ...result, stderr: result.stderr.replace(REPORT, '') }
}

describe('the code cache of the bundle files', () => {
  let root: string
  let pkg: string
  let dir: string
  let env: Record<string, string>
  const bundles = () => join(pkg, 'dist', 'cli-bundle')
  const cacheDir = () => join(bundles(), '.code-cache')
  const gmr = (args: string[], extra: Record<string, string> = {}) => runProgram(process.execPath, [join(pkg, 'bin', 'gmr.js'), ...args], dir, { ...env, ...extra })
  const report = (args: string[], extra: Record<string, string> = {}) => gmr(args, { GMR_CODE_CACHE: 'report', ...extra })
  /** The cache file written for `key` beside the bundles. */
  const cacheFile = (key: string) => {
    const found = readdirSync(cacheDir()).filter((name) => name.startsWith(`${key}-`) && name.endsWith('.v8cache'))
    expect(found).toHaveLength(1)
    return join(cacheDir(), found[0]!)
  }

  // A success and failures of each kind, through a fast path and through the program.
  const COMMANDS = [
    ['resolve', 'churn:v1'],
    ['resolve', 'churn:v7'],
    ['versions', 'nothing', '--json'],
    ['show', 'churn'],
    ['show', 'nothing', '--debug'],
  ]
  const withoutCache = new Map<string, ProcessResult>()

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gmr-code-cache-'))
    pkg = join(root, 'pkg')
    cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true })
    mkdirSync(bundles(), { recursive: true })
    for (const name of readdirSync(join(ROOT, 'dist', 'cli-bundle')).filter((n) => n.endsWith('.cjs'))) {
      cpSync(join(ROOT, 'dist', 'cli-bundle', name), join(bundles(), name))
    }
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'))
    ;({ dir, env } = await registryAfter(root, (inputs) => [['init'], ['log', 'churn', inputs], ['log', 'churn', inputs]]))
    for (const args of COMMANDS) withoutCache.set(args.join(' '), await gmr(args, { GMR_CODE_CACHE: 'off' }))
    expect(withoutCache.get('resolve churn:v1')!.code).toBe(0)
    expect(withoutCache.get('show nothing --debug')!.stderr).toMatch(/\n\s+at /)
  }, 60_000)
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('a second run uses the cache the first one wrote, and every run answers as without a cache', async () => {
    rmSync(cacheDir(), { recursive: true, force: true })
    for (const args of COMMANDS) {
      for (let i = 0; i < 2; i++) expect(await gmr(args), `${args.join(' ')}, run ${i + 1}`).toEqual(withoutCache.get(args.join(' ')))
    }
    expect(reported(await report(['resolve', 'churn:v1']))).toEqual(['lookupRun-resolve accepted'])
    expect(reported(await report(['show', 'churn']))).toEqual(['program-show accepted'])
    // A failing run writes no cache: the next success does.
    expect(reported(await report(['versions', 'nothing', '--json']))).toEqual(['lookupRun-versions absent'])
    expect(reported(await report(['versions', 'churn']))).toEqual(['lookupRun-versions absent', 'lookupRun-versions written'])
    expect(reported(await report(['versions', 'churn']))).toEqual(['lookupRun-versions accepted'])
  })

  it('a truncated, corrupted or foreign cache file gives the same output and exit code as none, and is written again', async () => {
    const bundle = readFileSync(join(bundles(), 'lookupRun.cjs'))
    const damages: [string, (bytes: Buffer) => Buffer, string][] = [
      ['truncated', (bytes) => bytes.subarray(0, bytes.length >> 1), 'corrupt'],
      ['cut inside its header', (bytes) => bytes.subarray(0, 10), 'corrupt'],
      ['empty', () => Buffer.alloc(0), 'corrupt'],
      ['one byte changed', (bytes) => Buffer.from(bytes.map((b, i) => (i === bytes.length - 100 ? b ^ 0x5a : b))), 'corrupt'],
      ['made for another script by this node', () => withHeader(new Script('"another script"').createCachedData(), { length: bundle.length, crc: crc32(bundle) }), 'rejected'],
      ['made for another bundle', (bytes) => Buffer.concat([bytes.subarray(0, 24).map((b, i) => (i === 20 ? b ^ 1 : b)), bytes.subarray(24)]), 'corrupt'],
    ]
    for (const [damage, change, status] of damages) {
      for (const args of [['resolve', 'churn:v1'], ['resolve', 'churn:v7']]) {
        await gmr(['resolve', 'churn:v1'])
        const file = cacheFile('lookupRun-resolve')
        writeFileSync(file, change(readFileSync(file)))
        const damaged = await report(args)
        expect(seen(damaged), `${damage}: ${args.join(' ')}`).toEqual(withoutCache.get(args.join(' ')))
        expect(reported(damaged)[0], damage).toBe(`lookupRun-resolve ${status}`)
      }
      // The failure wrote nothing; the next success writes the cache again.
      expect(reported(await report(['resolve', 'churn:v1'])), damage).toEqual([`lookupRun-resolve ${status}`, 'lookupRun-resolve written'])
      expect(reported(await report(['resolve', 'churn:v1'])), damage).toEqual(['lookupRun-resolve accepted'])
    }
  })

  it("writing a cache removes the same command's caches of other bundles or nodes, and leaves other commands' caches", async () => {
    rmSync(cacheDir(), { recursive: true, force: true })
    await gmr(['resolve', 'churn:v1'])
    await gmr(['show', 'churn'])
    const show = cacheFile('program-show')
    // An upgrade's leftovers: the same command's cache for another bundle, and for another node.
    const leftovers = ['lookupRun-resolve-0badc0de-123-node' + process.version + '-' + process.arch + '.v8cache', 'lookupRun-resolve-0badc0de-123-nodev0.0.1-x64.v8cache']
    const resolveCache = cacheFile('lookupRun-resolve')
    for (const name of leftovers) writeFileSync(join(cacheDir(), name), readFileSync(resolveCache))
    rmSync(resolveCache)
    expect(reported(await report(['resolve', 'churn:v1']))).toEqual(['lookupRun-resolve absent', 'lookupRun-resolve written'])
    const left = readdirSync(cacheDir()).sort()
    expect(left.filter((name) => name.startsWith('lookupRun-resolve-'))).toEqual([resolveCache.slice(cacheDir().length + 1)])
    expect(left).toContain(show.slice(cacheDir().length + 1))
    expect(reported(await report(['show', 'churn']))).toEqual(['program-show accepted'])
  })

  it("writing a cache removes the temporary files of runs killed while writing one, not a running process's", async () => {
    rmSync(cacheDir(), { recursive: true, force: true })
    await gmr(['resolve', 'churn:v1'])
    const written = cacheFile('lookupRun-resolve')
    const key = written.slice(cacheDir().length + 1)
    // A pid above Linux's largest is no process; this test's own runs.
    const killed = `.${key}.99999999.k1ll3d.tmp`
    const running = `.${key}.${process.pid}.w0rk1ng.tmp`
    for (const name of [killed, running]) writeFileSync(join(cacheDir(), name), 'half a cache')
    rmSync(written)
    expect(reported(await report(['resolve', 'churn:v1']))).toEqual(['lookupRun-resolve absent', 'lookupRun-resolve written'])
    expect(readdirSync(cacheDir()).filter((name) => name.endsWith('.tmp'))).toEqual([running])
  })

  it('with no writable cache folder, every run answers without a cache', async () => {
    rmSync(cacheDir(), { recursive: true, force: true })
    // A file where the folder would be: neither root nor anyone else can create it.
    writeFileSync(cacheDir(), 'not a folder\n')
    const blocked = join(root, 'not-a-folder')
    writeFileSync(blocked, '')
    try {
      for (let i = 0; i < 2; i++) {
        const result = await report(['resolve', 'churn:v1'], { XDG_CACHE_HOME: blocked })
        expect(seen(result)).toEqual(withoutCache.get('resolve churn:v1'))
        expect(reported(result)).toEqual(['lookupRun-resolve absent', 'lookupRun-resolve unwritten'])
      }
      // The user's cache folder takes it when the bundles' folder does not.
      const xdg = join(root, 'xdg')
      expect(reported(await report(['resolve', 'churn:v1'], { XDG_CACHE_HOME: xdg }))).toEqual(['lookupRun-resolve absent', 'lookupRun-resolve written'])
      expect(readdirSync(join(xdg, 'gmr')).filter((name) => name.startsWith('lookupRun-resolve-'))).toHaveLength(1)
      const again = await report(['resolve', 'churn:v1'], { XDG_CACHE_HOME: xdg })
      expect(seen(again)).toEqual(withoutCache.get('resolve churn:v1'))
      expect(again.stderr).toContain(`lookupRun-resolve accepted ${join(xdg, 'gmr')}/`)
    } finally {
      rmSync(cacheDir(), { force: true })
    }
  })

  it('eight first runs at once never read a half-written cache', async () => {
    const expected = await gmr(['versions', 'churn', '--json'], { GMR_CODE_CACHE: 'off' })
    for (let round = 0; round < 3; round++) {
      rmSync(cacheDir(), { recursive: true, force: true })
      const results = await Promise.all(Array.from({ length: 8 }, () => report(['versions', 'churn', '--json'])))
      for (const result of results) {
        expect(seen(result)).toEqual(expected)
        expect(reported(result).filter((line) => !/ (absent|written|accepted)$/.test(line))).toEqual([])
      }
      expect(readdirSync(cacheDir()).filter((name) => name.endsWith('.tmp'))).toEqual([])
      expect(reported(await report(['versions', 'churn', '--json']))).toEqual(['lookupRun-versions accepted'])
    }
    expect(existsSync(cacheDir())).toBe(true)
  })
})
