import { Volume } from 'memfs'
import { describe, expect, it } from 'vitest'
import { FileSystem, type FsClient } from '../../src/git/fs.js'
import { readOnlyFileSystem } from '../../src/git/readOnlyFileSystem.js'

// What a dry run plans on: every read as before, every write refused as a read-only disk refuses it.

describe('readOnlyFileSystem', () => {
  it('reads what is there and refuses every write, leaving the files as they were', async () => {
    const volume = Volume.fromJSON({ '/repo/a.txt': 'a\n', '/repo/dir/b.txt': 'b\n' })
    const fs = readOnlyFileSystem(new FileSystem(volume as unknown as FsClient))
    expect(await fs.readText('/repo/a.txt')).toBe('a\n')
    expect(await fs.readdir('/repo/dir')).toEqual(['b.txt'])
    expect(await fs.exists('/repo/missing')).toBe(false)
    const writes: Array<[string, () => Promise<unknown>]> = [
      ['writeAtomic', () => fs.writeAtomic('/repo/a.txt', 'x')],
      ['write', () => fs.write('/repo/new.txt', 'x')],
      ['append', () => fs.append('/repo/a.txt', 'x')],
      ['remove', () => fs.remove('/repo/a.txt')],
      ['rename', () => fs.rename('/repo/a.txt', '/repo/c.txt')],
      ['mkdirp', () => fs.mkdirp('/repo/new/dir')],
      ['openExclusive', () => fs.openExclusive('/repo/lock')],
      ['removeTree', () => fs.removeTree('/repo/dir')],
    ]
    for (const [name, write] of writes) {
      const error = await write().then(() => null, (e: unknown) => e)
      expect(error, name).toMatchObject({ code: 'StorageError', data: { code: 'EROFS' } })
    }
    expect(volume.toJSON()).toEqual({ '/repo/a.txt': 'a\n', '/repo/dir/b.txt': 'b\n' })
  })
})
