import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { logCommand } from '../../src/cli/logCommand.js'
import { gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { bytes, MiB, sha256 } from '../helpers/lfs.js'

// `gmr log <artifact> <path>...` with no flag runs from a bundle file of its own
// (src/cli/logRun.ts), so that hashing starts right after node does: what it records,
// prints and how it fails must be the program's. `-C <dir>` sends the same command line
// through the program.

describe('which command lines take the log fast path', () => {
  it.each([
    [['log', 'churn', 'model'], { artifact: 'churn', paths: ['model'], line: 'L' }],
    [['log', 'churn', 'a.bin', 'b/'], { artifact: 'churn', paths: ['a.bin', 'b/'], line: 'L' }],
  ])('%j runs without the program', (argv, expected) => {
    expect(logCommand(argv, 'L')).toEqual(expected)
  })

  it.each([
    [['log']],
    [['log', 'churn']],
    [['log', 'churn', 'model', '-m', 'retrained']],
    [['log', 'churn', 'model', '--json']],
    [['log', 'churn', 'model', '--alias', 'staging']],
    [['log', 'churn', 'model', '--dry-run']],
    [['log', '--', 'churn', 'model']],
    [['log', 'churn', '--', '-model']],
    [['log', '-h']],
    [['log', 'churn', '']],
    [['-C', 'x', 'log', 'churn', 'model']],
    [['download', 'churn', 'model']],
  ])('%j goes through the program (which owns usage messages)', (argv) => {
    expect(logCommand(argv, 'L')).toBeNull()
  })
})

describe('gmr log through the built binary', () => {
  let repo: TempRepo
  const weights = bytes(2 * MiB, 11)
  let input: string
  const fast = (...args: string[]) => gmrProcess(repo.dir, repo.env, args)
  const program = (...args: string[]) => gmrProcess(repo.scratch, repo.env, ['-C', repo.dir, ...args])
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.dir, env: repo.env, encoding: 'utf8' })

  beforeAll(async () => {
    repo = makeRepo()
    input = join(repo.scratch, 'in')
    repo.write(join(input, 'weights.bin'), weights)
    repo.write(join(input, 'config.json'), '{"layers": 3}\n')
    expect((await fast('init')).code).toBe(0)
  })
  afterAll(() => repo.cleanup())

  it('records what the program records and prints the same line', async () => {
    expect(await fast('log', 'churn', input)).toEqual({ code: 0, stdout: 'churn:v0\n', stderr: '' })
    expect(await program('log', 'other', input)).toEqual({ code: 0, stdout: 'other:v0\n', stderr: '' })
    // The same files make the same tree, whichever path wrote it.
    expect(git('rev-parse', 'artifacts/churn^{tree}')).toBe(git('rev-parse', 'artifacts/other^{tree}'))
    expect(await fast('log', 'churn', input)).toEqual({ code: 0, stdout: 'churn:v0 (unchanged)\n', stderr: '' })
    const object = join(repo.dir, '.git/lfs/objects', sha256(weights).slice(0, 2), sha256(weights).slice(2, 4), sha256(weights))
    expect(sha256(fs.readFileSync(object))).toBe(sha256(weights))
    git('fsck', '--strict')
    expect(git('status', '--porcelain')).toBe('')
  })

  it('fails as the program fails: one line, exit 1, nothing written', async () => {
    const refs = git('for-each-ref')
    const missing = await fast('log', 'churn', join(repo.scratch, 'nothing-here'))
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toMatch(/^error: [^\n]*nothing-here[^\n]*\n$/)
    expect(await program('log', 'churn', join(repo.scratch, 'nothing-here'))).toEqual(missing)
    const badName = await fast('log', 'no..dots', input)
    expect(badName.code).toBe(1)
    expect(await program('log', 'no..dots', input)).toEqual(badName)
    expect(git('for-each-ref')).toBe(refs)
  })
})
