import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { Volume, createFsFromVolume } from 'memfs'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { parseLfsPointer } from '../../src/domain/lfsPointer.js'
import type { FsClient, FsStreamHandle } from '../../src/git/fs.js'
import { LfsStore, type LfsProgress } from '../../src/git/lfsStore.js'
import { openRepo } from '../../src/git/repo.js'
import { StatCache, statCachePath } from '../../src/git/statCache.js'
import { pageAlignedBuffers, streamCopy } from '../../src/git/streamCopy.js'
import { VerifiedLfsRecord } from '../../src/git/verifiedLfs.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { bytes, faultyFs, filesBelow, MiB, sha256 } from '../helpers/lfs.js'
import { hasTool } from '../helpers/tools.js'

let repo: TempRepo
beforeEach(() => {
  repo = makeRepo()
})
afterEach(() => repo.cleanup())
const store = async (client: FsClient = fs as unknown as FsClient) => new LfsStore(await openRepo({ fs: client, dir: repo.dir }))

function randomFile(name: string, size: number): { path: string; content: Buffer } {
  const content = bytes(size)
  return { path: repo.write(join(repo.scratch, name), content), content }
}

/** Wait out the timestamp tick of a file system with sub-millisecond timestamps, so a file just written counts as settled. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 60))

/** The real file system, noting the target of every kernel copy in `copies`. */
function kernelCopies(copies: string[]): FsClient {
  const client = fs as unknown as FsClient
  const copyFile = async (from: string, to: string, mode?: number) => {
    copies.push(to)
    return fs.promises.copyFile(from, to, mode)
  }
  return { ...client, promises: { ...client.promises, copyFile } }
}

function expected(path: string) {
  const st = fs.statSync(path)
  return { size: st.size, mtimeMs: st.mtimeMs }
}

describe('the LFS object store', () => {
  it('hashes a file into .git/lfs/tmp and commits it to objects/aa/bb/<oid>, leaving no temporary file', async () => {
    const { path, content } = randomFile('model.bin', 3 * MiB + 17)
    const lfs = await store()
    const staged = await lfs.stageFile(path, { expected: expected(path) })
    expect(staged.oid).toBe(sha256(content))
    expect(staged.size).toBe(content.length)
    expect(fs.existsSync(lfs.objectPath(staged.oid))).toBe(false)
    expect(await lfs.commit([staged])).toBe(1)
    const objectPath = join(repo.dir, '.git/lfs/objects', staged.oid.slice(0, 2), staged.oid.slice(2, 4), staged.oid)
    expect(sha256(fs.readFileSync(objectPath) as Buffer)).toBe(sha256(content))
    expect(filesBelow(join(repo.dir, '.git/lfs/tmp'))).toEqual([])
  })

  it('never writes an object that is already stored: the stored file keeps its inode and mtime', async () => {
    const { path } = randomFile('model.bin', 2 * MiB)
    const lfs = await store()
    const first = await lfs.stageFile(path, { expected: expected(path) })
    await lfs.commit([first])
    const before = fs.statSync(lfs.objectPath(first.oid))
    const again = await lfs.stageFile(path, { expected: expected(path) })
    expect(again.temp).toBeNull()
    expect(await lfs.commit([again])).toBe(0)
    const after = fs.statSync(lfs.objectPath(first.oid))
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs])
    expect(filesBelow(join(repo.dir, '.git/lfs/tmp'))).toEqual([])
  })

  it('discards staged objects: nothing reaches the store and no temporary file stays', async () => {
    const { path } = randomFile('model.bin', MiB)
    const lfs = await store()
    const staged = await lfs.stageFile(path, { expected: expected(path) })
    await lfs.discard([staged])
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([])
  })

  it('fails clearly when the file changes while it is read, and leaves nothing behind', async () => {
    const { path } = randomFile('model.bin', 5 * MiB)
    let grown = false
    const client = faultyFs({
      onRead: {
        under: 'model.bin',
        call: () => {
          if (!grown) fs.appendFileSync(path, 'more')
          grown = true
        },
      },
    })
    const lfs = await store(client)
    await expect(lfs.stageFile(path, { expected: expected(path) })).rejects.toThrow(
      `${path} changed while it was being logged; wait until it is written completely and log again`,
    )
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([])
  })

  it('refuses a file that changed between being listed and being read', async () => {
    const { path } = randomFile('model.bin', MiB)
    const listed = expected(path)
    fs.utimesSync(path, new Date(2000, 1, 1), new Date(2000, 1, 1))
    await expect((await store()).stageFile(path, { expected: listed })).rejects.toThrow(/changed while it was being logged/)
  })

  it.each(['ENOSPC', 'EDQUOT', 'EACCES'])('turns %s while writing into one clear error and removes the temporary file', async (code) => {
    const { path } = randomFile('model.bin', 4 * MiB)
    const lfs = await store(faultyFs({ failWrites: { under: '.git/lfs/tmp', afterBytes: 2 * MiB, code } }))
    const error = await lfs.stageFile(path, { expected: expected(path) }).catch((e: Error) => e)
    expect(error).toMatchObject({ code: 'StorageError' })
    expect((error as Error).message).toMatch(new RegExp(`^cannot write the Git LFS store .*/\\.git/lfs: .* \\(${code}\\); .* and log again$`))
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([])
  })

  it('copies an object out, checking size and SHA-256, and refuses a corrupt or missing one', async () => {
    const { path, content } = randomFile('model.bin', 2 * MiB + 3)
    const lfs = await store()
    const staged = await lfs.stageFile(path, { expected: expected(path) })
    await lfs.commit([staged])
    const pointer = { oid: staged.oid, size: staged.size }
    const out = join(repo.scratch, 'out.bin')
    await lfs.copyOut(pointer, out, { label: 'model.bin' })
    expect(sha256(fs.readFileSync(out) as Buffer)).toBe(sha256(content))

    // Same size, one byte flipped: only the hash can tell.
    const objectPath = lfs.objectPath(pointer.oid)
    const damaged = Buffer.from(content)
    damaged[MiB] = damaged[MiB]! ^ 0xff
    fs.writeFileSync(objectPath, damaged)
    const bad = join(repo.scratch, 'bad.bin')
    await expect(lfs.copyOut(pointer, bad, { label: 'model.bin' })).rejects.toThrow(
      new RegExp(`^refusing to write model\\.bin: Git LFS object ${pointer.oid} is corrupt \\(its content hashes to ${sha256(damaged)}\\)`),
    )
    expect(fs.existsSync(bad)).toBe(false)

    fs.writeFileSync(objectPath, damaged.subarray(1))
    await expect(lfs.copyOut(pointer, bad, { label: 'model.bin' })).rejects.toThrow(/is corrupt \(it is 2097154 bytes, the pointer says 2097155\)/)
    fs.rmSync(objectPath)
    await expect(lfs.copyOut(pointer, bad, { label: 'model.bin' })).rejects.toMatchObject({
      code: 'MissingLfsObjectError',
      message: expect.stringMatching(new RegExp(`^cannot write model\\.bin: its Git LFS object ${pointer.oid} is not in .*/\\.git/lfs/objects`)),
    })
    expect(fs.existsSync(bad)).toBe(false)
  })

  it('reports progress from 0 to the full size', async () => {
    const { path } = randomFile('model.bin', 3 * MiB)
    const events: LfsProgress[] = []
    await (await store()).stageFile(path, { expected: expected(path), label: 'model.bin', onProgress: (p) => events.push({ ...p }) })
    expect(events[0]).toEqual({ phase: 'hash', path: 'model.bin', done: 0, total: 3 * MiB })
    expect(events.at(-1)).toEqual({ phase: 'hash', path: 'model.bin', done: 3 * MiB, total: 3 * MiB })
    expect(events.map((e) => e.done)).toEqual([...events.map((e) => e.done)].sort((a, b) => a - b))
  })

  it('copies a file last changed more than a timestamp tick ago by the kernel beside the hash; the object is 0644 whatever the source is', async () => {
    const { path, content } = randomFile('model.bin', 3 * MiB + 5)
    fs.chmodSync(path, 0o755)
    await settled()
    const copies: string[] = []
    const lfs = await store(kernelCopies(copies))
    const staged = await lfs.stageFile(path, { expected: expected(path) })
    expect(copies).toHaveLength(1)
    expect(staged.oid).toBe(sha256(content))
    await lfs.commit([staged])
    expect(fs.readFileSync(lfs.objectPath(staged.oid)).equals(content)).toBe(true)
    expect(fs.statSync(lfs.objectPath(staged.oid)).mode & 0o777).toBe(0o644)
    expect(filesBelow(join(repo.dir, '.git/lfs/tmp'))).toEqual([])
    // A file written just now may still be being written: it is read once, each chunk hashed and written.
    const fresh = randomFile('fresh.bin', MiB + 1)
    const again = await lfs.stageFile(fresh.path, { expected: expected(fresh.path) })
    expect(copies).toHaveLength(1)
    await lfs.commit([again])
    expect(fs.readFileSync(lfs.objectPath(again.oid)).equals(fresh.content)).toBe(true)
  })

  it('refuses a file rewritten in place (same size) while the kernel copies it, and leaves nothing behind', async () => {
    const { path } = randomFile('model.bin', 5 * MiB)
    await settled()
    const copies: string[] = []
    let rewritten = false
    const client = faultyFs({
      onRead: {
        under: 'model.bin',
        call: () => {
          if (!rewritten) fs.writeFileSync(path, bytes(5 * MiB, 9))
          rewritten = true
        },
      },
    })
    const lfs = await store({ ...client, promises: { ...client.promises, copyFile: kernelCopies(copies).promises.copyFile } })
    await expect(lfs.stageFile(path, { expected: expected(path) })).rejects.toThrow(`${path} changed while it was being logged`)
    expect(copies).toHaveLength(1)
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([])
  })

  it('turns ENOSPC in a kernel copy into one clear error and removes the temporary file', async () => {
    const { path } = randomFile('model.bin', 4 * MiB)
    await settled()
    const lfs = await store(faultyFs({ failWrites: { under: '.git/lfs/tmp', afterBytes: 2 * MiB, code: 'ENOSPC' } }))
    await expect(lfs.stageFile(path, { expected: expected(path) })).rejects.toMatchObject({
      code: 'StorageError',
      message: expect.stringMatching(/^cannot write the Git LFS store .*\/\.git\/lfs: no space left on device \(ENOSPC\); free some space and log again$/),
    })
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([])
  })

  it.each([
    ['streamed', false],
    ['copied by the kernel', true],
  ])('records an object it %s as known good as it commits it: a copy out reads none of its bytes, until it is rewritten in place', async (_, old) => {
    const { path, content } = randomFile('model.bin', 2 * MiB + 1)
    if (old) await settled()
    const lfs = await store()
    const staged = await lfs.stageFile(path, { expected: expected(path) })
    await lfs.commit([staged])
    const object = lfs.objectPath(staged.oid)
    const record = await VerifiedLfsRecord.open(lfs.repo)
    expect(record.trusted(staged.oid, fs.statSync(object))).toBe(true)

    let reads = 0
    const counting = new LfsStore(await openRepo({ fs: faultyFs({ onRead: { under: staged.oid, call: () => reads++ } }), dir: repo.dir }))
    const out = join(repo.scratch, 'out.bin')
    await counting.copyOut(staged, out, { label: 'model.bin', verified: record })
    expect(reads).toBe(0)
    expect(fs.readFileSync(out).equals(content)).toBe(true)

    // At once, in the same second: the mtime (and ctime) moved, so it is hashed and refused.
    const damaged = Buffer.from(content)
    damaged[77] = damaged[77]! ^ 1
    fs.writeFileSync(object, damaged)
    const bad = join(repo.scratch, 'bad.bin')
    await expect(counting.copyOut(staged, bad, { label: 'model.bin', verified: record })).rejects.toThrow(`its content hashes to ${sha256(damaged)}`)
    expect(reads).toBeGreaterThan(0)
    expect(fs.existsSync(bad)).toBe(false)
  })

  it.each([
    ['through the synchronous twins', (client: FsClient) => client],
    ['through the promise API alone', (client: FsClient): FsClient => ({ promises: client.promises })],
  ])('stages a small object received whole %s, recorded as known good once committed', async (_, shape) => {
    const content = bytes(100 * 1024)
    const lfs = await store(shape(fs as unknown as FsClient))
    const staged = await lfs.stageHeld(content, { oid: sha256(content), size: content.length }, 'part.bin')
    expect(fs.readFileSync(staged.temp!).equals(content)).toBe(true)
    await lfs.commit([staged])
    const object = lfs.objectPath(staged.oid)
    expect(fs.readFileSync(object).equals(content)).toBe(true)
    expect(fs.statSync(object).mode & 0o777).toBe(0o644)
    expect((await VerifiedLfsRecord.open(lfs.repo)).trusted(staged.oid, fs.statSync(object))).toBe(true)
    expect(filesBelow(join(repo.dir, '.git/lfs/tmp'))).toEqual([])
  })

  it('refuses received bytes that are not the object before writing anything', async () => {
    const content = bytes(1000)
    const lfs = await store()
    const expected = { oid: sha256(bytes(1000, 2)), size: 1000 }
    await expect(lfs.stageHeld(content, expected, 'part.bin')).rejects.toMatchObject({
      code: 'CorruptObjectError',
      message: `the bytes received for part.bin are not Git LFS object ${expected.oid} (1000 bytes hashing to ${sha256(content)}); try again`,
    })
    await expect(lfs.stageHeld(content.subarray(0, 999), { oid: sha256(content), size: 1000 }, 'part.bin')).rejects.toThrow('(999 bytes hashing to')
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([])
  })

  it.each([
    ['a write', { failWrites: { under: '.git/lfs/tmp', afterBytes: 10, code: 'ENOSPC' } }, /no space left on device \(ENOSPC\); free some space and try again$/],
    ['the open', { failOpen: { under: '.git/lfs/tmp', code: 'EACCES' } }, /permission denied \(EACCES\); make it writable and try again$/],
  ])('turns a failure of %s of a small object held in memory into one clear error, leaving no temporary file', async (_, faults, message) => {
    const content = bytes(1000)
    const lfs = await store(faultyFs(faults))
    await expect(lfs.stageHeld(content, { oid: sha256(content), size: 1000 }, 'part.bin')).rejects.toMatchObject({ code: 'StorageError', message })
    expect(filesBelow(join(repo.dir, '.git/lfs'))).toEqual([])
  })

  it('copies objects the record vouches for out by the kernel without opening them, each file whole with its own mode', async () => {
    const contents = [bytes(5000, 1), bytes(6000, 2), bytes(7000, 3)]
    const lfs = await store()
    const staged = await Promise.all(contents.map((content, i) => lfs.stageHeld(content, { oid: sha256(content), size: content.length }, `p${i}`)))
    await lfs.commit(staged)
    const record = await VerifiedLfsRecord.open(lfs.repo)
    const opened: string[] = []
    const client = fs as unknown as FsClient
    const open = async (path: string, flags: string, mode?: number) => (opened.push(path), client.promises.open(path, flags, mode))
    const counting = new LfsStore(await openRepo({ fs: { ...client, promises: { ...client.promises, open } }, dir: repo.dir }))
    const modes = [0o644, 0o755, 0o600]
    const copies = staged.map((object, i) => ({ pointer: object, dest: join(repo.scratch, `out-${i}.bin`), label: `p${i}`, mode: modes[i]! }))
    await counting.copyOutEach(copies, { verified: record })
    expect(opened.filter((path) => path.includes('/lfs/objects/'))).toEqual([])
    for (const [i, { dest }] of copies.entries()) {
      expect(fs.readFileSync(dest).equals(contents[i]!)).toBe(true)
      expect(fs.statSync(dest).mode & 0o777).toBe(modes[i])
    }
  })

  it('never removes a file it did not make: a vouched-for copy onto an existing file is refused and leaves it as it was', async () => {
    const content = bytes(5000, 4)
    const lfs = await store()
    const staged = await lfs.stageHeld(content, { oid: sha256(content), size: content.length }, 'p')
    await lfs.commit([staged])
    const dest = join(repo.scratch, 'theirs.bin')
    fs.writeFileSync(dest, 'a file that is not gmr\'s\n')
    await expect(lfs.copyOut(staged, dest, { label: 'p', verified: await VerifiedLfsRecord.open(lfs.repo) })).rejects.toThrow(/EEXIST/)
    expect(fs.readFileSync(dest, 'utf8')).toBe("a file that is not gmr's\n")
  })

  it('works on memfs, through the same injected file system', async () => {
    const vol = Volume.fromJSON({ '/r/.git/HEAD': 'ref: refs/heads/main\n', '/in/m.bin': 'x'.repeat(3 * MiB) })
    const client = createFsFromVolume(vol) as unknown as FsClient
    const lfs = new LfsStore(await openRepo({ fs: client, dir: '/r' }))
    const st = vol.statSync('/in/m.bin')
    const staged = await lfs.stageFile('/in/m.bin', { expected: { size: st.size, mtimeMs: st.mtimeMs } })
    await lfs.commit([staged])
    await lfs.copyOut(staged, '/out.bin', { label: 'm.bin' })
    expect(vol.readFileSync('/out.bin', 'utf8')).toBe('x'.repeat(3 * MiB))
  })
})

describe('streaming copy', () => {
  it.each([0, 1, MiB - 1, MiB, MiB + 1, 3 * MiB, 5 * MiB + 5])('copies %i bytes exactly, also through short reads', async (size) => {
    const { path, content } = randomFile('in.bin', size)
    for (const client of [fs as unknown as FsClient, faultyFs({ maxRead: 65_537 })]) {
      const source = (await client.promises.open(path, 'r')) as FsStreamHandle
      const outPath = join(repo.scratch, 'out.bin')
      fs.rmSync(outPath, { force: true })
      const target = (await client.promises.open(outPath, 'wx')) as FsStreamHandle
      const hash = createHash('sha256')
      const copied = await streamCopy({ source, target, onChunk: (c) => hash.update(c), readError: (e) => e, writeError: (e) => e })
      await source.close()
      await target.close()
      expect(copied).toBe(size)
      expect(hash.digest('hex')).toBe(sha256(content))
      expect(fs.readFileSync(outPath).equals(content)).toBe(true)
    }
  })

  // Copies reuse the buffers of copies that finished: two running at once must never share one.
  it('copies several files at once, each exactly, and again after a failed one', async () => {
    const copyTo = async (client: FsClient, from: string, to: string) => {
      const source = (await client.promises.open(from, 'r')) as FsStreamHandle
      const target = (await client.promises.open(to, 'wx')) as FsStreamHandle
      const hash = createHash('sha256')
      try {
        await streamCopy({ source, target, onChunk: (c) => hash.update(c), readError: (e) => e, writeError: (e) => e })
      } finally {
        await source.close()
        await target.close()
      }
      return hash.digest('hex')
    }
    const inputs = [0, 1, 2, 3, 4, 5].map((i) => randomFile(`in-${i}.bin`, 4 * MiB + i * 77_777))
    const failing = faultyFs({ failWrites: { under: 'broken', afterBytes: 2 * MiB, code: 'ENOSPC' } })
    const broken = copyTo(failing, inputs[0]!.path, join(repo.scratch, 'broken.bin')).then(
      () => 'copied',
      (err: unknown) => String(err),
    )
    const hashes = await Promise.all(inputs.map(({ path }, i) => copyTo(fs as unknown as FsClient, path, join(repo.scratch, `out-${i}.bin`))))
    expect(await broken).toContain('ENOSPC')
    const again = await Promise.all(inputs.map(({ path }, i) => copyTo(fs as unknown as FsClient, path, join(repo.scratch, `again-${i}.bin`))))
    inputs.forEach(({ content }, i) => {
      expect(hashes[i]).toBe(sha256(content))
      expect(again[i]).toBe(sha256(content))
      expect(fs.readFileSync(join(repo.scratch, `out-${i}.bin`)).equals(content)).toBe(true)
      expect(fs.readFileSync(join(repo.scratch, `again-${i}.bin`)).equals(content)).toBe(true)
    })
  })

  it.each([
    ['from a WebAssembly memory', false],
    ['without WebAssembly', true],
  ])('gives buffers of their own, %s', (_, hideWasm) => {
    if (hideWasm) vi.stubGlobal('WebAssembly', undefined)
    try {
      const buffers = pageAlignedBuffers(3, 64 * 1024)
      expect(buffers.map((b) => b.length)).toEqual([65536, 65536, 65536])
      buffers.forEach((b, i) => b.fill(i + 1))
      buffers.forEach((b, i) => expect(b.every((byte) => byte === i + 1)).toBe(true))
    } finally {
      vi.unstubAllGlobals()
    }
  })
})

describe('the stat cache', () => {
  async function open() {
    return StatCache.open(await openRepo({ fs: fs as unknown as FsClient, dir: repo.dir }))
  }
  const OID = 'a'.repeat(64)
  const old = new Date(Date.now() - 60_000)
  // As if the hash had been taken well after the file's last change (the usual case).
  const later = () => Date.now() + 5000

  it('trusts an unchanged file, across processes', async () => {
    const { path } = randomFile('m.bin', 100)
    const cache = await open()
    cache.record(path, fs.statSync(path), OID, later())
    await cache.save()
    expect((await open()).lookup(path, fs.statSync(path))).toBe(OID)
  })

  it('never trusts a changed size, mtime, ctime or inode', async () => {
    const { path } = randomFile('m.bin', 100)
    const cache = await open()
    const record = () => cache.record(path, fs.statSync(path), OID, later())

    record()
    fs.appendFileSync(path, 'x')
    expect(cache.lookup(path, fs.statSync(path))).toBeNull()

    fs.utimesSync(path, old, old)
    record()
    fs.utimesSync(path, new Date(old.getTime() + 1000), new Date(old.getTime() + 1000))
    expect(cache.lookup(path, fs.statSync(path))).toBeNull()

    // Same size, mtime put back afterwards (as tar or rsync -t would): only ctime shows the write.
    fs.utimesSync(path, old, old)
    record()
    const size = fs.statSync(path).size
    await new Promise((r) => setTimeout(r, 20))
    fs.writeFileSync(path, Buffer.alloc(size, 7))
    fs.utimesSync(path, old, old)
    expect(fs.statSync(path).size).toBe(size)
    expect(cache.lookup(path, fs.statSync(path))).toBeNull()

    record()
    expect(cache.lookup(path, fs.statSync(path))).toBe(OID)
    const copy = `${path}.new`
    fs.copyFileSync(path, copy)
    fs.renameSync(copy, path)
    expect(cache.lookup(path, fs.statSync(path))).toBeNull()
  })

  it('does not trust a record taken in the same moment the file was last written (racily clean)', async () => {
    const { path } = randomFile('m.bin', 100)
    const cache = await open()
    cache.record(path, fs.statSync(path), OID, Date.now())
    expect(cache.lookup(path, fs.statSync(path))).toBeNull()
  })

  it('treats a damaged cache file as empty', async () => {
    const r = await openRepo({ fs: fs as unknown as FsClient, dir: repo.dir })
    fs.mkdirSync(join(repo.dir, '.git/gmr'), { recursive: true })
    fs.writeFileSync(statCachePath(r), '{not json')
    const { path } = randomFile('m.bin', 100)
    expect((await open()).lookup(path, fs.statSync(path))).toBeNull()
  })
})

describe.skipIf(!hasTool('git-lfs'))('objects written by real git-lfs', () => {
  it('are read by gmr: the pointer blob parses and the stored object copies out byte for byte', async () => {
    repo.git('lfs', 'install', '--local')
    repo.git('lfs', 'track', '*.bin')
    const weights = randomFile('w', 2 * MiB + 11).content
    repo.write('weights.bin', weights)
    repo.git('add', '.gitattributes', 'weights.bin')
    repo.git('commit', '-q', '-m', 'weights via git-lfs')
    const blob = execFileSync('git', ['cat-file', 'blob', 'HEAD:weights.bin'], { cwd: repo.dir, env: repo.env })
    const pointer = parseLfsPointer(blob)
    expect(pointer).toEqual({ oid: sha256(weights), size: weights.length })
    const lfs = await store()
    expect(await lfs.has(pointer!)).toBe(true)
    const out = join(repo.scratch, 'copied.bin')
    await lfs.copyOut(pointer!, out, { label: 'weights.bin' })
    expect(fs.readFileSync(out).equals(weights)).toBe(true)
    // And git-lfs's own pointer for it is byte for byte what gmr writes.
    expect(execFileSync('git', ['lfs', 'pointer', `--file=${join(repo.dir, 'weights.bin')}`], { cwd: repo.dir, env: repo.env, stdio: ['ignore', 'pipe', 'ignore'] })).toEqual(blob)
  })
})
