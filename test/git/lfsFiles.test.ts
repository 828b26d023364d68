import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { findLfsFiles } from '../../src/git/lfsFiles.js'
import { toFileSystem, type GitDir } from '../../src/git/repo.js'
import { listTreeFiles } from '../../src/git/treeWalk.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
beforeEach(() => {
  repo = makeRepo()
})
afterEach(() => repo.cleanup())

const pointer = (i: number) => `version https://git-lfs.github.com/spec/v1\noid sha256:${i.toString(16).padStart(64, '0')}\nsize ${1000 + i}\n`

describe('the LFS files of a tree', () => {
  it('read in one git batch (many files) or one by one, the same pointers and the same malformed ones', async () => {
    fs.writeFileSync(join(repo.dir, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n')
    for (let i = 0; i < 130; i++) fs.writeFileSync(join(repo.dir, `f${i}.bin`), pointer(i))
    fs.writeFileSync(join(repo.dir, 'f7.bin'), pointer(3)) // the same blob twice
    fs.writeFileSync(join(repo.dir, 'bad.bin'), 'version https://git-lfs.github.com/spec/v1\noid sha256:nothex\nsize 1\n')
    fs.writeFileSync(join(repo.dir, 'plain.bin'), 'not a pointer at all')
    fs.writeFileSync(join(repo.dir, 'notes.txt'), pointer(999))
    repo.git('add', '-A')
    repo.git('commit', '-q', '-m', 'pointers')
    const tree = repo.git('rev-parse', 'HEAD^{tree}').trim()

    const inProcess: GitDir = { fs: toFileSystem(fs), gitdir: join(repo.dir, '.git') }
    const withGit: GitDir = { ...inProcess, binary: { env: repo.env } }
    const files = await listTreeFiles(inProcess, tree)
    const [one, batched] = [await findLfsFiles(inProcess, files), await findLfsFiles(withGit, files)]

    expect(one.pointers.size).toBe(130)
    expect(one.pointers.get('f7.bin')).toEqual({ oid: `${'0'.repeat(63)}3`, size: 1003 })
    expect([...one.malformed.keys()]).toEqual(['bad.bin'])
    expect(one.pointers.has('notes.txt')).toBe(false)
    expect([...batched.pointers]).toEqual([...one.pointers])
    expect([...batched.malformed]).toEqual([...one.malformed])
  })
})
