import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

// gmr refuses a repository owned by another user exactly when git does: same ownership
// rule (root counts as SUDO_UID), same safe.directory values from the same places.

const isRoot = process.getuid?.() === 0
let repo: TempRepo
let root: string

beforeAll(async () => {
  if (!isRoot) return
  repo = makeRepo()
  expect((await gmr(repo.dir, repo.env, ['init'])).code).toBe(0)
  root = join(repo.dir, '..')
  fs.mkdirSync(join(repo.dir, 'sub'))
  fs.symlinkSync(repo.dir, join(root, 'link'))
  spawnSync('chown', ['-R', '4242', repo.dir])
})
afterAll(() => repo?.cleanup())

type Case = {
  env?: Record<string, string | undefined>
  globalConfig?: string
  systemConfig?: string
  repoConfig?: string
  cwd?: string
}

/** name, whether git refuses (checked against git too), the setup */
const cases: Array<[string, boolean, Case]> = [
  ['no safe.directory', true, {}],
  ['safe.directory=* on the command line', false, { env: { GIT_CONFIG_PARAMETERS: `'safe.directory'='*'` } }],
  ['the old -c spelling', false, { env: { GIT_CONFIG_PARAMETERS: `'safe.directory=*'` } }],
  ['GIT_CONFIG_COUNT', false, { env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' } }],
  ['the exact path in global config', false, { globalConfig: '[safe]\n\tdirectory = REPO\n' }],
  ['the path with a trailing slash', true, { globalConfig: '[safe]\n\tdirectory = REPO/\n' }],
  ['the parent with /*', true, { globalConfig: '[safe]\n\tdirectory = ROOT/*\n' }],
  ['* then an empty value', true, { globalConfig: '[safe]\n\tdirectory = *\n\tdirectory =\n' }],
  ['an empty value then the path', false, { globalConfig: '[safe]\n\tdirectory =\n\tdirectory = REPO\n' }],
  ['~/ for HOME', false, { globalConfig: '[safe]\n\tdirectory = ~/repo\n', env: { HOME: 'ROOT' } }],
  ['the path through a symlink', true, { globalConfig: '[safe]\n\tdirectory = ROOT/link\n' }],
  ['the path in system config', false, { systemConfig: '[safe]\n\tdirectory = REPO\n' }],
  ['system config under GIT_CONFIG_NOSYSTEM', true, { systemConfig: '[safe]\n\tdirectory = REPO\n', env: { GIT_CONFIG_NOSYSTEM: '1' } }],
  ['* in the repository config only (not trusted)', true, { repoConfig: '*' }],
  ['root with SUDO_UID of the owner', false, { env: { SUDO_UID: '4242' } }],
  ['root with SUDO_UID of someone else', true, { env: { SUDO_UID: '4243' } }],
  ['from a sub-folder', true, { cwd: 'sub' }],
]

describe.skipIf(!isRoot)('safe.directory, compared with git', () => {
  it.each(cases)('%s', async (_, refuses, c) => {
    const fill = (text: string) => text.replaceAll('REPO', repo.dir).replaceAll('ROOT', root)
    const global = join(root, 'global.gitconfig')
    const system = join(root, 'system.gitconfig')
    fs.writeFileSync(global, fill(c.globalConfig ?? ''))
    fs.writeFileSync(system, fill(c.systemConfig ?? ''))
    spawnSync('git', ['config', '--file', join(repo.dir, '.git/config'), c.repoConfig === undefined ? '--unset-all' : '--add', 'safe.directory', ...(c.repoConfig ? [c.repoConfig] : [])])
    const env: Record<string, string> = { ...repo.env, GIT_CONFIG_GLOBAL: global, GIT_CONFIG_SYSTEM: system }
    delete env.GIT_CONFIG_NOSYSTEM
    for (const [key, value] of Object.entries(c.env ?? {})) if (value !== undefined) env[key] = fill(value)
    const cwd = c.cwd === undefined ? repo.dir : join(repo.dir, c.cwd)

    const git = spawnSync('git', ['status', '--porcelain'], { cwd, env, encoding: 'utf8' })
    const result = await gmr(cwd, env, ['models'])
    expect(git.status !== 0).toBe(refuses)
    if (git.status === 0) {
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
    } else {
      // git: "fatal: <refusal>\nTo add an exception for this directory, call:\n\n\tgit config --global --add safe.directory <dir>"
      const [refusal, hint, , command] = git.stderr.trimEnd().split('\n')
      expect(refusal).toMatch(/^fatal: detected dubious ownership/)
      expect(result.stderr).toBe(`error: ${refusal!.slice('fatal: '.length)}; ${hint!.replace(/^To/, 'to')} ${command!.trim()}\n`)
      expect(result.code).toBe(1)
    }
  })
})
