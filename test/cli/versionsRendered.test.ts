import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { versionsRendering } from '../../src/cli/lookupOutput.js'
import { VERSION } from '../../src/cli/version.js'
import { gmr } from '../helpers/cli.js'
import { appendVersions } from '../helpers/fastImport.js'
import { gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import type { FsClient } from '../../src/git/fs.js'

// `gmr versions` keeps what it printed under .git/gmr/rendered/ (src/ops/support/renderCache.ts)
// and prints it again while nothing it depends on changed. Whatever happens to the
// branch, the manifest or the kept file, what it prints is what a run with no caches at
// all prints.

// A read-only .git/gmr is a tmpfs mounted there read-only: root ignores file modes.
const canMount = process.getuid?.() === 0 && probeMount()
if (!canMount) console.warn('versionsRendered: skipping the read-only .git/gmr test (needs root and mount)')

function probeMount(): boolean {
  const dir = fs.mkdtempSync(join(tmpdir(), 'gmr-mount-probe-'))
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0
  if (mounted) spawnSync('umount', [dir])
  fs.rmSync(dir, { recursive: true, force: true })
  return mounted
}

let repo: TempRepo
beforeEach(async () => {
  repo = makeRepo()
  fs.writeFileSync(join(repo.scratch, 'model.bin'), 'weights\n')
  await ok('init')
  await ok('log', 'a', join(repo.scratch, 'model.bin'), '-m', 'the first')
  appendVersions(repo, 'a', 1, 20, tip())
})
afterEach(() => repo.cleanup())

const JSON_FILE = () => join(repo.dir, '.git/gmr/rendered/versions/a.json')
const TEXT_FILE = () => join(repo.dir, '.git/gmr/rendered/versions/a.text')

function tip(): string {
  return repo.git('rev-parse', 'artifacts/a').trim()
}

/** The built binary (the lookups' start-up path), which must succeed. */
async function ok(...args: string[]): Promise<string> {
  const result = await gmrProcess(repo.dir, repo.env, args)
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

/** What `gmr versions a [--json]` prints with no index and no kept output: the answer. */
async function uncached(...flags: string[]): Promise<string> {
  fs.rmSync(join(repo.dir, '.git/gmr/rendered'), { recursive: true, force: true })
  fs.rmSync(join(repo.dir, '.git/gmr/versions'), { recursive: true, force: true })
  return ok('versions', 'a', ...flags)
}

/** Both forms printed (and kept) now, then `change`, then each printed again must be what no cache prints. */
async function expectRightAfter(change: () => void | Promise<void>): Promise<{ json: string; text: string }> {
  await ok('versions', 'a', '--json')
  await ok('versions', 'a')
  expect(fs.existsSync(JSON_FILE()) && fs.existsSync(TEXT_FILE())).toBe(true)
  await change()
  const json = await ok('versions', 'a', '--json')
  const text = await ok('versions', 'a')
  expect(json).toBe(await uncached('--json'))
  expect(text).toBe(await uncached())
  return { json, text }
}

describe('gmr versions, printed again from what it kept', () => {
  it('prints the kept bytes without reading the index, the same on the fast path and through the program', async () => {
    const first = await ok('versions', 'a', '--json')
    const table = await ok('versions', 'a')
    expect(fs.readFileSync(JSON_FILE(), 'utf8').endsWith(first)).toBe(true)
    expect(fs.readFileSync(TEXT_FILE(), 'utf8').endsWith(table)).toBe(true)
    fs.rmSync(join(repo.dir, '.git/gmr/versions'), { recursive: true })
    expect(await ok('versions', 'a', '--json')).toBe(first)
    expect(await ok('versions', 'a')).toBe(table)
    // A hit reads neither the index nor the branch's commits: the index is not written again.
    expect(fs.existsSync(join(repo.dir, '.git/gmr/versions/a.ndjson'))).toBe(false)
    const program = await gmr(repo.scratch, repo.env, ['-C', repo.dir, 'versions', 'a', '--json'])
    expect(program).toEqual({ code: 0, stdout: first, stderr: '' })
    expect((await gmr(repo.scratch, repo.env, ['-C', repo.dir, 'versions', 'a'])).stdout).toBe(table)
    expect(JSON.parse(first).versions.map((v: { version: number }) => v.version)).toEqual([...Array(21).keys()])
    expect(await uncached('--json')).toBe(first)
  })

  it('after a plain-git commit on the artifact branch', async () => {
    const { json } = await expectRightAfter(() => void appendVersions(repo, 'a', 21, 1, tip()))
    expect(JSON.parse(json).versionCount).toBe(22)
  })

  it('after the branch was force-pushed to a rewritten chain of as many versions', async () => {
    let rewritten: string[] = []
    const { json } = await expectRightAfter(() => {
      rewritten = appendVersions(repo, 'a', 0, 21, null, { salt: ' rewritten' })
    })
    expect(JSON.parse(json).versions.map((v: { commit: string }) => v.commit)).toEqual(rewritten)
  })

  it('after the branch was moved back', async () => {
    const { json } = await expectRightAfter(() => void repo.git('update-ref', 'refs/heads/artifacts/a', 'artifacts/a~5'))
    expect(JSON.parse(json).versionCount).toBe(16)
  })

  it('after gmr meta set added to a version, and after the manifest was edited by hand', async () => {
    const { json, text } = await expectRightAfter(() => ok('meta', 'set', 'a:v3', 'auc=0.95').then(() => {}))
    expect(JSON.parse(json).versions[3].addedMetadata).toEqual({ auc: 0.95 })
    expect(text).toContain('auc*=0.95')
    const manifest = join(repo.dir, 'registry/artifacts/a.yaml')
    const { json: edited } = await expectRightAfter(() => fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('0.95', '0.5')))
    expect(JSON.parse(edited).versions[3].addedMetadata).toEqual({ auc: 0.5 })
  })

  it('after a repack between runs, and with every object loose (git walks the long chain, gmr the short one)', async () => {
    appendVersions(repo, 'a', 21, 300, tip())
    const before = await uncached('--json')
    const { json } = await expectRightAfter(() => {
      repo.git('repack', '-q', '-a', '-d', '-f')
      appendVersions(repo, 'a', 321, 1, tip())
    })
    expect(JSON.parse(json).versionCount).toBe(322)
    expect(JSON.parse(json).versions.slice(0, 321)).toEqual(JSON.parse(before).versions)
    const packDir = join(repo.dir, '.git/objects/pack')
    const { json: loose } = await expectRightAfter(() => {
      for (const name of fs.readdirSync(packDir).filter((n) => n.endsWith('.pack'))) {
        const moved = join(repo.scratch, name)
        fs.renameSync(join(packDir, name), moved)
        for (const other of fs.readdirSync(packDir).filter((n) => n.startsWith(name.slice(0, -5)))) fs.rmSync(join(packDir, other))
        execFileSync('git', ['unpack-objects', '-q'], { cwd: repo.dir, env: repo.env, input: fs.readFileSync(moved) })
      }
      appendVersions(repo, 'a', 322, 1, tip())
    })
    expect(fs.readdirSync(packDir).filter((n) => n.endsWith('.pack'))).toEqual([])
    expect(JSON.parse(loose).versionCount).toBe(323)
    expect(repo.git('fsck', '--strict')).toBe('')
  })

  it('after the kept output was cut short, edited by hand (same length) or emptied', async () => {
    const edits: Array<(kept: Buffer) => Buffer> = [
      (kept) => kept.subarray(0, kept.length - 100),
      (kept) => Buffer.from(kept.toString('latin1').replace('"version": 7,', '"version": 8,'), 'latin1'),
      (kept) => Buffer.from(kept.toString('latin1').replace(/^(\S+ \S+ )\d/, '$1' + '9'), 'latin1'),
      () => Buffer.alloc(0),
    ]
    for (const edit of edits) {
      const { json } = await expectRightAfter(() => {
        for (const file of [JSON_FILE(), TEXT_FILE()]) fs.writeFileSync(file, edit(fs.readFileSync(file)))
      })
      expect(JSON.parse(json).versions[7].version).toBe(7)
    }
  })

  it('after a run killed right after keeping its output, and beside what killed runs left half-written', async () => {
    appendVersions(repo, 'a', 21, 2, tip())
    const killed = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: 'rendered:written' }, ['versions', 'a', '--json'])
    expect(killed.code).toBe(-1)
    const leftover = `${JSON_FILE()}.tmp-999999-abc-1`
    fs.writeFileSync(leftover, fs.readFileSync(JSON_FILE()).subarray(0, 1000))
    const printed = await ok('versions', 'a', '--json')
    // The output is printed as it is kept: the killed run had printed all of it.
    expect(killed.stdout).toBe(printed)
    expect(printed).toBe(await uncached('--json'))
    expect(JSON.parse(printed).versionCount).toBe(23)
    // The next write of that output sweeps the leftover of the dead process.
    appendVersions(repo, 'a', 23, 1, tip())
    await ok('versions', 'a', '--json')
    expect(fs.existsSync(leftover)).toBe(false)
  })
})

describe('gmr versions, kept while it prints', () => {
  it('after a run killed halfway through keeping its output: printed anew, the half-written file swept', async () => {
    appendVersions(repo, 'a', 21, 400, tip())
    const killed = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: 'rendered:writing' }, ['versions', 'a', '--json'])
    expect(killed.code).toBe(-1)
    const dir = join(repo.dir, '.git/gmr/rendered/versions')
    const halves = fs.readdirSync(dir).filter((name) => name.startsWith('a.json.tmp-'))
    expect(halves).toHaveLength(1)
    expect(fs.existsSync(JSON_FILE())).toBe(false)
    const printed = await ok('versions', 'a', '--json')
    expect(JSON.parse(printed).versionCount).toBe(421)
    expect(fs.readdirSync(dir)).toEqual(['a.json'])
    expect(await ok('versions', 'a', '--json')).toBe(printed)
    expect(printed).toBe(await uncached('--json'))
  })

  it.skipIf(!canMount)('on a read-only .git/gmr: printed all the same, and right after the branch moved', async () => {
    await ok('versions', 'a', '--json')
    await ok('versions', 'a')
    const gmrDir = join(repo.dir, '.git/gmr')
    const saved = join(repo.scratch, 'gmr-saved')
    fs.cpSync(gmrDir, saved, { recursive: true })
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', gmrDir])
    try {
      fs.cpSync(saved, gmrDir, { recursive: true })
      execFileSync('mount', ['-o', 'remount,ro', gmrDir])
      expect(() => fs.writeFileSync(join(gmrDir, 'probe'), 'x')).toThrow(/EROFS/)
      appendVersions(repo, 'a', 21, 2, tip())
      const printed: string[] = []
      for (let i = 0; i < 2; i++) {
        const result = await gmrProcess(repo.dir, repo.env, ['versions', 'a', '--json'])
        expect(result).toMatchObject({ code: 0, stderr: '' })
        printed.push(result.stdout)
      }
      const program = await gmr(repo.scratch, repo.env, ['-C', repo.dir, 'versions', 'a'])
      expect(program).toMatchObject({ code: 0, stderr: '' })
      execFileSync('umount', [gmrDir])
      expect(JSON.parse(printed[0]!).versionCount).toBe(23)
      expect(printed[1]).toBe(printed[0])
      expect(printed[0]).toBe(await uncached('--json'))
      expect(program.stdout).toBe(await uncached())
    } finally {
      spawnSync('umount', ['-l', gmrDir])
    }
  })

  it('a write to the kept output failing for another reason than "cannot write here" is not swallowed', async () => {
    const injected = Object.assign(new Error('injected write failure'), { code: 'EINVAL' })
    const promises = new Proxy(fs.promises, {
      get(target, name) {
        const value = Reflect.get(target, name) as unknown
        if (name !== 'open' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value
        return async (path: string, flags: string, mode?: number) => {
          const handle = await (value as typeof fs.promises.open).call(target, path, flags, mode)
          if (!path.includes('/gmr/rendered/') || flags === 'r') return handle
          return new Proxy(handle, {
            get(h, key) {
              if (key === 'write') return () => Promise.reject(injected)
              const member = Reflect.get(h, key) as unknown
              return typeof member === 'function' ? member.bind(h) : member
            },
          })
        }
      },
    })
    const failing = new Proxy(fs, { get: (target, name) => (name === 'promises' ? promises : Reflect.get(target, name)) }) as unknown as FsClient
    const result = await gmr(repo.scratch, repo.env, ['-C', repo.dir, 'versions', 'a', '--json'], { fs: failing })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('injected write failure')
    // Nothing half-written is left behind, and the next run prints and keeps the output.
    expect(fs.readdirSync(join(repo.dir, '.git/gmr/rendered/versions'))).toEqual([])
    expect(await ok('versions', 'a', '--json')).toBe(await uncached('--json'))
  })
})

describe('the printed form names its version', () => {
  it('a change to what gmr versions prints comes with a new VERSIONS_OUTPUT_FORMAT (src/cli/lookupOutput.ts)', () => {
    // A kept output is printed while its key holds; the key names this version. If this
    // fails because the output changed on purpose, raise VERSIONS_OUTPUT_FORMAT and record
    // the new digests and version here.
    const versions = [0, 1, 2].map((v) => ({
      version: v,
      commit: `${v}`.repeat(40),
      tree: `${v + 3}`.repeat(40),
      time: 1_700_000_000 + v,
      author: 'Ada <ada@example.com>',
      messageVersion: v,
      ...(v === 1 && { description: 'one' }),
      metadata: { step: v, nested: { list: [v, 'x'] } },
      source: v === 2 ? { commit: 'c'.repeat(40), dirty: true } : null,
    }))
    const result = { artifact: 'a', tip: versions[2]!.commit, versions, additions: { v1: { metadata: { auc: 0.5 } } } }
    const digest = (json: boolean) => createHash('sha256').update(Buffer.concat([...versionsRendering({ json }).render(result)])).digest('hex')
    expect({ version: versionsRendering({ json: true }).version.replace(VERSION, ''), json: digest(true), text: digest(false) }).toEqual({
      version: '/1',
      json: '87b36f81c8182506bb1ed41b3f6f959754b62aaaf0e9dc130acf8448e3f98c11',
      text: '7367926e01ea812a301bb7f54c969018ff456a20164025dc4b76470eead98808',
    })
  })
})
