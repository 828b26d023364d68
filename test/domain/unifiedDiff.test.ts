import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unifiedDiff } from '../../src/domain/unifiedDiff.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

// The dry run's diff is checked the way a user would: `git apply` must turn the old text
// into the new one, and on a simple edit the hunks are the ones git diff prints.

const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => `${f(i)}\n`).join('')

const CASES: Array<[string, string | null, string | null]> = [
  ['one line changed in the middle', lines(20, (i) => `line ${i}`), lines(20, (i) => (i === 10 ? 'changed' : `line ${i}`))],
  ['added at the end', 'a\nb\n', 'a\nb\nc\nd\n'],
  ['removed at the start', 'a\nb\nc\nd\n', 'c\nd\n'],
  ['two changes far apart: two hunks', lines(40, (i) => `l${i}`), lines(40, (i) => (i === 2 || i === 35 ? `x${i}` : `l${i}`))],
  ['two changes close together: one hunk', lines(40, (i) => `l${i}`), lines(40, (i) => (i === 10 || i === 15 ? `x${i}` : `l${i}`))],
  ['interleaved', 'a\nb\nc\nd\ne\nf\n', 'a\nx\nc\ny\ne\nz\nf\n'],
  ['no final newline before', 'a\nb', 'a\nb\nc\n'],
  ['no final newline after', 'a\nb\n', 'a\nc'],
  ['everything replaced', 'one\ntwo\n', 'three\nfour\nfive\n'],
  ['repeated lines', 'x\nx\ny\nx\nx\n', 'x\ny\nx\nx\ny\nx\n'],
  ['a new file', null, 'name: churn\ntype: model\n'],
  ['a deleted file', 'name: churn\ntype: model\n', null],
]

describe('unifiedDiff', () => {
  let repo: TempRepo
  beforeAll(() => {
    repo = makeRepo()
  })
  afterAll(() => repo.cleanup())

  for (const [name, before, after] of CASES) {
    it(`git apply takes it: ${name}`, () => {
      const path = 'registry/file.yaml'
      const full = join(repo.dir, path)
      fs.rmSync(full, { force: true })
      if (before !== null) repo.write(path, before)
      const patch = unifiedDiff(path, before, after)
      execFileSync('git', ['apply', '--unidiff-zero', '-'], { cwd: repo.dir, env: repo.env, input: patch })
      expect(fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : null).toBe(after)
    })
  }

  it('prints the hunks git diff prints for a one-line change', () => {
    const before = lines(20, (i) => `line ${i}`)
    const after = lines(20, (i) => (i === 10 ? 'changed' : `line ${i}`))
    repo.write('a.txt', before)
    repo.write('b.txt', after)
    let gitDiff = ''
    try {
      execFileSync('git', ['diff', '--no-index', '--no-color', 'a.txt', 'b.txt'], { cwd: repo.dir, env: repo.env, encoding: 'utf8' })
    } catch (err) {
      gitDiff = (err as { stdout: string }).stdout
    }
    // git appends the enclosing "function" to a hunk header; the ranges are what count.
    const hunks = (text: string) => text.slice(text.indexOf('@@')).replace(/^(@@ [^@]+ @@).*$/gm, '$1')
    expect(hunks(unifiedDiff('x', before, after))).toBe(hunks(gitDiff))
  })

  it('equal texts have no diff', () => {
    expect(unifiedDiff('x', 'a\n', 'a\n')).toBe('')
    expect(unifiedDiff('x', null, null)).toBe('')
  })
})
