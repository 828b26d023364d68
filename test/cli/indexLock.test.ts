import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { fsck, gitAsync, gmrProcess, type ProcessResult, type TempRepo } from '../helpers/gitRepo.js'
import { gmrOk, linkedModelRepo } from '../helpers/linkedModel.js'

let repo: TempRepo
const MODEL = 'registry/models/m.yaml'

const ok = (...args: string[]) => gmrOk(repo, ...args)

beforeEach(async () => {
  repo = await linkedModelRepo()
})
afterEach(() => repo.cleanup())

describe('gmr and plain git sharing .git/index', () => {
  it('40 concurrent alias set beside a loop of git ls-files and git status: nobody fails, no update lost', async () => {
    // A project of a few thousand files: an index rewritten in place is empty or short for longer.
    for (let i = 0; i < 300; i++) repo.write(`src/file-${i}.txt`, `${i}\n`)
    repo.git('add', 'src')
    repo.git('commit', '-q', '-m', 'a bigger project')
    let done = false
    const gitRuns: ProcessResult[] = []
    // Two loops of plain git readers: ls-files reads the index as it is, status also refreshes it under index.lock.
    const reader = async (args: string[]) => {
      while (!done) gitRuns.push(await gitAsync(repo.dir, repo.env, args))
    }
    const readers = Promise.all([reader(['ls-files', '--stage']), reader(['status', '--porcelain'])])
    const writers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => gmrProcess(repo.dir, repo.env, ['alias', 'set', 'm', `a${i}`, 'v0'])),
    )
    done = true
    await readers
    expect(gitRuns.length).toBeGreaterThan(10)
    for (const result of gitRuns) expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' })
    for (const result of writers) expect(result.code, result.stderr).toBe(0)
    const manifest = repo.git('show', `HEAD:${MODEL}`)
    for (let i = 0; i < 40; i++) expect(manifest).toContain(`a${i}: 0`)
    expect(repo.git('status', '--porcelain')).toBe('')
    expect(fs.existsSync(join(repo.dir, '.git/index.lock'))).toBe(false)
    fsck(repo)
  }, 180_000)

  it('an index.lock another git process holds: the edit fails with git\'s meaning and nothing changes', async () => {
    const head = repo.git('rev-parse', 'HEAD')
    const before = repo.read(MODEL)
    fs.writeFileSync(join(repo.dir, '.git/index.lock'), '')
    const result = await gmr(repo.dir, repo.env, ['alias', 'set', 'm', 'staging', 'v0'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: Unable to create '.*\/\.git\/index\.lock': File exists\. Another git process seems to be running/)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(repo.git('rev-parse', 'HEAD')).toBe(head)
    expect(repo.read(MODEL)).toBe(before)
    expect(fs.existsSync(join(repo.dir, '.git/index.lock'))).toBe(true)
    expect(fs.existsSync(join(repo.dir, '.git/gmr/edit.json'))).toBe(false)
    fs.rmSync(join(repo.dir, '.git/index.lock'))
    expect(repo.git('status', '--porcelain')).toBe('')
    await ok('alias', 'set', 'm', 'staging', 'v0')
  })
})
