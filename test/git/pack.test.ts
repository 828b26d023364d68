import * as nodeFs from 'node:fs'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import * as isogit from 'isomorphic-git'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CorruptObjectError } from '../../src/domain/errors.js'
import { decodeCommit, encodeCommit, type GitIdentity } from '../../src/git/commit.js'
import { hashObject, hasObjects, ObjectWriter, readObject, type ObjectType } from '../../src/git/objects.js'
import { buildPack, encodePackIndex, PackIndex, packEntryHeader, zlibStored } from '../../src/git/pack.js'
import type { GitDir } from '../../src/git/repo.js'
import { encodeTree, type TreeEntry } from '../../src/git/tree.js'
import { diskRepos, type Git } from '../helpers/diskRepo.js'

const { diskRepo } = diskRepos('pack')

const IDENTITY: GitIdentity = { name: 'Gmr Test', email: 'gmr@example.com', timestamp: 1_700_000_000, timezoneOffset: -60 }

function obj(type: ObjectType, content: string | Buffer) {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content)
  return { type, content: bytes, oid: hashObject(type, bytes) }
}

/** Parse the entry header back, as a pack reader would. */
function readEntryHeader(bytes: Buffer): { typeCode: number; size: number; length: number } {
  let byte = bytes[0]!
  const typeCode = (byte >> 4) & 7
  let size = byte & 15
  let shift = 16
  let i = 1
  while (byte & 0x80) {
    byte = bytes[i++]!
    size += (byte & 0x7f) * shift
    shift *= 128
  }
  return { typeCode, size, length: i }
}

describe('packEntryHeader', () => {
  it('encodes type and size as git does', () => {
    expect([...packEntryHeader('blob', 0)]).toEqual([0x30])
    expect([...packEntryHeader('blob', 15)]).toEqual([0x3f])
    expect([...packEntryHeader('blob', 16)]).toEqual([0xb0, 0x01])
    expect([...packEntryHeader('commit', 300)]).toEqual([0x9c, 0x12])
    expect([...packEntryHeader('tree', 0)]).toEqual([0x20])
    expect([...packEntryHeader('tag', 1)]).toEqual([0x41])
    for (const size of [127, 128, 2047, 2048, 2 ** 31 + 7, 2 ** 33 + 12345]) {
      expect(readEntryHeader(packEntryHeader('blob', size))).toMatchObject({ typeCode: 3, size })
    }
  })
})

describe('buildPack', () => {
  it('makes a pack git verifies and an index identical to git index-pack', () => {
    const { dir, git } = diskRepo()
    const blob = obj('blob', 'hello\n')
    const big = obj('blob', Buffer.alloc(100_000, 7))
    const tree = obj('tree', encodeTree([{ mode: '100644', name: 'hello.txt', oid: blob.oid }, { mode: '100644', name: 'zeros', oid: big.oid }]))
    const commit = obj('commit', encodeCommit({ tree: tree.oid, parents: [], author: IDENTITY, committer: IDENTITY, message: 'm' }))
    const { pack, idx, packSha } = buildPack([blob, big, tree, commit, blob])

    expect(pack.subarray(0, 12)).toEqual(Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 4]))
    expect(pack.subarray(-20).toString('hex')).toBe(packSha)
    const packPath = join(dir, `pack-${packSha}.pack`)
    nodeFs.writeFileSync(packPath, pack)
    nodeFs.writeFileSync(join(dir, `pack-${packSha}.idx`), idx)
    const verify = git(['verify-pack', '-v', join(dir, `pack-${packSha}.idx`)]).toString()
    expect(verify).toContain(`${blob.oid} blob   6`)
    expect(verify).toContain(`${commit.oid} commit`)
    expect(verify).toMatch(/non delta: 4 objects/)

    git(['index-pack', '-o', join(dir, 'by-git.idx'), packPath])
    expect(nodeFs.readFileSync(join(dir, 'by-git.idx')).equals(idx)).toBe(true)
  })

  it('deflates each entry on its own, commits first', () => {
    const blob = obj('blob', 'x'.repeat(1000))
    const commit = obj('commit', encodeCommit({ tree: hashObject('tree', Buffer.alloc(0)), parents: [], author: IDENTITY, committer: IDENTITY, message: 'm' }))
    const { pack, idx } = buildPack([blob, commit])
    const index = PackIndex.parse(idx)
    expect(index.count).toBe(2)
    expect(index.offset(commit.oid)).toBe(12)
    const blobAt = index.offset(blob.oid)!
    const header = readEntryHeader(pack.subarray(blobAt))
    expect(header).toMatchObject({ typeCode: 3, size: 1000 })
    expect(inflateSync(pack.subarray(blobAt + header.length, pack.length - 20)).equals(blob.content)).toBe(true)
  })

  it('writes 64-bit offsets for entries past 2 GiB', () => {
    const entries = [
      { oid: '11'.repeat(20), crc32: 1, offset: 12 },
      { oid: 'ff'.repeat(20), crc32: 2, offset: 2 ** 31 },
      { oid: '00'.repeat(20), crc32: 3, offset: 2 ** 33 + 5 },
      { oid: '80'.repeat(20), crc32: 0xffffffff, offset: 2 ** 31 - 1 },
    ]
    const idx = encodePackIndex(entries, Buffer.alloc(20, 0xab))
    // 2 large offsets: header, fan-out, 4 x (20 + 4 + 4), 2 x 8, two checksums.
    expect(idx.length).toBe(8 + 1024 + 4 * 28 + 2 * 8 + 40)
    const index = PackIndex.parse(idx)
    expect(index.packChecksum).toBe('ab'.repeat(20))
    for (const e of entries) {
      expect(index.offset(e.oid)).toBe(e.offset)
      expect(index.crc32At(index.find(e.oid))).toBe(e.crc32)
    }
    expect([0, 1, 2, 3].map((i) => index.oidAt(i))).toEqual(['00', '11', '80', 'ff'].map((b) => b.repeat(20)))
    expect(index.has('12'.repeat(20))).toBe(false)
  })
})

describe('zlibStored', () => {
  it('writes zlib streams of stored blocks that zlib reads back byte for byte, across block boundaries', () => {
    for (const size of [0, 1, 1023, 65_535, 65_536, 140_000]) {
      const data = Buffer.alloc(size)
      for (let i = 0; i < size; i++) data[i] = (i * 7919) % 251
      expect(inflateSync(zlibStored(data)).equals(data), `size ${size}`).toBe(true)
    }
  })
})

describe('PackIndex', () => {
  it('finds what git verify-pack lists, at the same offsets, in an index git wrote', () => {
    const { dir, git } = diskRepo()
    for (let i = 0; i < 50; i++) nodeFs.writeFileSync(join(dir, `f${i}.txt`), `file ${i}\n`)
    git(['add', '-A'])
    git(['commit', '-q', '-m', 'x'])
    git(['gc', '-q'])
    const packDir = join(dir, '.git/objects/pack')
    const idxName = nodeFs.readdirSync(packDir).find((n) => n.endsWith('.idx'))!
    const index = PackIndex.parse(nodeFs.readFileSync(join(packDir, idxName)))
    const listed = git(['verify-pack', '-v', join(packDir, idxName)])
      .toString()
      .split('\n')
      .filter((l) => /^[0-9a-f]{40} /.test(l))
      .map((l) => l.split(/\s+/))
    expect(listed.length).toBe(52)
    expect(index.count).toBe(52)
    for (const [oid, , , , offset] of listed) expect(index.offset(oid!)).toBe(Number(offset))
  })

  it('rejects a truncated or unknown index', () => {
    const { idx } = buildPack([obj('blob', 'a')])
    expect(() => PackIndex.parse(idx.subarray(0, 100))).toThrow(CorruptObjectError)
    const v3 = Buffer.from(idx)
    v3.writeUInt32BE(3, 4)
    expect(() => PackIndex.parse(v3)).toThrow(CorruptObjectError)
  })
})

interface Snapshot {
  files: Array<{ path: string; oid: string; content: Buffer }>
  trees: number
  commit: string
}

/** 10,000 small files in 100 folders, as ObjectWriter would see them from `gmr log`. */
function addSnapshot(writer: ObjectWriter, folders = 100, perFolder = 100): Snapshot {
  const files: Snapshot['files'] = []
  const root: TreeEntry[] = []
  for (let d = 0; d < folders; d++) {
    const entries: TreeEntry[] = []
    for (let f = 0; f < perFolder; f++) {
      const content = Buffer.from(`folder ${d} file ${f}\n${'w'.repeat((d * 31 + f) % 200)}\n`)
      const oid = writer.add('blob', content)
      entries.push({ mode: '100644', name: `file-${f}.txt`, oid })
      files.push({ path: `dir-${String(d).padStart(3, '0')}/file-${f}.txt`, oid, content })
    }
    root.push({ mode: '40000', name: `dir-${String(d).padStart(3, '0')}`, oid: writer.add('tree', encodeTree(entries)) })
  }
  const tree = writer.add('tree', encodeTree(root))
  const commit = writer.add('commit', encodeCommit({ tree, parents: [], author: IDENTITY, committer: IDENTITY, message: 'model v0' }))
  return { files, trees: folders + 1, commit }
}

describe('a pack of 10,000 blobs written by ObjectWriter', () => {
  let dir: string
  let repo: GitDir
  let git: Git
  let snapshot: Snapshot

  beforeAll(async () => {
    ;({ dir, repo, git } = diskRepo({ keep: true })) // shared by every test in this block
    const writer = new ObjectWriter(repo)
    snapshot = addSnapshot(writer)
    expect(await writer.flush()).toEqual({ written: 10_000 + 101 + 1, packed: true })
    nodeFs.writeFileSync(join(repo.gitdir, 'refs/heads/x'), `${snapshot.commit}\n`)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('is one pack git verify-pack and fsck --strict accept', () => {
    const packDir = join(repo.gitdir, 'objects/pack')
    const names = nodeFs.readdirSync(packDir).sort()
    expect(names).toHaveLength(2)
    expect(names[0]).toMatch(/^pack-[0-9a-f]{40}\.idx$/)
    expect(names[1]).toBe(names[0]!.replace(/idx$/, 'pack'))
    const verify = git(['verify-pack', '-v', join(packDir, names[0]!)]).toString()
    const types = verify.split('\n').filter((l) => /^[0-9a-f]{40} /.test(l)).map((l) => l.split(/\s+/)[1])
    expect(types.filter((t) => t === 'blob')).toHaveLength(10_000)
    expect(types.filter((t) => t === 'tree')).toHaveLength(101)
    expect(types.filter((t) => t === 'commit')).toHaveLength(1)
    expect(verify).toMatch(/non delta: 10102 objects/)
    expect(git(['fsck', '--strict', '--no-dangling']).toString()).toBe('')
    expect(git(['count-objects', '-v']).toString()).toMatch(/^count: 0$/m)
  })

  it('shows in git log and git ls-tree as the files that were added', () => {
    expect(git(['log', '--format=%H %an %s', 'x']).toString()).toBe(`${snapshot.commit} Gmr Test model v0\n`)
    const expected = [...snapshot.files]
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map((f) => `100644 blob ${f.oid}\t${f.path}`)
    expect(git(['ls-tree', '-r', 'x']).toString().trimEnd().split('\n')).toEqual(expected)
    const sample = snapshot.files[4321]!
    expect(git(['show', `x:${sample.path}`]).equals(sample.content)).toBe(true)
  })

  it('reads back through isomorphic-git', async () => {
    const cache = {}
    const parsed = await isogit.readCommit({ fs: nodeFs, gitdir: repo.gitdir, oid: snapshot.commit, cache })
    expect(parsed.commit.message).toBe('model v0\n')
    const sample = snapshot.files[9999]!
    const { blob } = await isogit.readBlob({ fs: nodeFs, gitdir: repo.gitdir, oid: snapshot.commit, filepath: sample.path, cache })
    expect(Buffer.from(blob).equals(sample.content)).toBe(true)

    const commit = await readObject(repo, snapshot.commit, { cache })
    expect(commit.type).toBe('commit')
    expect(decodeCommit(commit.content).message).toBe('model v0\n')
    const first = await readObject(repo, snapshot.files[0]!.oid, { cache })
    expect(first).toEqual({ type: 'blob', content: snapshot.files[0]!.content })
  })

  it('is found by hasObjects, which skips it on the next flush', async () => {
    const absent = Array.from({ length: 100 }, (_, i) => hashObject('blob', Buffer.from(`absent ${i}`)))
    const found = await hasObjects(repo, [...snapshot.files.map((f) => f.oid), snapshot.commit, ...absent])
    expect(found.size).toBe(10_001)
    for (const oid of absent) expect(found.has(oid)).toBe(false)

    const again = new ObjectWriter(repo)
    addSnapshot(again)
    expect(await again.flush()).toEqual({ written: 0, packed: false })
  })
})
