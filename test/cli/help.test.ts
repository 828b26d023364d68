import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { VERSION } from '../../src/cli/version.js'
import { gmr } from '../helpers/cli.js'
import { gmrProcess, testEnv } from '../helpers/gitRepo.js'

const ROOT = join(import.meta.dirname, '..', '..')
const env = testEnv('/nonexistent')

async function commandNames(): Promise<string[]> {
  const help = (await gmr(ROOT, env, ['--help'])).stdout
  const section = help.slice(help.indexOf('Commands:'), help.indexOf('\n\n', help.indexOf('Commands:')))
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!).filter((name) => name !== 'help')
}

describe('help and documentation say the same thing', () => {
  it('gmr --help lists every command and exits 0', async () => {
    const result = await gmr(ROOT, env, ['--help'])
    expect(result.code).toBe(0)
    expect(await commandNames()).toEqual([
      'init', 'log', 'artifact', 'artifacts', 'versions', 'model', 'models', 'link', 'unlink',
      'alias', 'aliases', 'tag', 'meta', 'card', 'show', 'resolve', 'download', 'manifest', 'history', 'sync', 'check', 'diff',
      'clone', 'fetch', 'pull', 'push', 'verify', 'prune', 'cache', 'site', 'serve', 'github-action', 'completion',
    ])
  })

  it('every command and subcommand has help with examples', async () => {
    const { buildProgram } = await import('../../src/cli/program.js')
    const program = buildProgram({ stdout: () => {}, stderr: () => {}, cwd: ROOT, env, fs: {} as never, stderrIsTTY: false })
    const leaves = program.commands.flatMap((c) => (c.commands.length === 0 ? [[c.name()]] : c.commands.map((s) => [c.name(), s.name()])))
    expect(leaves.length).toBeGreaterThan(15)
    for (const path of leaves) {
      const result = await gmr(ROOT, env, [...path, '--help'])
      expect(result.code, path.join(' ')).toBe(0)
      expect(result.stdout, path.join(' ')).toContain('Examples:\n  $ gmr ')
    }
  })

  it('the README documents every command', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    for (const name of await commandNames()) expect(readme, name).toContain(`\`gmr ${name}`)
  })

  it('the version matches package.json, and the built binary answers', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(VERSION).toBe(pkg.version)
    const result = await gmrProcess(ROOT, env, ['--version'])
    expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' })
  })

  it('an unknown command is a usage error (exit 2)', async () => {
    const result = await gmr(ROOT, env, ['frobnicate'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("unknown command 'frobnicate'")
  })
})
