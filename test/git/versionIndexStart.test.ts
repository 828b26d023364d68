import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { toFileSystem, type GitDir } from '../../src/git/repo.js'
import { loadVersions } from '../../src/git/versionIndex.js'
import { startFirstWalk, stopWalk, type StartPlace } from '../../src/git/versionIndexStart.js'
import { appendVersions } from '../helpers/fastImport.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

// The walk `gmr versions` starts before the registry is opened (src/cli/lookupRun.ts): a
// guess that git will be asked for the whole chain. Whatever happens between the guess
// and the answer, the records are the ones an in-process walk makes, and git never
// outlives the command.

let repo: TempRepo
beforeEach(() => {
  repo = makeRepo()
})
afterEach(() => repo.cleanup())

const place = (): StartPlace => ({ fs, dir: repo.dir, env: repo.env })
const withGit = (): GitDir => ({ fs: toFileSystem(fs), gitdir: `${repo.dir}/.git`, binary: { env: repo.env } })
const inProcess = (): GitDir => ({ fs: toFileSystem(fs), gitdir: `${repo.dir}/.git` })
const indexFile = () => join(repo.dir, '.git/gmr/versions/a.ndjson')

function dropIndex(): void {
  fs.rmSync(join(repo.dir, '.git/gmr'), { recursive: true, force: true })
}

/** git processes still running on this repository (their command line names its git directory). */
function gitsRunningHere(): string[] {
  const mine = `--git-dir=${repo.dir}/.git`
  return fs.readdirSync('/proc').flatMap((pid) => {
    if (!/^\d+$/.test(pid)) return []
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      return args.includes(mine) ? [args.join(' ')] : []
    } catch {
      return []
    }
  })
}

describe('the walk started ahead', () => {
  it('is started only where no index is kept, for a branch that exists', async () => {
    const commits = appendVersions(repo, 'a', 0, 30, null)
    expect(await startFirstWalk(place(), 'missing')).toBeNull()
    expect(await startFirstWalk(place(), '../a')).toBeNull()
    const started = startFirstWalk(place(), 'a')
    expect(await started).toMatchObject({ gitdir: `${repo.dir}/.git`, tip: commits[29], stopAt: null })
    await stopWalk(started)
    // An index for another tip is extended in-process, and one of an older format rebuilt as before: nothing is started.
    await loadVersions(inProcess(), 'a')
    appendVersions(repo, 'a', 30, 2, commits[29]!)
    expect(await startFirstWalk(place(), 'a')).toBeNull()
    fs.writeFileSync(indexFile(), fs.readFileSync(indexFile(), 'utf8').replace('"format":3', '"format":2'))
    expect(await startFirstWalk(place(), 'a')).toBeNull()
    expect((await loadVersions(withGit(), 'a')).versions).toHaveLength(32)
    // A packed branch is read where git reads it.
    dropIndex()
    repo.git('pack-refs', '--all')
    expect(fs.existsSync(join(repo.dir, '.git/refs/heads/artifacts/a'))).toBe(false)
    const packed = startFirstWalk(place(), 'a')
    expect((await packed)?.tip).toBe(repo.git('rev-parse', 'artifacts/a').trim())
    await stopWalk(packed)
  })

  it('gives the records an in-process walk gives, and an index byte for byte the same', async () => {
    appendVersions(repo, 'a', 0, 600, null)
    const ours = await loadVersions(inProcess(), 'a')
    const bytes = fs.readFileSync(indexFile())
    dropIndex()
    const started = startFirstWalk(place(), 'a')
    expect(await loadVersions(withGit(), 'a', started)).toEqual(ours)
    await stopWalk(started)
    expect(fs.readFileSync(indexFile())).toEqual(bytes)
  })

  it('is not used when the branch moved, was rewritten or got an index after it started, and git is gone once stopped', async () => {
    const first = appendVersions(repo, 'a', 0, 3_000, null)
    for (const change of [
      // A plain-git commit on top.
      () => appendVersions(repo, 'a', 3_000, 1, first[2_999]!),
      // Force-pushed to a rewritten chain of as many versions.
      () => appendVersions(repo, 'a', 0, 3_000, null, { salt: 'rewritten' }),
      // Moved back.
      () => void repo.git('update-ref', 'refs/heads/artifacts/a', first[10]!),
      // Another gmr wrote the index meanwhile.
      async () => void (await loadVersions(inProcess(), 'a')),
    ]) {
      dropIndex()
      repo.git('update-ref', 'refs/heads/artifacts/a', first[2_999]!)
      const started = startFirstWalk(place(), 'a')
      expect(await started).not.toBeNull()
      await change()
      const answer = await loadVersions(withGit(), 'a', started)
      await stopWalk(started)
      expect(gitsRunningHere()).toEqual([])
      dropIndex()
      expect(answer).toEqual(await loadVersions(inProcess(), 'a'))
    }
  })

  it('is stopped unread: git is ended, not left writing into a pipe nobody reads', async () => {
    appendVersions(repo, 'a', 0, 3_000, null)
    const started = startFirstWalk(place(), 'a')
    expect(await started).not.toBeNull()
    await stopWalk(started)
    expect(gitsRunningHere()).toEqual([])
    expect(fs.existsSync(indexFile())).toBe(false)
  })

  it('falls back to the in-process walk when git cannot run', async () => {
    const commits = appendVersions(repo, 'a', 0, 300, null)
    const started = startFirstWalk({ ...place(), env: { ...repo.env, PATH: '/nonexistent' } }, 'a')
    const versions = await loadVersions(withGit(), 'a', started)
    await stopWalk(started)
    expect(versions.versions.map((v) => v.commit)).toEqual(commits)
  })
})
