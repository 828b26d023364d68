import { randomBytes } from 'node:crypto'
import * as nodeFs from 'node:fs'
import { join } from 'node:path'
import { createFsFromVolume, Volume } from 'memfs'
import { describe, expect, it } from 'vitest'
import { CorruptObjectError, InvalidInputError, MissingObjectError } from '../../src/domain/errors.js'
import { FileSystem, type FsClient } from '../../src/git/fs.js'
import { hashObject, hasObjects, ObjectWriter, readObject, writeLooseObject } from '../../src/git/objects.js'
import type { GitDir } from '../../src/git/repo.js'
import { resolveRevision } from '../../src/git/revParse.js'
import { diskRepos } from '../helpers/diskRepo.js'

const { diskRepo } = diskRepos('objects')

function memRepo(): GitDir {
  const fs = new FileSystem(createFsFromVolume(new Volume()) as unknown as FsClient)
  return { fs, gitdir: '/repo/.git' }
}

function missingOid(seed: string): string {
  return hashObject('blob', Buffer.from(`never written ${seed}`))
}

describe('hashObject', () => {
  const cases: Array<[string, Buffer]> = [
    ['empty blob', Buffer.alloc(0)],
    ['text', Buffer.from('hello world\nsecond line\n')],
    ['binary with NULs and high bytes', Buffer.concat([Buffer.from([0, 255, 0, 128, 10, 13]), randomBytes(4096)])],
  ]
  for (const [label, content] of cases) {
    it(`equals git hash-object for ${label}`, () => {
      const { git } = diskRepo()
      const expected = git(['hash-object', '--stdin'], content).toString().trim()
      expect(hashObject('blob', content)).toBe(expected)
    })
  }

  it('knows the empty blob and empty tree ids', () => {
    expect(hashObject('blob', Buffer.alloc(0))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')
    expect(hashObject('tree', Buffer.alloc(0))).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904')
  })

  it('hashes commits as git does', () => {
    const { git } = diskRepo()
    const body = Buffer.from(
      'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n\nmsg\n',
    )
    expect(hashObject('commit', body)).toBe(git(['hash-object', '-t', 'commit', '--stdin'], body).toString().trim())
  })
})

describe('writeLooseObject', () => {
  it('writes objects git reads back byte for byte and fsck accepts', async () => {
    const { repo, git } = diskRepo()
    const text = Buffer.from('weights: [1, 2, 3]\n')
    const binary = randomBytes(10_000)
    const empty = Buffer.alloc(0)
    const oids = [
      await writeLooseObject(repo, 'blob', text),
      await writeLooseObject(repo, 'blob', binary),
      await writeLooseObject(repo, 'blob', empty),
    ]
    expect(oids[0]).toBe(git(['hash-object', '--stdin'], text).toString().trim())
    expect(git(['cat-file', '-p', oids[0]!]).equals(text)).toBe(true)
    expect(git(['cat-file', 'blob', oids[1]!]).equals(binary)).toBe(true)
    expect(git(['cat-file', '-s', oids[2]!]).toString().trim()).toBe('0')
    expect(git(['cat-file', '-t', oids[1]!]).toString().trim()).toBe('blob')
    expect(git(['fsck', '--strict', '--no-dangling']).toString()).toBe('')
  })

  it('leaves an existing object alone and leaves no temp files behind', async () => {
    const { repo, dir } = diskRepo()
    const content = Buffer.from('same bytes')
    const oid = await writeLooseObject(repo, 'blob', content)
    const path = join(dir, '.git/objects', oid.slice(0, 2), oid.slice(2))
    const before = nodeFs.statSync(path)
    expect(await writeLooseObject(repo, 'blob', content)).toBe(oid)
    const after = nodeFs.statSync(path)
    expect(after.ino).toBe(before.ino)
    expect(after.mtimeMs).toBe(before.mtimeMs)
    expect(nodeFs.readdirSync(join(dir, '.git/objects', oid.slice(0, 2)))).toEqual([oid.slice(2)])
  })

  it('writes on memfs too, readable with readObject', async () => {
    const repo = memRepo()
    const oid = await writeLooseObject(repo, 'blob', Buffer.from('in memory'))
    expect(await repo.fs.exists(`/repo/.git/objects/${oid.slice(0, 2)}/${oid.slice(2)}`)).toBe(true)
    const read = await readObject(repo, oid)
    expect(read.type).toBe('blob')
    expect(read.content.toString()).toBe('in memory')
  })
})

describe('hasObjects', () => {
  it('finds loose, gmr-packed and git-packed objects, and not absent ones', async () => {
    const { repo, git, dir } = diskRepo()
    // Objects git itself packs with gc.
    nodeFs.writeFileSync(join(dir, 'committed.txt'), 'packed by git gc\n')
    git(['add', 'committed.txt'])
    git(['commit', '-q', '-m', 'first'])
    git(['gc', '-q'])
    const gitPackedBlob = git(['rev-parse', 'HEAD:committed.txt']).toString().trim()
    const gitPackedCommit = git(['rev-parse', 'HEAD']).toString().trim()
    expect(nodeFs.existsSync(join(dir, '.git/objects', gitPackedBlob.slice(0, 2), gitPackedBlob.slice(2)))).toBe(false)

    const writer = new ObjectWriter(repo, { packThreshold: 3 })
    const gmrPacked = [1, 2, 3, 4].map((i) => writer.add('blob', Buffer.from(`gmr packed ${i}`)))
    expect(await writer.flush()).toEqual({ written: 4, packed: true })
    const loose = await writeLooseObject(repo, 'blob', Buffer.from('loose one'))
    const absent = [missingOid('a'), missingOid('b')]

    const found = await hasObjects(repo, [gitPackedBlob, gitPackedCommit, ...gmrPacked, loose, ...absent])
    expect([...found].sort()).toEqual([gitPackedBlob, gitPackedCommit, ...gmrPacked, loose].sort())
    expect(await hasObjects(repo, [])).toEqual(new Set())
  })

  it('sees a pack that appears between calls', async () => {
    const repo = memRepo()
    const writer = new ObjectWriter(repo, { packThreshold: 1 })
    const first = writer.add('blob', Buffer.from('one'))
    await writer.flush()
    const second = writer.add('blob', Buffer.from('two'))
    expect(await hasObjects(repo, [first, second])).toEqual(new Set([first]))
    await writer.flush()
    expect(await hasObjects(repo, [first, second])).toEqual(new Set([first, second]))
  })

  it('reads each fan-out folder once instead of stat-ing each object', async () => {
    const { repo } = diskRepo()
    const writer = new ObjectWriter(repo, { packThreshold: Infinity })
    const written = Array.from({ length: 300 }, (_, i) => writer.add('blob', Buffer.from(`loose ${i}`)))
    await writer.flush()
    const calls: Record<string, number> = {}
    const counting = new Proxy(nodeFs.promises, {
      get(target, prop: string) {
        const value = (target as unknown as Record<string, unknown>)[prop]
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          calls[prop] = (calls[prop] ?? 0) + 1
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    const countingRepo: GitDir = { fs: new FileSystem({ promises: counting } as unknown as FsClient), gitdir: repo.gitdir }
    const asked = [...written, ...Array.from({ length: 10_000 }, (_, i) => missingOid(String(i)))]
    const found = await hasObjects(countingRepo, asked)
    expect(found.size).toBe(300)
    expect(calls.readdir).toBeLessThanOrEqual(257)
    expect(calls.stat ?? 0).toBe(0)
    expect(calls.lstat ?? 0).toBe(0)
  })

  it('rejects something that is not an object id', async () => {
    await expect(hasObjects(memRepo(), ['not-an-oid'])).rejects.toBeInstanceOf(CorruptObjectError)
  })
})

describe('ObjectWriter', () => {
  it('queues duplicates once and writes loose objects below the threshold', async () => {
    const { repo, git } = diskRepo()
    const writer = new ObjectWriter(repo)
    const a = writer.add('blob', Buffer.from('a'))
    expect(writer.add('blob', Buffer.from('a'))).toBe(a)
    writer.add('blob', Buffer.from('b'))
    expect(writer.pending).toBe(2)
    expect(await writer.flush()).toEqual({ written: 2, packed: false })
    expect(writer.pending).toBe(0)
    expect(git(['cat-file', '-p', a]).toString()).toBe('a')
    expect(git(['count-objects']).toString()).toMatch(/^2 objects/)
  })

  it('writes only objects that do not exist yet', async () => {
    const { repo } = diskRepo()
    const existing = await writeLooseObject(repo, 'blob', Buffer.from('already here'))
    const writer = new ObjectWriter(repo)
    expect(writer.add('blob', Buffer.from('already here'))).toBe(existing)
    writer.add('blob', Buffer.from('new'))
    expect(await writer.flush()).toEqual({ written: 1, packed: false })
    expect(await writer.flush()).toEqual({ written: 0, packed: false })
  })

  it('on memfs: writes loose objects, then a pack, and reads both back', async () => {
    const repo = memRepo()
    const writer = new ObjectWriter(repo, { packThreshold: 5 })
    const loose = [1, 2, 3].map((i) => writer.add('blob', Buffer.from(`loose ${i}`)))
    expect(await writer.flush()).toEqual({ written: 3, packed: false })
    for (const oid of loose) expect(await repo.fs.exists(`/repo/.git/objects/${oid.slice(0, 2)}/${oid.slice(2)}`)).toBe(true)

    const contents = Array.from({ length: 20 }, (_, i) => Buffer.from(`packed ${i}\n`.repeat(i + 1)))
    const packed = contents.map((c) => writer.add('blob', c))
    writer.add('blob', Buffer.from('loose 1')) // already loose: not packed again
    expect(await writer.flush()).toEqual({ written: 20, packed: true })
    const packFiles = (await repo.fs.readdir('/repo/.git/objects/pack')) ?? []
    expect(packFiles.filter((n) => n.endsWith('.pack'))).toHaveLength(1)
    expect(packFiles.filter((n) => n.endsWith('.idx'))).toHaveLength(1)
    expect(packFiles.every((n) => /^pack-[0-9a-f]{40}\.(pack|idx)$/.test(n))).toBe(true)

    const cache = {}
    for (const [i, oid] of packed.entries()) {
      const read = await readObject(repo, oid, { cache })
      expect(read.type).toBe('blob')
      expect(read.content.equals(contents[i]!)).toBe(true)
    }
    expect((await readObject(repo, loose[0]!)).content.toString()).toBe('loose 1')
    expect(await hasObjects(repo, [...packed, ...loose])).toEqual(new Set([...packed, ...loose]))
  })
})

describe('readObject', () => {
  it('reads objects git wrote', async () => {
    const { repo, git, dir } = diskRepo()
    nodeFs.writeFileSync(join(dir, 'f.txt'), 'from git\n')
    git(['add', 'f.txt'])
    git(['commit', '-q', '-m', 'subject'])
    const commit = git(['rev-parse', 'HEAD']).toString().trim()
    const read = await readObject(repo, commit)
    expect(read.type).toBe('commit')
    expect(read.content.equals(git(['cat-file', 'commit', commit]))).toBe(true)
    const blob = await readObject(repo, git(['rev-parse', 'HEAD:f.txt']).toString().trim())
    expect(blob).toEqual({ type: 'blob', content: Buffer.from('from git\n') })
  })

  it('names the oid when the object is missing', async () => {
    const { repo } = diskRepo()
    const oid = missingOid('x')
    const err = await readObject(repo, oid).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MissingObjectError)
    expect(err).not.toBeInstanceOf(CorruptObjectError)
    expect((err as Error).message).toContain(oid)
    expect((err as MissingObjectError).data.oid).toBe(oid)
  })

  it('tells a missing object from a damaged one: a truncated loose object is corrupt, not absent', async () => {
    const { dir, repo, git } = diskRepo()
    const oid = git(['hash-object', '-w', '--stdin'], 'soon truncated\n'.repeat(50)).toString().trim()
    const file = join(dir, '.git/objects', oid.slice(0, 2), oid.slice(2))
    const whole = nodeFs.readFileSync(file)
    nodeFs.chmodSync(file, 0o644)
    nodeFs.writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)))
    const damaged = await readObject(repo, oid).catch((e: unknown) => e)
    expect(damaged).toBeInstanceOf(CorruptObjectError)
    expect((damaged as CorruptObjectError).code).toBe('CorruptObjectError')
    // A full commit id given as a revision: a damaged object is reported as damage, not as "unknown revision".
    await expect(resolveRevision(repo, oid)).rejects.toBeInstanceOf(CorruptObjectError)
    const missing = missingOid('revision')
    const unknown = await resolveRevision(repo, missing).catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(InvalidInputError)
    expect((unknown as Error).message).toContain(`unknown revision "${missing}"`)
  })
})

describe('readObject of loose objects', () => {
  it('reads what git wrote loose, and refuses a damaged one', async () => {
    const { dir, repo, git } = diskRepo()
    const oid = git(['hash-object', '-w', '--stdin'], 'loose content\n').toString().trim()
    const read = await readObject(repo, oid)
    expect(read.type).toBe('blob')
    expect(read.content.toString()).toBe('loose content\n')
    nodeFs.chmodSync(join(dir, '.git/objects', oid.slice(0, 2), oid.slice(2)), 0o644)
    nodeFs.writeFileSync(join(dir, '.git/objects', oid.slice(0, 2), oid.slice(2)), 'not zlib')
    await expect(readObject(repo, oid)).rejects.toThrow(`loose object ${oid} is not valid zlib data; run "git fsck"`)
  })
})
