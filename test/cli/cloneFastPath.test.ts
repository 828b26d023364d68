import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cloneCommand } from '../../src/cli/cloneCommand.js'
import { gmr } from '../helpers/cli.js'
import { HEAVY_IN_BUNDLE, ranMatching, recordedRun } from '../helpers/bundleCoverage.js'
import { gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'

// `gmr clone <url> [dir]` runs from a bundle file of its own (src/cli/cloneRun.ts), so
// that git's clone starts before the commander program would have loaded: the clone it
// makes, what it prints and how it fails must be the program's.

describe('which command lines take the clone fast path', () => {
  it.each([
    [['clone', 'https://h/r.git'], { url: 'https://h/r.git', json: false }],
    [['clone', 'https://h/r.git', 'dir'], { url: 'https://h/r.git', dir: 'dir', json: false }],
    [['clone', 'https://h/r.git', 'dir', '--json'], { url: 'https://h/r.git', dir: 'dir', json: true }],
    [['clone', '--json', 'git@h:r.git'], { url: 'git@h:r.git', json: true }],
  ])('%j runs without the program', (argv, expected) => {
    expect(cloneCommand(argv)).toEqual(expected)
  })

  it.each([
    [['clone']],
    [['clone', '--', '--upload-pack=touch pwned', 'x']],
    [['clone', '-h']],
    [['clone', 'u', 'd', 'extra']],
    [['clone', 'u', '--json', '--json']],
    [['clone', 'u', '--debug']],
    [['-C', 'x', 'clone', 'u']],
    [['clone', '']],
    [['fetch', 'u']],
  ])('%j goes through the program (which owns usage messages)', (argv) => {
    expect(cloneCommand(argv)).toBeNull()
  })
})

describe('gmr clone through the built binary', () => {
  let repo: TempRepo
  let origin: string
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: repo.env, encoding: 'utf8' })

  beforeAll(async () => {
    repo = makeRepo()
    const input = join(repo.scratch, 'in')
    fs.mkdirSync(input)
    for (const [i, args] of [['init'], ['log', 'churn', input], ['log', 'churn', input], ['log', 'other', input], ['model', 'create', 'm'], ['link', 'churn:v1', 'm', '--alias', 'staging']].entries()) {
      fs.writeFileSync(join(input, 'model.txt'), `weights ${i}\n`)
      const result = await gmr(repo.dir, repo.env, args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    }
    origin = join(repo.scratch, 'origin.git')
    git(repo.scratch, 'clone', '-q', '--bare', repo.dir, origin)
    git(repo.dir, 'push', '-q', origin, 'refs/aliases/*:refs/aliases/*', 'refs/gmr/ledger:refs/gmr/ledger')
  })
  afterAll(() => repo.cleanup())

  const refsOf = (dir: string) => git(dir, 'for-each-ref', '--format=%(objectname) %(refname)')
  const fetchSpecs = (dir: string) => git(dir, 'config', '--get-all', 'remote.origin.fetch')

  it('makes the clone the program makes: same output, refs, config and work tree', async () => {
    const fast = await gmrProcess(repo.scratch, repo.env, ['clone', origin, 'fast'])
    const program = await gmr(repo.scratch, repo.env, ['clone', origin, 'program'])
    expect(program.code, program.stderr).toBe(0)
    expect(fast).toMatchObject({ code: 0, stderr: '' })
    expect(fast.stdout).toBe(program.stdout.replace('/program ', '/fast '))
    expect(fast.stdout).toBe(`cloned into ${join(repo.scratch, 'fast')} (registry branch main, 2 artifacts, 1 alias refs)\n`)
    const [a, b] = [join(repo.scratch, 'fast'), join(repo.scratch, 'program')]
    expect(refsOf(a)).toBe(refsOf(b))
    expect(refsOf(a)).toContain(' refs/heads/artifacts/churn\n')
    expect(refsOf(a)).toContain(' refs/gmr/ledger\n')
    expect(fetchSpecs(a)).toBe(fetchSpecs(b))
    expect(git(a, 'status', '--porcelain')).toBe('')
    git(a, 'fsck', '--strict', '--no-progress')
    const json = await gmrProcess(repo.scratch, repo.env, ['clone', origin, 'as-json', '--json'])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({
      dir: join(repo.scratch, 'as-json'),
      registryBranch: 'main',
      artifactCount: 2,
      artifacts: ['churn', 'other'],
      aliasRefCount: 1,
    })
  })

  it('runs no program, no commander, no YAML library and no isomorphic-git', async () => {
    const { result, ran } = await recordedRun(repo.scratch, repo.env, ['clone', origin, 'recorded'])
    expect(result.code, result.stderr).toBe(0)
    expect([...ran.keys()].sort()).toEqual(['cloneRun.cjs', 'main.cjs'])
    expect(ranMatching(ran, HEAVY_IN_BUNDLE)).toEqual([])
  })

  it('fails as the program does: one line or one JSON object, exit 1, no folder left', async () => {
    const missing = await gmrProcess(repo.scratch, repo.env, ['clone', join(repo.scratch, 'nope.git'), 'none'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^error: cannot clone .*nope\.git: no repository there; check the URL\n$/)
    expect(fs.existsSync(join(repo.scratch, 'none'))).toBe(false)
    const json = await gmrProcess(repo.scratch, repo.env, ['clone', origin, 'fast', '--json'])
    expect(json.code).toBe(1)
    expect(json.stdout).toBe('')
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'InvalidInputError' } })
    const hostile = await gmrProcess(repo.scratch, repo.env, ['clone', 'ext::sh -c touch% pwned', 'evil'])
    expect(hostile.code).toBe(1)
    expect(hostile.stderr).toMatch(/^error: refusing remote URL "ext::sh -c touch% pwned": transport "ext::" is not allowed/)
    expect(fs.existsSync(join(repo.scratch, 'pwned'))).toBe(false)
    expect(fs.existsSync(join(repo.scratch, 'evil'))).toBe(false)
  })
})

describe('registry.yaml in a fresh clone', () => {
  let repo: TempRepo
  beforeAll(async () => {
    repo = makeRepo()
    expect((await gmr(repo.dir, repo.env, ['init'])).code).toBe(0)
  })
  afterAll(() => repo.cleanup())

  /** Commit `text` as registry.yaml on a registry branch named `branch` and clone it. */
  async function cloneWith(text: string, name: string) {
    repo.write('registry/registry.yaml', text)
    repo.git('commit', '-qam', `registry.yaml for ${name}`)
    return gmrProcess(repo.scratch, repo.env, ['clone', repo.dir, name])
  }

  it('a file the quick reader is unsure of is read by the full parser', async () => {
    // A quoted scalar with an escape and a flow map: outside the plain reader's subset.
    const result = await cloneWith('formatVersion: 2\nregistryBranch: "ma\\x69n"\nretention: { keepLast: 3 }\n', 'escaped')
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toContain('(registry branch main,')
  })

  it('an invalid file fails the clone with the parser\'s line and leaves no folder', async () => {
    const result = await cloneWith('formatVersion: 2\nregistryBranch: main\nunknownSetting: 1\n', 'invalid')
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: registry\/registry\.yaml.*unknownSetting/)
    expect(fs.existsSync(join(repo.scratch, 'invalid'))).toBe(false)
  })
})
