import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { fsck, type TempRepo } from '../helpers/gitRepo.js'
import { gmrOk, linkedModelRepo } from '../helpers/linkedModel.js'

let repo: TempRepo
const MODEL = 'registry/models/m.yaml'
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)

const ok = (...args: string[]) => gmrOk(repo, ...args)

beforeEach(async () => {
  repo = await linkedModelRepo()
})
afterEach(() => repo.cleanup())

const REFUSED = `error: ${MODEL} has changes that are not committed; commit or stash them (git stash), or use --no-commit, and run again\n`

describe("the user's own uncommitted edits to a manifest", () => {
  it('are never committed by a registry edit: it refuses with one line naming the file and the fix', async () => {
    const head = repo.git('rev-parse', 'HEAD')
    const edited = `${repo.read(MODEL)}# a note of my own\n`
    repo.write(MODEL, edited)
    const result = await run('alias', 'set', 'm', 'staging', 'v0')
    expect(result).toEqual({ code: 1, stdout: '', stderr: REFUSED })
    expect(repo.read(MODEL)).toBe(edited)
    expect(repo.git('rev-parse', 'HEAD')).toBe(head)
    expect(repo.git('status', '--porcelain')).toBe(` M ${MODEL}\n`)
    expect(repo.git('for-each-ref', 'refs/aliases')).toBe('')

    // Staged, too.
    repo.git('add', MODEL)
    expect(await run('alias', 'set', 'm', 'staging', 'v0')).toEqual({ code: 1, stdout: '', stderr: REFUSED })
    expect(repo.git('status', '--porcelain')).toBe(`M  ${MODEL}\n`)

    // Once committed, the next edit keeps the note and commits only its own change.
    repo.git('commit', '-q', '-m', 'my note')
    await ok('alias', 'set', 'm', 'staging', 'v0')
    expect(repo.git('show', `HEAD:${MODEL}`)).toContain('# a note of my own')
    expect(repo.git('show', '--format=', '--stat', 'HEAD')).toContain(MODEL)
    expect(repo.git('status', '--porcelain')).toBe('')
    fsck(repo)
  })

  it('consecutive --no-commit edits keep working, and their result commits like any edit of the user', async () => {
    const head = repo.git('rev-parse', 'HEAD')
    await ok('tag', 'add', 'm', 'first', '--no-commit')
    await ok('tag', 'add', 'm', 'second', '--no-commit')
    await ok('alias', 'set', 'm', 'staging', 'v0', '--no-commit')
    expect(repo.git('rev-parse', 'HEAD')).toBe(head)
    const manifest = repo.read(MODEL)
    expect(manifest).toContain('- first')
    expect(manifest).toContain('- second')
    expect(manifest).toContain('staging: 0')
    // A committing edit on top of them refuses rather than sweeping them into its commit.
    expect((await run('tag', 'add', 'm', 'third')).stderr).toBe(REFUSED)
    repo.git('commit', '-q', '-am', 'registry proposal')
    await ok('tag', 'add', 'm', 'third')
    expect(repo.git('status', '--porcelain')).toBe('')
  })
})

describe('gmr check and an index that disagrees with HEAD', () => {
  it('reports a manifest staged older than HEAD and the work tree (MM), with the path and the fix', async () => {
    const old = repo.git('rev-parse', `HEAD:${MODEL}`).trim()
    await ok('alias', 'set', 'm', 'staging', 'v0')
    // What a gmr write killed between moving the branch and refreshing the index left.
    repo.git('update-index', '--cacheinfo', `100644,${old},${MODEL}`)
    expect(repo.git('status', '--porcelain')).toBe(`MM ${MODEL}\n`)
    const result = await run('check', '--no-lfs')
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(
      `${MODEL}:1:1: error: the index holds an older version than HEAD and the work tree (left by an interrupted write), so the next "git commit" would revert it; run "git restore --staged ${MODEL}"`,
    )
    repo.git('restore', '--staged', MODEL)
    expect((await run('check', '--no-lfs')).code).toBe(0)
    expect(repo.git('status', '--porcelain')).toBe('')
  })

  it('reports a committed manifest missing from the index (D and ??)', async () => {
    repo.git('rm', '-q', '--cached', MODEL)
    const result = await run('check', '--no-lfs')
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(`the index does not list it, unlike HEAD and the work tree`)
    expect(result.stdout).toContain(`would delete it; run "git restore --staged ${MODEL}"`)
  })

  it('leaves the user\'s ordinary staged and unstaged edits alone', async () => {
    repo.write(MODEL, `${repo.read(MODEL)}# note\n`)
    expect((await run('check', '--no-lfs')).code).toBe(0)
    repo.git('add', MODEL)
    expect((await run('check', '--no-lfs')).code).toBe(0)
  })
})
