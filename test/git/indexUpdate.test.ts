import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readGitIndex } from '../../src/git/gitIndex.js'
import { stageWorkTree } from '../../src/git/indexUpdate.js'
import { openRepo, type Repo } from '../../src/git/repo.js'
import { fsck, makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let temp: TempRepo
let repo: Repo

beforeEach(async () => {
  temp = makeRepo()
  temp.write('a.txt', 'a\n')
  temp.write('dir/b.txt', 'b\n')
  temp.write('dir/sub/a-rather-long-file-name-to-compress.txt', 'c\n')
  temp.write('run.sh', '#!/bin/sh\n', 0o755)
  temp.git('add', '.')
  temp.git('commit', '-q', '-m', 'files')
  repo = await openRepo({ fs, dir: temp.dir })
})
afterEach(() => temp.cleanup())

describe('writing the index through index.lock', () => {
  it.each([2, 3, 4])('index version %i: stages exactly the given paths; git reads it and sees them clean', async (version) => {
    // The user's own staged and unstaged work, which must stay exactly as it is.
    temp.write('dir/user.txt', 'staged by the user\n')
    temp.git('add', 'dir/user.txt')
    temp.write('dir/b.txt', 'edited, not staged\n')
    temp.write('planned.txt', 'later\n')
    if (version >= 3) temp.git('add', '--intent-to-add', 'planned.txt')
    temp.git('update-index', '--index-version', String(version))
    const userEntries = temp.git('ls-files', '--stage', 'dir/user.txt', 'dir/b.txt', 'planned.txt')

    temp.write('dir/sub/a-rather-long-file-name-to-compress.txt', 'changed\n')
    temp.write('dir/sub/a-rather-long-file-name-too.txt', 'new\n', 0o755)
    fs.rmSync(join(temp.dir, 'a.txt'))
    await stageWorkTree(repo, ['dir/sub/a-rather-long-file-name-to-compress.txt', 'dir/sub/a-rather-long-file-name-too.txt', 'a.txt'])

    expect((await readGitIndex(repo))!.version).toBe(version)
    expect(temp.git('ls-files', '--stage', 'dir/user.txt', 'dir/b.txt', 'planned.txt')).toBe(userEntries)
    expect(temp.git('ls-files', '--stage', 'dir/sub')).toBe(
      [
        `100644 ${temp.git('hash-object', 'dir/sub/a-rather-long-file-name-to-compress.txt').trim()} 0\tdir/sub/a-rather-long-file-name-to-compress.txt`,
        `100755 ${temp.git('hash-object', 'dir/sub/a-rather-long-file-name-too.txt').trim()} 0\tdir/sub/a-rather-long-file-name-too.txt`,
        '',
      ].join('\n'),
    )
    const status = temp.git('status', '--porcelain').split('\n').filter(Boolean).sort()
    expect(status).toEqual(
      [
        'D  a.txt',
        ' M dir/b.txt',
        'M  dir/sub/a-rather-long-file-name-to-compress.txt',
        'A  dir/sub/a-rather-long-file-name-too.txt',
        'A  dir/user.txt',
        version >= 3 ? ' A planned.txt' : '?? planned.txt',
      ].sort(),
    )
    // Stat data as git records it: the staged files need no re-reading to be clean.
    expect(temp.git('diff-files', '--name-only')).toBe(version >= 3 ? 'dir/b.txt\nplanned.txt\n' : 'dir/b.txt\n')
    expect(fs.existsSync(join(temp.dir, '.git/index.lock'))).toBe(false)
    temp.git('commit', '-q', '-m', 'user commit')
    fsck(temp)
  })

  it('waits for a held index.lock, then fails with git\'s meaning and leaves the index as it was', async () => {
    const before = fs.readFileSync(join(temp.dir, '.git/index'))
    fs.writeFileSync(join(temp.dir, '.git/index.lock'), '')
    temp.write('a.txt', 'changed\n')
    await expect(stageWorkTree(repo, ['a.txt'])).rejects.toThrow(
      /index\.lock': File exists\. Another git process seems to be running in this repository/,
    )
    expect(fs.readFileSync(join(temp.dir, '.git/index')).equals(before)).toBe(true)
    expect(fs.existsSync(join(temp.dir, '.git/index.lock'))).toBe(true)
  })
})
