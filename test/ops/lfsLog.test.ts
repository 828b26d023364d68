import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { Volume, createFsFromVolume } from 'memfs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatLfsPointer } from '../../src/domain/lfsPointer.js'
import type { FsClient } from '../../src/git/fs.js'
import type { LfsProgress } from '../../src/git/lfsStore.js'
import { download } from '../../src/ops/download.js'
import { init } from '../../src/ops/init.js'
import { logVersion, type LogVersionOptions } from '../../src/ops/logVersion.js'
import { show } from '../../src/ops/show.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { bytes, faultyFs, filesBelow, MiB, sha256 } from '../helpers/lfs.js'
import { repoFingerprint } from '../helpers/state.js'

const KiB = 1024
const LFS = 'filter=lfs diff=lfs merge=lfs -text'
let repo: TempRepo
let input: string

beforeEach(async () => {
  repo = makeRepo()
  await init({ fs: fs as unknown as FsClient, dir: repo.dir, env: repo.env })
  input = join(repo.scratch, 'model')
})
afterEach(() => repo.cleanup())
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.dir, env: repo.env })

function put(path: string, content: Buffer | string, mode?: number): string {
  return repo.write(join(input, path), content, mode)
}

function log(extra: Partial<LogVersionOptions> = {}) {
  return logVersion({ fs: fs as unknown as FsClient, dir: repo.dir, env: repo.env, artifact: 'm', paths: [input], ...extra })
}

function blob(rev: string): Buffer {
  return git('cat-file', 'blob', rev)
}

function lfsObject(oid: string): string {
  return join(repo.dir, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid)
}

describe('logging large files', () => {
  it('stores files at or above registry.yaml largeFileThreshold as pointers, and their bytes in .git/lfs', async () => {
    fs.writeFileSync(join(repo.dir, 'registry/registry.yaml'), fs.readFileSync(join(repo.dir, 'registry/registry.yaml'), 'utf8').replace('largeFileThreshold: 1048576', 'largeFileThreshold: 4096'))
    const big = bytes(4096)
    put('weights/big.bin', big)
    put('just-below.bin', bytes(4095, 2))
    put('empty.bin', '')
    const result = await log()
    expect(result.files.map((f) => [f.path, f.size, f.lfs !== undefined])).toEqual([
      ['.gitattributes', `weights/big.bin ${LFS}\n`.length, false],
      ['empty.bin', 0, false],
      ['just-below.bin', 4095, false],
      ['weights/big.bin', 4096, true],
    ])
    expect(result.lfsObjectsWritten).toBe(1)
    expect(blob('artifacts/m:weights/big.bin').toString()).toBe(formatLfsPointer({ oid: sha256(big), size: 4096 }))
    expect(blob('artifacts/m:.gitattributes').toString()).toBe(`weights/big.bin ${LFS}\n`)
    expect(blob('artifacts/m:empty.bin').length).toBe(0)
    expect(sha256(fs.readFileSync(lfsObject(sha256(big))) as Buffer)).toBe(sha256(big))
  })

  it('lets largeFileThreshold per call override registry.yaml, and rejects a threshold that is not a whole number', async () => {
    put('a.bin', bytes(100))
    expect((await log({ largeFileThreshold: 100 })).files.find((f) => f.path === 'a.bin')!.lfs).toBeDefined()
    expect((await log({ largeFileThreshold: 101 })).files.find((f) => f.path === 'a.bin')!.lfs).toBeUndefined()
    const before = repoFingerprint(repo.dir)
    await expect(log({ largeFileThreshold: 0 })).rejects.toThrow('largeFileThreshold must be a whole number of bytes, at least 1 (got 0)')
    await expect(log({ largeFileThreshold: 1.5 })).rejects.toThrow(/got 1\.5/)
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })

  it('logs the same content to the same tree: again writes nothing at all, the stat cache answers without reading', async () => {
    put('big.bin', bytes(64 * KiB))
    put('cfg.json', '{}')
    const first = await log({ largeFileThreshold: KiB })
    // Make the files look long settled, so the cache may trust them.
    const old = new Date(Date.now() - 60_000)
    fs.utimesSync(join(input, 'big.bin'), old, old)
    const second = await log({ largeFileThreshold: KiB })
    expect(second).toMatchObject({ unchanged: true, version: first.version, tree: first.tree, lfsObjectsWritten: 0 })
    const before = repoFingerprint(repo.dir)
    let reads = 0
    const counting = faultyFs({ onRead: { under: 'big.bin', call: () => reads++ } })
    const third = await logVersion({ fs: counting, dir: repo.dir, env: repo.env, artifact: 'm', paths: [input], largeFileThreshold: KiB })
    expect(third).toMatchObject({ unchanged: true, version: first.version })
    expect(reads).toBe(0)
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })

  it('an unchanged log puts back an LFS object that had gone missing from the store, and nothing else', async () => {
    const big = bytes(64 * KiB)
    put('big.bin', big)
    const first = await log({ largeFileThreshold: KiB })
    fs.rmSync(lfsObject(sha256(big)))
    const again = await log({ largeFileThreshold: KiB })
    expect(again).toMatchObject({ unchanged: true, version: first.version, objectsWritten: 0, lfsObjectsWritten: 1 })
    expect(fs.readFileSync(lfsObject(sha256(big))).equals(big)).toBe(true)
  })

  it('two logs of the same large files at once both succeed and share one object', async () => {
    const big = bytes(3 * MiB)
    put('big.bin', big)
    const [a, b] = await Promise.all([log(), logVersion({ fs: fs as unknown as FsClient, dir: repo.dir, env: repo.env, artifact: 'n', paths: [input] })])
    expect(a.tree).toBe(b.tree)
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([`objects/${sha256(big).slice(0, 2)}/${sha256(big).slice(2, 4)}/${sha256(big)}`])
    expect(fs.readFileSync(lfsObject(sha256(big))).equals(big)).toBe(true)
  })

  it('notices content that changed behind an unchanged size and mtime (the stat cache keys on ctime and inode too)', async () => {
    const path = put('big.bin', bytes(64 * KiB, 1))
    const old = new Date(Date.now() - 60_000)
    fs.utimesSync(path, old, old)
    const first = await log({ largeFileThreshold: KiB })
    fs.writeFileSync(path, bytes(64 * KiB, 2))
    fs.utimesSync(path, old, old)
    const second = await log({ largeFileThreshold: KiB })
    expect(second.unchanged).toBe(false)
    expect(second.version).toBe(first.version + 1)
    expect(second.files[1]!.lfs!.oid).toBe(sha256(bytes(64 * KiB, 2)))
  })

  it('keeps a file that already is an LFS pointer as a pointer, without reading an object', async () => {
    const oid = sha256('not here')
    put('model.bin', formatLfsPointer({ oid, size: 8 }).replace(/\n/g, '\r\n'))
    const result = await log()
    expect(result.files.find((f) => f.path === 'model.bin')).toMatchObject({ size: 8, lfs: { oid, size: 8 } })
    // Stored in the canonical form, and declared to git-lfs.
    expect(blob('artifacts/m:model.bin').toString()).toBe(formatLfsPointer({ oid, size: 8 }))
    expect(blob('artifacts/m:.gitattributes').toString()).toBe(`model.bin ${LFS}\n`)
    expect(result.lfsObjectsWritten).toBe(0)
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([])
  })

  it("merges with the user's own .gitattributes: kept, extended, and its filter=lfs patterns honoured", async () => {
    put('.gitattributes', '*.txt text\n*.onnx filter=lfs diff=lfs merge=lfs -text')
    put('tiny.onnx', 'onnx bytes')
    put('big.bin', bytes(2 * MiB))
    put('notes.txt', 'hello\n')
    const result = await log()
    expect(blob('artifacts/m:.gitattributes').toString()).toBe(`*.txt text\n*.onnx ${LFS}\nbig.bin ${LFS}\n`)
    expect(result.files.filter((f) => f.lfs).map((f) => f.path)).toEqual(['big.bin', 'tiny.onnx'])
    expect(fs.readFileSync(lfsObject(sha256('onnx bytes')), 'utf8')).toBe('onnx bytes')
  })

  it('logs a downloaded version back to the very same tree', async () => {
    put('big.bin', bytes(2 * MiB))
    put('sub/model.bin', bytes(2 * MiB, 3))
    put('readme.md', '# model\n')
    const first = await log()
    const out = join(repo.scratch, 'downloaded')
    await download({ fs: fs as unknown as FsClient, dir: repo.dir, env: repo.env, ref: 'm:v0', to: out })
    const again = await logVersion({ fs: fs as unknown as FsClient, dir: repo.dir, env: repo.env, artifact: 'm', paths: [out] })
    expect(again).toMatchObject({ unchanged: true, tree: first.tree })
  })

  it('fails clearly when a large file changes while it is logged, and leaves the repository as it was', async () => {
    put('a.bin', bytes(2 * MiB, 1))
    const path = put('b.bin', bytes(3 * MiB, 2))
    const before = repoFingerprint(repo.dir)
    let changed = false
    const client = faultyFs({ onRead: { under: 'b.bin', call: () => void (changed || fs.appendFileSync(path, 'x'), (changed = true)) } })
    await expect(logVersion({ fs: client, dir: repo.dir, env: repo.env, artifact: 'm', paths: [input] })).rejects.toThrow(
      `${path} changed while it was being logged; wait until it is written completely and log again`,
    )
    expect(repoFingerprint(repo.dir)).toEqual(before)
    expect(git('for-each-ref', 'refs/heads/artifacts').toString()).toBe('')
  })

  it('turns a full disk into one clear error: no version, no LFS object, no temporary file', async () => {
    put('a.bin', bytes(2 * MiB, 1))
    put('b.bin', bytes(3 * MiB, 2))
    const before = repoFingerprint(repo.dir)
    const client = faultyFs({ failWrites: { under: '/.git/lfs/tmp/', afterBytes: 4 * MiB, code: 'ENOSPC' } })
    const error = await logVersion({ fs: client, dir: repo.dir, env: repo.env, artifact: 'm', paths: [input] }).catch((e: Error) => e)
    expect(error).toMatchObject({ code: 'StorageError' })
    expect((error as Error).message).toBe(
      `cannot write the Git LFS store ${join(repo.dir, '.git/lfs')}: no space left on device (ENOSPC); free some space and log again`,
    )
    // a.bin was hashed into a temporary file before b.bin failed; it is gone too.
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([])
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })

  it('turns an unwritable store into one clear error and writes no version', async () => {
    put('a.bin', bytes(2 * MiB, 1))
    const before = repoFingerprint(repo.dir)
    const client = faultyFs({ failOpen: { under: '/.git/lfs/', code: 'EROFS' } })
    await expect(logVersion({ fs: client, dir: repo.dir, env: repo.env, artifact: 'm', paths: [input] })).rejects.toThrow(
      `cannot write the Git LFS store ${join(repo.dir, '.git/lfs')}: read-only file system (EROFS); make it writable and log again`,
    )
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([])
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })

  it('reports progress for each large file, and none for small ones', async () => {
    put('a.bin', bytes(3 * MiB))
    put('small.txt', 'x')
    const events: LfsProgress[] = []
    await log({ onProgress: (p) => events.push({ ...p }) })
    expect(events[0]).toEqual({ phase: 'hash', path: 'a.bin', done: 0, total: 3 * MiB })
    expect(events.at(-1)).toEqual({ phase: 'hash', path: 'a.bin', done: 3 * MiB, total: 3 * MiB })
    expect(new Set(events.map((e) => e.path))).toEqual(new Set(['a.bin']))
  })
})

describe('show and download of LFS files', () => {
  it('show lists each file with its size and whether it is in LFS', async () => {
    put('big.bin', bytes(2 * MiB))
    put('cfg.json', '{}')
    await log()
    const result = await show({ fs: fs as unknown as FsClient, dir: repo.dir, env: repo.env, ref: 'm:v0' })
    if (result.kind !== 'version') throw new Error('expected a version')
    expect(result.files.map((f) => [f.path, f.size, f.lfs, f.lfsOid])).toEqual([
      ['.gitattributes', `big.bin ${LFS}\n`.length, false, undefined],
      ['big.bin', 2 * MiB, true, sha256(bytes(2 * MiB))],
      ['cfg.json', 2, false, undefined],
    ])
  })

  it('a pointer blob without filter=lfs is checked out as text, as git would', async () => {
    const pointerText = formatLfsPointer({ oid: sha256('x'), size: 1 })
    put('.gitattributes', 'model.bin -filter\n')
    put('model.bin', pointerText)
    await log()
    const out = join(repo.scratch, 'out')
    await download({ fs: fs as unknown as FsClient, dir: repo.dir, env: repo.env, ref: 'm:v0', to: out })
    expect(fs.readFileSync(join(out, 'model.bin'), 'utf8')).toBe(pointerText)
  })

  it('download refuses a missing object before it writes anything', async () => {
    const big = bytes(2 * MiB)
    put('a/big.bin', big)
    put('small.txt', 'x')
    await log()
    fs.rmSync(lfsObject(sha256(big)))
    const out = join(repo.scratch, 'out')
    const error = await download({ fs: fs as unknown as FsClient, dir: repo.dir, env: repo.env, ref: 'm:v0', to: out }).catch((e: Error) => e)
    expect(error).toMatchObject({ code: 'MissingLfsObjectError' })
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot download m:v0: the Git LFS object of a/big\\.bin \\(${sha256(big)}\\) is not in .*\\.git/lfs/objects; fetch it \\("git lfs fetch <remote> artifacts/m"\\) and download again$`),
    )
    expect(fs.existsSync(out)).toBe(false)
    expect(fs.readdirSync(repo.scratch).filter((n) => n.startsWith('out'))).toEqual([])
  })

  it('download turns a full target disk into one clear error and leaves no partial file', async () => {
    put('big.bin', bytes(3 * MiB))
    await log()
    const out = join(repo.scratch, 'out')
    fs.mkdirSync(out)
    const client = faultyFs({ failWrites: { under: '/out/', afterBytes: MiB, code: 'ENOSPC' } })
    const error = await download({ fs: client, dir: repo.dir, env: repo.env, ref: 'm:v0', to: out, force: true }).catch((e: Error) => e)
    expect((error as Error).message).toMatch(/^cannot write .*\/out\/big\.bin\.tmp-[^:]+: no space left on device \(ENOSPC\); free some space and download again$/)
    // The LFS file is written first, so nothing else in the folder changed either.
    expect(filesBelow(out)).toEqual([])
  })

  it('memfs: log and download large files through the injected file system', async () => {
    const vol = Volume.fromJSON({
      '/repo/.git/HEAD': 'ref: refs/heads/main\n',
      '/repo/.git/config': '[core]\n\trepositoryformatversion = 0\n',
      '/repo/.git/objects/info/.keep': '',
      '/repo/.git/refs/heads/.keep': '',
    })
    const big = bytes(3 * MiB)
    vol.mkdirSync('/input/w', { recursive: true })
    vol.writeFileSync('/input/w/big.bin', big)
    vol.writeFileSync('/input/cfg.json', '{}')
    const mem = createFsFromVolume(vol) as unknown as FsClient
    const opts = { fs: mem, dir: '/repo', env: repo.env }
    await init(opts)
    const logged = await logVersion({ ...opts, artifact: 'm', paths: ['/input'] })
    expect(logged.lfsObjectsWritten).toBe(1)
    expect(sha256(vol.readFileSync(`/repo/.git/lfs/objects/${sha256(big).slice(0, 2)}/${sha256(big).slice(2, 4)}/${sha256(big)}`) as Buffer)).toBe(sha256(big))
    await download({ ...opts, ref: 'm', to: '/out' })
    expect(sha256(vol.readFileSync('/out/w/big.bin') as Buffer)).toBe(sha256(big))
    // gmr's own .gitattributes is in the version's tree, not in the deployed folder.
    expect(vol.existsSync('/out/.gitattributes')).toBe(false)
    expect(vol.readdirSync('/out').sort()).toEqual(['cfg.json', 'w'])
  })
})
