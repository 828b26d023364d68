import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse } from 'yaml'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/program.js'
import { gmr } from '../helpers/cli.js'
import { fsck, makeRepo, type TempRepo } from '../helpers/gitRepo.js'

// What git users type without thinking: -m for a message, -q for quiet, tab completion.

describe('gmr log -m/--message', () => {
  let repo: TempRepo
  beforeEach(async () => {
    repo = makeRepo()
    expect((await gmr(repo.dir, repo.env, ['init'])).code).toBe(0)
    writeFileSync(join(repo.scratch, 'model.txt'), 'weights\n')
  })
  afterEach(() => repo.cleanup())

  it("keeps the message as the version's description in its commit, shown by show and versions", async () => {
    const logged = await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'model.txt'), '-m', 'retrained on November data', '--metadata', 'auc=0.97'])
    expect(logged).toEqual({ code: 0, stdout: 'churn:v0\n', stderr: '' })
    const message = repo.git('log', '-1', '--format=%B', 'refs/heads/artifacts/churn')
    expect(message.split('\n')[0]).toBe('churn v0')
    expect(parse(message.slice(message.indexOf('\n') + 1))).toMatchObject({
      artifact: 'churn',
      version: 0,
      description: 'retrained on November data',
      metadata: { auc: 0.97 },
    })
    fsck(repo)
    expect((await gmr(repo.dir, repo.env, ['show', 'churn:v0'])).stdout).toContain('message:  retrained on November data\n')
    const versions = JSON.parse((await gmr(repo.dir, repo.env, ['versions', 'churn', '--json'])).stdout)
    expect(versions.versions[0].description).toBe('retrained on November data')
  })

  it('--message is the long form; without it the commit has no description', async () => {
    await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'model.txt')])
    writeFileSync(join(repo.scratch, 'model.txt'), 'weights 2\n')
    expect((await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'model.txt'), '--message', 'second'])).code).toBe(0)
    const body = (rev: string) => parse(repo.git('log', '-1', '--format=%b', rev)) as Record<string, unknown>
    expect(body('refs/heads/artifacts/churn~1')).not.toHaveProperty('description')
    expect(body('refs/heads/artifacts/churn').description).toBe('second')
  })

  it('an empty message is a usage error that writes nothing', async () => {
    const result = await gmr(repo.dir, repo.env, ['log', 'churn', join(repo.scratch, 'model.txt'), '-m', ' '])
    expect(result.code).toBe(2)
    expect(result.stderr.split('\n')[0]).toBe(
      "error: option '-m, --message <text>' argument ' ' is invalid. give the description after -m (e.g. -m \"retrained on November data\").",
    )
    expect(repo.git('for-each-ref', 'refs/heads/artifacts/')).toBe('')
  })
})

describe('-q/--quiet', () => {
  let repo: TempRepo
  beforeEach(async () => {
    repo = makeRepo()
    await gmr(repo.dir, repo.env, ['init'])
    await gmr(repo.dir, repo.env, ['model', 'create', 'churn-model'])
  })
  afterEach(() => repo.cleanup())

  it('silences notes on stderr, before or after the command, and keeps the result on stdout', async () => {
    const loud = await gmr(repo.dir, repo.env, ['tag', 'add', 'churn-model', 'nlp'])
    expect(loud.stderr).toMatch(/^committed [0-9a-f]{10}: registry\/models\/churn-model\.yaml\n/)
    for (const [args, tags] of [
      [['-q', 'tag', 'add', 'churn-model', 'a'], 'a, nlp'],
      [['tag', 'add', 'churn-model', 'b', '--quiet'], 'a, b, nlp'],
    ] as const) {
      const quiet = await gmr(repo.dir, repo.env, [...args])
      expect(quiet, args.join(' ')).toEqual({ code: 0, stdout: `churn-model tags: ${tags}\n`, stderr: '' })
    }
    expect(repo.read('registry/models/churn-model.yaml')).toMatch(/tags:\n {2}- a\n {2}- b\n {2}- nlp\n/)
    const listed = await gmr(repo.dir, repo.env, ['models', '-q'])
    expect(listed.stdout).toContain('churn-model')
  })

  it('still prints the error, one line, exit 1', async () => {
    const result = await gmr(repo.dir, repo.env, ['-q', 'resolve', 'nothing'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: [^\n]+\n$/)
  })
})

describe('gmr completion', () => {
  const io = { stdout: () => {}, stderr: () => {}, cwd: '/', env: {}, fs: {} as never, stderrIsTTY: false }
  const script = async (shell: string) => {
    const result = await gmr('/', {}, ['completion', shell])
    expect(result.code).toBe(0)
    return result.stdout
  }

  /** What bash offers for the words typed so far (the last one being completed). */
  function bashComplete(source: string, ...words: string[]): string[] {
    const program = `source /dev/stdin <<'GMR_COMPLETION'\n${source}\nGMR_COMPLETION\nCOMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _gmr; printf '%s\\n' "\${COMPREPLY[@]}"`
    const out = execFileSync('bash', ['-c', program, 'bash', 'gmr', ...words], { cwd: '/', encoding: 'utf8' })
    return out.split('\n').filter(Boolean)
  }

  it('bash completes commands, subcommands, options and option choices, from the program itself', async () => {
    const bash = await script('bash')
    const program = buildProgram(io)
    const names = program.commands.map((c) => c.name())
    expect(bashComplete(bash, '').sort()).toEqual([...names, 'help'].sort())
    expect(bashComplete(bash, 'al')).toEqual(['alias', 'aliases'])
    expect(bashComplete(bash, 'alias', '')).toEqual(['set', 'rm'])
    expect(bashComplete(bash, 'log', 'churn', '--me')).toEqual(['--message', '--metadata', '--metadata-file'])
    expect(bashComplete(bash, 'check', '--format', '')).toEqual(['text', 'json', 'github'])
    expect(bashComplete(bash, '-C', '/tmp', 'diff', '--format', 'm')).toEqual(['markdown'])
    expect(bashComplete(bash, 'completion', '')).toEqual(['bash', 'zsh', 'fish'])
    // Every option of every command, global ones included.
    for (const command of program.commands.filter((c) => c.commands.length === 0)) {
      const offered = bashComplete(bash, command.name(), '-')
      for (const option of command.options) expect(offered, command.name()).toContain(option.long)
      expect(offered, command.name()).toEqual(expect.arrayContaining(['-q', '--quiet', '-C', '--debug', '--help']))
    }
  })

  const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0
  const saved = async (shell: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'gmr-completion-')), `gmr.${shell}`)
    writeFileSync(file, await script(shell))
    return file
  }

  it.skipIf(!has('zsh'))('zsh reads its script', async () => {
    expect((await script('zsh')).split('\n')[0]).toBe('#compdef gmr')
    const file = await saved('zsh')
    const result = spawnSync('zsh', ['-f', '-c', `autoload -U compinit && compinit -u -D; source ${file}; whence -w _gmr`], { encoding: 'utf8' })
    rmSync(dirname(file), { recursive: true })
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe('_gmr: function\n')
  })

  it.skipIf(!has('fish'))('fish reads its script and completes from it', async () => {
    const file = await saved('fish')
    const complete = (line: string) =>
      spawnSync('fish', ['--no-config', '-c', `source ${file}; complete -C ${JSON.stringify(line)}`], { encoding: 'utf8' })
    const commands = complete('gmr al')
    expect(commands.stderr).toBe('')
    expect(commands.stdout.split('\n').map((l) => l.split('\t')[0])).toEqual(expect.arrayContaining(['alias', 'aliases']))
    expect(complete('gmr check --format ').stdout.split('\n').map((l) => l.split('\t')[0]).filter(Boolean).sort()).toEqual(['github', 'json', 'text'])
    expect(complete('gmr log x --mess').stdout).toMatch(/^--message\t/m)
    rmSync(dirname(file), { recursive: true })
  })

  it('an unknown shell is a usage error', async () => {
    const result = await gmr('/', {}, ['completion', 'tcsh'])
    expect(result.code).toBe(2)
    expect(result.stderr.split('\n')[0]).toBe("error: command-argument value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.")
  })
})
