import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitAttributes } from '../../src/domain/gitattributes.js'
import { pathFilter } from '../../src/domain/glob.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

const paths = ['model.bin', 'config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt', 'weights/a/shard-1.bin', 'weights/b.bin']
const pick = (...patterns: string[]) => paths.filter(pathFilter(patterns))

describe('--include globs', () => {
  it('matches names at any depth when the pattern has no slash', () => {
    expect(pick('*.json')).toEqual(['config.json', 'tokenizer/vocab.json'])
    expect(pick('shard-?.bin')).toEqual(['weights/a/shard-1.bin'])
  })
  it('anchors patterns with a slash and keeps * inside one segment', () => {
    expect(pick('weights/*.bin')).toEqual(['weights/b.bin'])
    expect(pick('weights/**/*.bin')).toEqual(['weights/a/shard-1.bin', 'weights/b.bin'])
    expect(pick('/model.bin')).toEqual(['model.bin'])
  })
  it('includes everything below a named folder', () => {
    expect(pick('tokenizer')).toEqual(['tokenizer/vocab.json', 'tokenizer/merges.txt'])
    expect(pick('weights/')).toEqual(['weights/a/shard-1.bin', 'weights/b.bin'])
  })
  it('supports classes, ** alone, and treats regex characters literally', () => {
    expect(pick('[mc]*.*')).toEqual(['model.bin', 'config.json', 'tokenizer/merges.txt'])
    expect(pick('[!m]*.bin')).toEqual(['weights/a/shard-1.bin', 'weights/b.bin'])
    expect(pick('**')).toEqual(paths)
    expect(pathFilter(['a+b.(x)'])('a+b.(x)')).toBe(true)
    expect(pathFilter(['a+b.(x)'])('aab.(x)')).toBe(false)
  })
  it('no pattern means every file', () => {
    expect(pick()).toEqual(paths)
  })
  it('reads patterns as gitignore does (issue 13: these three differed from git)', () => {
    expect(pathFilter(['data/'])('sub/data/file')).toBe(true)
    expect(pathFilter(['\\*.txt'])('*.txt')).toBe(true)
    expect(pathFilter(['\\*.txt'])('a.txt')).toBe(false)
    expect(pathFilter(['[[:digit:]]*.bin'])('7.bin')).toBe(true)
    expect(pathFilter(['[[:digit:]]*.bin'])('x.bin')).toBe(false)
  })
  it('a later !pattern takes back what an earlier one picked', () => {
    expect(pick('*.json', '!tokenizer/*.json')).toEqual(['config.json'])
  })
})

/**
 * One table of patterns and paths, asked of real git: `git check-ignore --no-index`
 * for --include (a pattern list read as one .gitignore at the top) and `git check-attr`
 * for .gitattributes (a single pattern line setting an attribute). gmr must agree with
 * git on every row.
 */
const TABLE: Array<[patterns: string[], paths: string[]]> = [
  [['*.json'], ['config.json', 'tokenizer/vocab.json', 'json', 'a.json/x']],
  [['data/'], ['data/file', 'sub/data/file', 'data', 'database/file', 'sub/data']],
  [['data'], ['data', 'data/file', 'sub/data/file', 'sub/database']],
  [['/data'], ['data/file', 'sub/data/file', 'data']],
  [['sub/data'], ['sub/data/file', 'x/sub/data/file', 'sub/data']],
  [['\\*.txt'], ['*.txt', 'a.txt', 'd/*.txt']],
  [['[[:digit:]]*.bin'], ['7.bin', '12.bin', 'x.bin', 'w/3.bin']],
  [['[[:alpha:]][[:upper:]]'], ['aB', 'ab', 'A1', 'x/zZ']],
  [['w/**/*.bin'], ['w/a.bin', 'w/x/y/a.bin', 'a/w/b.bin', 'w/a.binx']],
  [['**/logs'], ['logs/a', 'x/logs/b', 'x/y/logs', 'xlogs/a']],
  [['**/logs/**'], ['logs/a', 'x/logs/b/c', 'logs']],
  [['a/**'], ['a/b', 'a/b/c', 'a', 'b/a/c']],
  [['a?c'], ['abc', 'a/c', 'xabc', 'd/axc']],
  [['[!m]*.bin'], ['model.bin', 'n.bin', 'd/m.bin', 'd/x.bin']],
  [['[a-c]x'], ['bx', 'dx', '-x']],
  [['\\[x\\]'], ['[x]', 'x']],
  [['a\\?c'], ['a?c', 'abc']],
  [['*'], ['a', 'd/e/f']],
  [['**'], ['a', 'd/e/f']],
  [['weights/*.bin'], ['weights/b.bin', 'weights/a/shard.bin', 'x/weights/b.bin']],
  [['*.bin', '!keep.bin'], ['a.bin', 'keep.bin', 'd/keep.bin']],
  [['d/', '!d/keep'], ['d/a', 'd/keep']],
  [['a+b.(x)'], ['a+b.(x)', 'aab.(x)']],
  [['*.bin/'], ['m.bin/part', 'm.bin']],
  [['sp ace.bin'], ['sp ace.bin', 'd/sp ace.bin']],
]

describe('the one glob engine agrees with git', () => {
  let repo: TempRepo
  beforeAll(() => {
    repo = makeRepo({ empty: true })
  })
  afterAll(() => repo.cleanup())

  const git = (args: string[], input: string) => spawnSync('git', args, { cwd: repo.dir, env: repo.env, input, encoding: 'utf8' })

  it('--include matches what git check-ignore --no-index says a .gitignore of the same patterns ignores', () => {
    const disagreements: string[] = []
    let rows = 0
    for (const [patterns, rowPaths] of TABLE) {
      fs.writeFileSync(join(repo.dir, '.gitignore'), `${patterns.join('\n')}\n`)
      const run = git(['check-ignore', '--no-index', '--stdin', '-z'], rowPaths.map((p) => `${p}\0`).join(''))
      expect(run.status === 0 || run.status === 1, run.stderr).toBe(true)
      const ignored = new Set(run.stdout.split('\0').filter(Boolean))
      const ours = pathFilter(patterns)
      for (const path of rowPaths) {
        rows++
        if (ours(path) !== ignored.has(path)) disagreements.push(`${patterns.join(' ')} on ${path}: git ${ignored.has(path)}, gmr ${ours(path)}`)
      }
    }
    expect(disagreements).toEqual([])
    expect(rows).toBeGreaterThanOrEqual(40)
  })

  it('.gitattributes patterns match what git check-attr says, on the same table', () => {
    const disagreements: string[] = []
    for (const [patterns, rowPaths] of TABLE) {
      const text = patterns.map((p) => `${p.includes(' ') ? `"${p}"` : p} filter=x`).join('\n')
      fs.writeFileSync(join(repo.dir, '.gitattributes'), `${text}\n`)
      const run = git(['check-attr', '--stdin', '-z', 'filter'], rowPaths.map((p) => `${p}\0`).join(''))
      expect(run.status, run.stderr).toBe(0)
      const fields = run.stdout.split('\0')
      const theirs = new Map<string, string>()
      for (let i = 0; i + 2 < fields.length; i += 3) theirs.set(fields[i]!, fields[i + 2]!)
      const attributes = new GitAttributes([{ dir: '', text }])
      for (const path of rowPaths) {
        const ours = attributes.get(path, 'filter') === 'x' ? 'x' : 'unspecified'
        if (ours !== theirs.get(path)) disagreements.push(`${patterns.join(' ')} on ${path}: git ${theirs.get(path)}, gmr ${ours}`)
      }
    }
    expect(disagreements).toEqual([])
  })
})
