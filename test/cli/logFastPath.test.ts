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

  // What only a flag needs (the metadata file's parser, the alias edit and its soundness
  // check) is loaded when the flag is given: the program's log still does all of it.
  it('with --metadata-file and --alias the program logs, sets the alias and refuses an unsound manifest', async () => {
    const metrics = repo.write(join(repo.scratch, 'metrics.yaml'), 'accuracy: 0.93\neval:\n  f1: 0.8\n')
    repo.write(join(input, 'config.json'), '{"layers": 4}\n')
    expect(await fast('log', 'churn', input, '--metadata-file', metrics, '--alias', 'staging')).toEqual({ code: 0, stdout: 'churn:v1\n', stderr: '' })
    expect(git('log', '-1', '--format=%B', 'artifacts/churn')).toMatch(/^churn v1\n\nartifact: churn\nversion: 1\nmetadata:\n  accuracy: 0.93\n  eval:\n    f1: 0.8\nsource:\n/)
    expect(await fast('resolve', 'churn:staging')).toEqual({ code: 0, stdout: git('rev-parse', 'artifacts/churn'), stderr: '' })
    const bad = repo.write(join(repo.scratch, 'bad.yaml'), 'a: [\n')
    const refs = git('for-each-ref')
    expect(await fast('log', 'churn', input, '--metadata-file', bad)).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^error: [^\n]*bad\.yaml:2:1: [^\n]*; the metadata file must be JSON or YAML\n$/) })
    // A hand-edited alias that names no version: --alias refuses before anything is written.
    const manifest = join(repo.dir, 'registry', 'artifacts', 'churn.yaml')
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('staging: 1', 'staging: 9'))
    repo.write(join(input, 'config.json'), '{"layers": 5}\n')
    expect(await fast('log', 'churn', input, '--alias', 'production')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: registry/artifacts/churn.yaml:6:12: alias staging names v9, but churn has only v0 to v1; nothing was written\n',
    })
    expect(git('for-each-ref')).toBe(refs)
  })
})
