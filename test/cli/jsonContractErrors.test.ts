import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { expectValid } from '../helpers/jsonSchemas.js'

// Under --json every failure — usage errors included — is exactly one error object on
// stderr, with the exit code the text form has, and the repository is left as it was.

type Case = [args: string[], exit: 1 | 2, code?: string]

describe('errors under --json', () => {
  let repo: TempRepo
  let model: string
  const state = () => [repo.git('for-each-ref'), repo.git('status', '--porcelain', '--ignored'), repo.git('stash', 'list')].join('\n')

  beforeAll(async () => {
    repo = makeRepo()
    model = join(repo.scratch, 'model.txt')
    fs.writeFileSync(model, 'weights\n')
    fs.mkdirSync(join(repo.scratch, 'full'))
    fs.writeFileSync(join(repo.scratch, 'full', 'other.txt'), 'not ours\n')
    for (const args of [['init'], ['log', 'churn', model], ['model', 'create', 'churn-model'], ['link', 'churn:v0', 'churn-model', '--alias', 'staging']]) {
      expect((await gmr(repo.dir, repo.env, args)).code).toBe(0)
    }
  })
  afterAll(() => repo.cleanup())

  const cases: Case[] = [
    [['nosuchcommand'], 2, 'UsageError'],
    [['versions', '--bogus'], 2, 'UsageError'],
    [['log', 'churn'], 2, 'UsageError'],
    [['log', 'churn', 'MODEL', '-m', ' '], 2, 'UsageError'],
    [['log', 'churn', 'MODEL', '--large-file-threshold', 'lots'], 2, 'UsageError'],
    [['show'], 2, 'UsageError'],
    [['alias'], 2, 'UsageError'],
    [['help', 'nosuch'], 2, 'UsageError'],
    [['site'], 2, 'UsageError'],
    [['check', '--format', 'yaml'], 2, 'UsageError'],
    [['serve', '--port', 'x'], 2, 'UsageError'],
    [['init'], 1],
    [['log', 'churn', '/no/such/path'], 1],
    [['log', 'Bad Name', 'MODEL'], 1, 'InvalidNameError'],
    [['artifact', 'create', 'churn-model'], 1, 'NameTakenError'],
    [['model', 'create', 'churn-model'], 1, 'NameTakenError'],
    [['link', 'churn:v9', 'churn-model'], 1],
    [['unlink', 'churn-model:v9'], 1],
    [['unlink', 'churn-model:v0'], 1],
    [['alias', 'set', 'churn-model', 'production', 'v0'], 1, 'ProtectedAliasError'],
    [['alias', 'set', 'churn-model', 'best', 'v9'], 1],
    [['alias', 'rm', 'churn-model', 'nope'], 1],
    [['tag', 'add', 'nomodel', 'vision'], 1, 'UnknownNameError'],
    [['tag', 'add', 'churn-model', 'Not A Tag'], 1],
    [['versions', 'nothing'], 1, 'UnknownNameError'],
    [['resolve', 'nothing'], 1, 'UnknownNameError'],
    [['resolve', 'churn:v0', '--at', 'yesterday-ish'], 1],
    [['show', 'churn:v9'], 1],
    [['aliases', 'nothing'], 1, 'UnknownNameError'],
    [['history', 'nothing'], 1, 'UnknownNameError'],
    [['download', 'churn:v9'], 1],
    [['download', 'churn:v0', '--to', 'FULL'], 1, 'TargetNotEmptyError'],
    [['download', 'churn:v0', '--include', '*.onnx'], 1],
    [['download', 'ftp://127.0.0.1:9/models.git#churn:v0'], 1],
    [['manifest', 'churn:v9'], 1],
    [['check', '--rev', 'no-such-rev'], 1],
    [['diff', 'no-such-rev'], 1],
    [['verify', 'churn:v9'], 1],
    [['site', '--out', 'MODEL'], 1],
    [['clone', '/no/such/registry.git', 'CLONE'], 1],
    [['fetch', 'nosuchremote'], 1],
    [['pull', 'nosuchremote'], 1],
    [['push', 'nosuchremote'], 1],
    [['--timeout', 'soon', 'versions', 'churn'], 1],
  ]

  it('every failing invocation prints exactly one error object on stderr, nothing on stdout, and changes nothing', async () => {
    const before = state()
    const fill = (arg: string) =>
      ({ MODEL: model, FULL: join(repo.scratch, 'full'), CLONE: join(repo.scratch, 'clone') })[arg] ?? arg
    for (const [args, exit, code] of cases) {
      for (const flags of [['--json'], ['-q', '--json']]) {
        const argv = [...flags.slice(0, -1), ...args.map(fill), '--json']
        const result = await gmr(repo.dir, repo.env, argv)
        const what = `gmr ${argv.join(' ')}`
        expect(result.code, `${what}: ${result.stderr}`).toBe(exit)
        expect(result.stdout, what).toBe('')
        const error = JSON.parse(result.stderr) // exactly one JSON document: a second line or object would not parse
        expectValid('error', error)
        expect(result.stderr, what).toBe(`${JSON.stringify(error, null, 2)}\n`)
        if (code !== undefined) expect(error.error.code, what).toBe(code)
        expect(error.error.message, what).not.toMatch(/^error: |\n|^\s*$/)
        // The text form fails the same way, in one line.
        const text = await gmr(repo.dir, repo.env, argv.filter((a) => a !== '--json' && a !== '-q'))
        expect(text.code, `${what} without --json`).toBe(exit)
      }
    }
    expect(state()).toBe(before)
    expect(fs.readdirSync(join(repo.scratch, 'full'))).toEqual(['other.txt'])
  })

  it('a command that prints its document and then fails (check, verify) keeps the document on stdout and one error on stderr', async () => {
    const manifest = join(repo.dir, 'registry', 'models', 'churn-model.yaml')
    const text = fs.readFileSync(manifest, 'utf8')
    fs.writeFileSync(manifest, text.replace('staging: 0', 'staging: 7'))
    try {
      const result = await gmr(repo.dir, repo.env, ['check', '--json'])
      expect(result.code).toBe(1)
      expectValid('check', JSON.parse(result.stdout))
      expect(JSON.parse(result.stderr).error.code).toBe('CheckFailedError')
    } finally {
      fs.writeFileSync(manifest, text)
    }
  })

  it('the built binary does the same, through the start-up fast path and the full program', async () => {
    for (const args of [['resolve', 'nothing', '--json'], ['resolve', 'nothing', '--json', '--at', '2020-01-01'], ['nope', '--json']]) {
      const result = await gmrProcess(repo.dir, repo.env, args)
      expect(result.stdout).toBe('')
      expectValid('error', JSON.parse(result.stderr))
    }
  })
})
