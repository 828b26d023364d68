import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fsck, gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo

beforeEach(async () => {
  repo = makeRepo()
  expect((await gmrProcess(repo.dir, repo.env, ['init'])).code).toBe(0)
})
afterEach(() => repo.cleanup())

describe('processes logging to one artifact at once', () => {
  it.each([2, 4, 8])('%i writers: every version kept, numbers contiguous, no error', async (writers) => {
    const rounds = 3
    const folders = Array.from({ length: writers * rounds }, (_, i) => {
      const dir = join(repo.scratch, `w${i}`)
      repo.write(join(dir, 'model.bin'), `weights of writer ${i}`)
      return dir
    })
    // Each writer logs its folders one after another; the writers run side by side.
    const results = await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const out = []
        for (let r = 0; r < rounds; r++) {
          out.push(await gmrProcess(repo.dir, repo.env, ['log', 'shared', folders[w * rounds + r]!]))
        }
        return out
      }),
    )
    const flat = results.flat()
    for (const result of flat) {
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
    }
    const numbers = flat.map((r) => Number(/^shared:v(\d+)\n$/.exec(r.stdout)![1])).sort((a, b) => a - b)
    expect(numbers).toEqual(Array.from({ length: writers * rounds }, (_, i) => i))

    const subjects = repo.git('log', '--format=%s', 'artifacts/shared').trim().split('\n').reverse()
    expect(subjects).toEqual(numbers.map((n) => `shared v${n}`))
    const contents = new Set(
      repo.git('rev-list', 'artifacts/shared').trim().split('\n').map((c) => repo.git('show', `${c}:model.bin`)),
    )
    expect(contents).toEqual(new Set(folders.map((_, i) => `weights of writer ${i}`)))
    const lockFiles = fs.readdirSync(join(repo.dir, '.git/refs/heads/artifacts')).filter((n) => n.endsWith('.lock'))
    expect(lockFiles).toEqual([])
    fsck(repo)
  })
})
