import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { deflateSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readObject } from '../../src/git/objects.js'
import { applyDelta } from '../../src/git/packedObjects.js'
import { toFileSystem } from '../../src/git/repo.js'
import type { FsClient } from '../../src/git/fs.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
beforeEach(() => {
  repo = makeRepo()
  // Similar files over many commits, so that repacking makes long delta chains.
  let text = ''
  for (let i = 0; i < 40; i++) {
    text += `line ${i} ${'x'.repeat(i % 7)}\n`
    repo.write('data.txt', text)
    repo.write(`dir/file-${i % 5}.txt`, text.split('\n').reverse().join('\n'))
    repo.git('add', '-A')
    repo.git('commit', '-qm', `commit ${i}`)
  }
})
afterEach(() => repo.cleanup())

/** Every object git has, with its type and content as `git cat-file --batch` prints them. */
function gitObjects(): Array<{ oid: string; type: string; content: Buffer }> {
  const run = (args: string[], input?: string) => execFileSync('git', args, { cwd: repo.dir, env: repo.env, input, maxBuffer: 1 << 30 })
  const oids = run(['cat-file', '--batch-all-objects', '--batch-check=%(objectname)']).toString().trim().split('\n')
  const out = run(['cat-file', '--batch'], oids.join('\n') + '\n')
  const objects: Array<{ oid: string; type: string; content: Buffer }> = []
  let pos = 0
  while (pos < out.length) {
    const eol = out.indexOf(10, pos)
    const [oid, type, size] = out.toString('latin1', pos, eol).split(' ') as [string, string, string]
    objects.push({ oid, type, content: out.subarray(eol + 1, eol + 1 + Number(size)) })
    pos = eol + 1 + Number(size) + 1
  }
  return objects
}

async function readsLikeGit(client: FsClient = fs, order?: (oids: string[]) => string[]): Promise<number> {
  const git = { fs: toFileSystem(client), gitdir: `${repo.dir}/.git` }
  const cache = {}
  const all = gitObjects()
  const byOid = new Map(all.map((o) => [o.oid, o]))
  const objects = order === undefined ? all : order(all.map((o) => o.oid)).map((oid) => byOid.get(oid)!)
  for (const { oid, type, content } of objects) {
    const read = await readObject(git, oid, { cache })
    expect(read.type, oid).toBe(type)
    expect(read.content.equals(content), oid).toBe(true)
  }
  return objects.length
}

function packs(): string[] {
  return fs.readdirSync(`${repo.dir}/.git/objects/pack`).filter((n) => n.endsWith('.idx'))
}

function verifyPack(): string {
  return repo.git('verify-pack', '-v', ...packs().map((n) => `.git/objects/pack/${n}`))
}

/** A client with only the promise API: the reader opens, reads and closes per entry. */
function promisesOnly(): FsClient {
  return { promises: fs.promises } as unknown as FsClient
}

describe('reading objects straight from packs, byte for byte as git cat-file does', () => {
  it('reads every object of a repository packed with offset deltas', async () => {
    repo.git('gc', '-q', '--aggressive')
    expect(verifyPack()).toMatch(/chain length = [2-9]/)
    expect(await readsLikeGit()).toBeGreaterThan(150)
  })

  it('reads reference deltas, and loose objects beside the packs', async () => {
    repo.git('-c', 'repack.useDeltaBaseOffset=false', 'repack', '-q', '-a', '-d', '-f')
    expect(verifyPack()).toMatch(/chain length = [2-9]/)
    repo.write('loose.txt', 'not packed yet\n')
    repo.git('add', 'loose.txt')
    repo.git('commit', '-qm', 'loose')
    expect(await readsLikeGit()).toBeGreaterThan(150)
  })

  it('reads through a file system with only the promise API', async () => {
    repo.git('gc', '-q', '--aggressive')
    expect(await readsLikeGit(promisesOnly())).toBeGreaterThan(150)
  })

  it('reads several packs, and a pack that appeared after the first read', async () => {
    repo.git('repack', '-q', '-d')
    await readsLikeGit()
    for (let i = 0; i < 3; i++) {
      repo.write(`more-${i}.txt`, `more ${i}\n`.repeat(50))
      repo.git('add', '-A')
      repo.git('commit', '-qm', `more ${i}`)
      repo.git('repack', '-q', '-d')
    }
    expect(packs().length).toBe(4)
    expect(await readsLikeGit()).toBeGreaterThan(160)
  })

  it('reads ahead going forward through a pack (a history walk) and reads the same in any order', async () => {
    repo.git('gc', '-q', '--aggressive')
    // Pack order, as verify-pack lists entries: each read just past the last reads further ahead.
    const inPack = verifyPack()
      .split('\n')
      .filter((line) => /^[0-9a-f]{40} /.test(line))
      .map((line) => line.split(/\s+/))
      .sort((a, b) => Number(a[4]) - Number(b[4]))
      .map((fields) => fields[0]!)
    expect(await readsLikeGit(fs, () => inPack)).toBeGreaterThan(150)
    expect(await readsLikeGit(fs, () => [...inPack].reverse())).toBeGreaterThan(150)
    // Forward and back in turns: the bytes read ahead are replaced, never written over, while the last entry is still in use.
    expect(await readsLikeGit(fs, () => inPack.flatMap((oid, i) => [oid, inPack[Math.floor(i / 2)]!]))).toBeGreaterThan(300)
  })

  it('reads a large pack: big objects, deltas between them, and the last entry before the trailer', async () => {
    // 4 MiB of text that compresses poorly, then a small edit of it: a large base and a delta.
    let big = ''
    for (let i = 0; big.length < 4 << 20; i++) big += `${i.toString(36)} ${Math.sin(i).toFixed(12)}\n`
    repo.write('big.txt', big)
    repo.git('add', '-A')
    repo.git('commit', '-qm', 'big')
    repo.write('big.txt', big.replace('1 0.841470984808', 'one'))
    repo.git('add', '-A')
    repo.git('commit', '-qm', 'big edited')
    repo.git('gc', '-q', '--aggressive')
    expect(packs().length).toBe(1)
    expect(fs.statSync(`${repo.dir}/.git/objects/pack/${packs()[0]!.replace('.idx', '.pack')}`).size).toBeGreaterThan(1 << 20)
    expect(await readsLikeGit()).toBeGreaterThan(150)
    const offsets = verifyPack()
      .split('\n')
      .filter((line) => /^[0-9a-f]{40} /.test(line))
      .map((line) => line.split(/\s+/))
      .sort((a, b) => Number(a[4]) - Number(b[4]))
    expect(await readsLikeGit(fs, () => offsets.map((fields) => fields[0]!))).toBeGreaterThan(150)
  })

  it('reads an entry deflated far beyond zlib\'s worst case (another compressor\'s stored blocks), and the one after it', async () => {
    // A pack made by hand: a blob whose zlib stream is 5,000 empty stored blocks before its
    // 6 bytes (25 kB for a 6-byte object), then an ordinary entry. git accepts both.
    const content = Buffer.from('hello\n')
    const padded = Buffer.concat([
      Buffer.from([0x78, 0x01]),
      ...Array.from({ length: 5000 }, () => Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])),
      Buffer.from([0x01, content.length, 0x00, ~content.length & 0xff, 0xff]),
      content,
      adler32(content),
    ])
    const after = Buffer.from('the next entry\n')
    const entry = (data: Buffer, deflated: Buffer) => Buffer.concat([Buffer.from([0x30 | data.length]), deflated])
    const body = Buffer.concat([Buffer.from('PACK'), u32(2), u32(2), entry(content, padded), entry(after, deflateSync(after))])
    const pack = Buffer.concat([body, createHash('sha1').update(body).digest()])
    execFileSync('git', ['index-pack', '--stdin'], { cwd: repo.dir, env: repo.env, input: pack })
    const git = { fs: toFileSystem(fs), gitdir: `${repo.dir}/.git` }
    for (const data of [content, after]) {
      const oid = execFileSync('git', ['hash-object', '--stdin'], { input: data }).toString().trim()
      expect(execFileSync('git', ['cat-file', 'blob', oid], { cwd: repo.dir, env: repo.env }).equals(data)).toBe(true)
      const read = await readObject(git, oid)
      expect(read.type).toBe('blob')
      expect(read.content.equals(data)).toBe(true)
    }
  })

  it('says which object is missing and how to get it', async () => {
    const git = { fs: toFileSystem(fs), gitdir: `${repo.dir}/.git` }
    await expect(readObject(git, 'f'.repeat(40))).rejects.toThrow(/object f{40} is missing .*git fetch/)
  })

  it('refuses a delta that does not fit its base', () => {
    const base = Buffer.from('hello')
    // source size 5, target size 3, copy 3 bytes from offset 4: past the end of the base.
    expect(() => applyDelta(base, Buffer.from([5, 3, 0x91, 4, 3]))).toThrow(/does not apply/)
    expect(applyDelta(base, Buffer.from([5, 3, 0x91, 1, 3])).toString()).toBe('ell')
  })
})

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

function adler32(data: Buffer): Buffer {
  let a = 1
  let b = 0
  for (const byte of data) {
    a = (a + byte) % 65521
    b = (b + a) % 65521
  }
  return u32(((b << 16) | a) >>> 0)
}
