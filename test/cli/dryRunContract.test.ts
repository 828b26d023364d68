import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/program.js'

// Every command that writes takes --dry-run. The commander program is walked, so a new
// command fails here until it is sorted into one of the lists below (or has --dry-run).

/** Reads only: the registry, refs and work tree are as they were (caches a read fills aside). */
const READ_ONLY = [
  'artifacts', 'versions', 'models', 'aliases', 'show', 'resolve', 'manifest', 'history', 'check', 'diff', 'verify',
  'cache ls', 'serve', 'completion',
]

/** Writes, but not to this registry: the files go where the user points, and each says so. */
const WRITES_ELSEWHERE: Record<string, string> = {
  download: "a version's files into --to (and the download cache), which is the command's whole point",
  clone: 'a new repository in a new folder',
  site: 'a static site into --out',
  'github-action': 'in CI: runs fetch, check/diff, sync and push, each covered here on its own',
}

function leaves(program: Command): Array<{ path: string; command: Command }> {
  const walk = (command: Command, path: string[]): Array<{ path: string; command: Command }> =>
    command.commands.length === 0 ? [{ path: path.join(' '), command }] : command.commands.flatMap((sub) => walk(sub, [...path, sub.name()]))
  return program.commands.flatMap((command) => walk(command, [command.name()]))
}

const hasDryRun = (command: Command) => command.options.some((option) => option.long === '--dry-run')

describe('every command that writes has --dry-run', () => {
  const program = buildProgram({ stdout: () => {}, stderr: () => {}, cwd: '/', env: {}, fs: {} as never, stderrIsTTY: false })
  const all = leaves(program)

  it('each command is sorted: it has --dry-run, gets it in another change, reads only, or writes outside the registry', () => {
    const unsorted = all
      .filter(({ path, command }) => !hasDryRun(command) && !READ_ONLY.includes(path) && !(path in WRITES_ELSEWHERE))
      .map(({ path }) => path)
    expect(unsorted, 'commands that may write and have no --dry-run').toEqual([])
    const known = new Set(all.map(({ path }) => path))
    for (const path of [...READ_ONLY, ...Object.keys(WRITES_ELSEWHERE)]) expect(known.has(path), path).toBe(true)
  })

  it('a read-only command has no --dry-run to offer', () => {
    expect(all.filter(({ path, command }) => READ_ONLY.includes(path) && hasDryRun(command)).map(({ path }) => path)).toEqual([])
  })

  it('the registry edits and the transport commands all have it, each with a --dry-run example in its help', () => {
    const edits = all.filter(({ command }) => hasDryRun(command)).map(({ path }) => path)
    expect(edits).toEqual(
      expect.arrayContaining([
        'artifact create', 'artifact rm', 'model create', 'model rm', 'model rename', 'link', 'unlink', 'alias set', 'alias rm',
        'tag add', 'tag rm', 'meta set', 'meta rm', 'card', 'sync', 'prune',
        'push', 'pull', 'fetch', 'log', 'init', 'cache prune', 'cache clear',
      ]),
    )
    for (const { path, command } of all.filter(({ command }) => hasDryRun(command))) {
      let help = ''
      command.configureOutput({ writeOut: (s) => (help += s) })
      command.outputHelp()
      expect(help, path).toMatch(new RegExp(`\\$ gmr ${path.split(' ')[0]} .*--dry-run`))
    }
  })
})
