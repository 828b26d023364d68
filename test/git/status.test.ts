import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readGitIndex } from '../../src/git/gitIndex.js'
import { openRepo, type Repo } from '../../src/git/repo.js'
import { isWorkTreeDirty } from '../../src/git/status.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let temp: TempRepo
let repo: Repo

beforeEach(async () => {
  temp = makeRepo()
  temp.write('src/a.txt', 'a\n')
  temp.write('run.sh', '#!/bin/sh\n', 0o755)
  fs.symlinkSync('src/a.txt', join(temp.dir, 'link'))
  temp.git('add', '.')
  temp.git('commit', '-q', '-m', 'files')
  repo = await openRepo({ fs, dir: temp.dir })
})
afterEach(() => temp.cleanup())

/** Run `check` and assert the index file was not rewritten by it. */
async function dirty(): Promise<boolean> {
  const before = fs.readFileSync(join(temp.dir, '.git/index'))
  const result = await isWorkTreeDirty(repo)
  expect(fs.readFileSync(join(temp.dir, '.git/index')).equals(before)).toBe(true)
  return result
}

describe('reading the index', () => {
  it.each([2, 3, 4])('reads index version %i as git lists it', async (version) => {
    temp.write('deep/er/path/with-a-long-name.txt', 'x')
    temp.git('add', '.')
    temp.write('planned.txt', 'later')
    // Intent-to-add needs the extended flags of version 3 and later.
    if (version >= 3) temp.git('add', '--intent-to-add', 'planned.txt')
    temp.git('update-index', '--index-version', String(version))
    const index = await readGitIndex(repo)
    expect(index!.version).toBe(version)
    const listed = temp.git('ls-files', '-s').trim().split('\n')
    expect(index!.entries.map((e) => `${e.mode.toString(8)} ${e.oid} ${e.stage}\t${e.path}`)).toEqual(listed)
    if (version >= 3) expect(index!.entries.find((e) => e.path === 'planned.txt')!.intentToAdd).toBe(true)
  })
})

describe('dirty detection, read-only', () => {
  it('a clean checkout, and one with only untracked files, is clean', async () => {
    expect(await dirty()).toBe(false)
    temp.write('untracked.txt', 'new')
    expect(await dirty()).toBe(false)
  })

  it('an unstaged edit, even of the same size written in the same second, is dirty', async () => {
    temp.write('src/a.txt', 'b\n')
    expect(await dirty()).toBe(true)
  })

  it('staged changes, deletions and mode changes are dirty', async () => {
    temp.write('new.txt', 'n')
    temp.git('add', 'new.txt')
    expect(await dirty()).toBe(true)
    temp.git('reset', '-q')
    fs.rmSync(join(temp.dir, 'new.txt'))
    expect(await dirty()).toBe(false)
    fs.chmodSync(join(temp.dir, 'run.sh'), 0o644)
    expect(await dirty()).toBe(true)
    fs.chmodSync(join(temp.dir, 'run.sh'), 0o755)
    fs.rmSync(join(temp.dir, 'link'))
    expect(await dirty()).toBe(true)
  })

  it('agrees with git after the index is refreshed', async () => {
    temp.write('src/a.txt', 'a\n') // same content rewritten: stat differs, content does not
    expect(await dirty()).toBe(false)
    temp.git('update-index', '--refresh')
    expect(await dirty()).toBe(false)
  })
})
