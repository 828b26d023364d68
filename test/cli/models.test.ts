import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { fsck, gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { repoFingerprint } from '../helpers/state.js'

let repo: TempRepo
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)
const MODEL = 'registry/models/churn-model.yaml'

async function ok(...args: string[]): Promise<string> {
  const result = await run(...args)
  expect(result.stderr.startsWith('error'), `${args.join(' ')}: ${result.stderr}`).toBe(false)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

/** An artifact `churn` with versions v0..v(n-1), each with different weights. */
async function logVersions(n: number): Promise<string[]> {
  const dir = join(repo.scratch, 'out')
  const commits: string[] = []
  for (let i = 0; i < n; i++) {
    repo.write(join(dir, 'model.bin'), `weights ${i}`)
    await ok('log', 'churn', dir)
    commits.push(repo.git('rev-parse', 'artifacts/churn').trim())
  }
  return commits
}

const aliasRef = (alias: string) => {
  try {
    return repo.git('rev-parse', '--verify', '-q', `refs/aliases/churn-model/${alias}`).trim()
  } catch {
    return null
  }
}

beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
})
afterEach(() => repo.cleanup())

describe('registered models', () => {
  it('model create writes a schema-headed manifest and commits only it', async () => {
    const out = await ok('model', 'create', 'churn-model', '--description', 'customer churn', '--tag', 'tabular', '--tag', 'team:growth')
    expect(out).toBe('created model churn-model (registry/models/churn-model.yaml)\n')
    expect(repo.read(MODEL)).toBe(
      [
        '# yaml-language-server: $schema=https://gmr.dev/schemas/model.schema.json',
        'name: churn-model',
        'description: customer churn',
        'tags:',
        '  - tabular',
        '  - team:growth',
        'versions: []',
        'aliases: {}',
        '',
      ].join('\n'),
    )
    expect(repo.git('log', '-1', '--format=%s')).toBe('gmr: create model churn-model\n')
    expect(repo.git('show', '--name-only', '--format=', 'HEAD')).toBe(`${MODEL}\n`)
    const again = await run('model', 'create', 'churn-model')
    expect(again.code).toBe(1)
    expect(again.stderr).toBe('error: registered model "churn-model" already exists (registry/models/churn-model.yaml)\n')
  })

  it('names are one namespace: a model cannot take an artifact name, nor the reverse', async () => {
    await logVersions(1)
    const model = await run('model', 'create', 'churn')
    expect(model.code).toBe(1)
    expect(model.stderr).toMatch(/^error: "churn" is already a model artifact; artifacts and registered models share one namespace/)
    await ok('model', 'create', 'ranker')
    const log = await run('log', 'ranker', join(repo.scratch, 'out'))
    expect(log.code).toBe(1)
    expect(log.stderr).toMatch(/^error: "ranker" is already a registered model/)
  })

  it('link numbers links v0, v1, …, records the version, and returns an existing link', async () => {
    const commits = await logVersions(3)
    await ok('model', 'create', 'churn-model')
    expect(await ok('link', 'churn:v1', 'churn-model')).toBe('churn-model:v0\n')
    expect(await ok('link', 'churn:latest', 'churn-model')).toBe('churn-model:v1\n')
    const head = repo.git('rev-parse', 'HEAD')
    expect(await ok('link', 'churn:v2', 'churn-model')).toBe('churn-model:v1 (already linked)\n')
    expect(repo.git('rev-parse', 'HEAD')).toBe(head)

    const manifest = repo.read(MODEL)
    expect(manifest).toContain(`versions:\n  - version: 0\n    artifact: churn\n    artifactVersion: 1\n    commit: ${commits[1]}\n    linkedAt: `)
    expect(manifest).toMatch(/linkedAt: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/)
    expect(repo.git('log', '-1', '--format=%s')).toBe('gmr: link churn-model v1 -> churn:v2\n')
    expect((await run('resolve', 'churn-model:v0')).stdout).toBe(`${commits[1]}\n`)
    expect((await run('resolve', 'churn-model')).stdout).toBe(`${commits[2]}\n`)
  })

  it('unlink removes a link and its number is never given out again', async () => {
    const commits = await logVersions(3)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model')
    await ok('link', 'churn:v1', 'churn-model')
    expect(await ok('unlink', 'churn-model:v1')).toBe('unlinked churn-model:v1 (churn:v1)\n')
    expect(repo.read(MODEL)).toContain('nextVersion: 2\n')
    expect(await ok('link', 'churn:v2', 'churn-model')).toBe('churn-model:v2\n')
    expect(repo.read(MODEL)).not.toContain('nextVersion')
    const resolved = await run('resolve', 'churn-model:v1')
    expect(resolved.code).toBe(1)
    expect(resolved.stderr).toBe('error: churn-model has no link v1; links: v0, v2\n')
    expect((await run('resolve', 'churn-model:v2')).stdout).toBe(`${commits[2]}\n`)
  })

  it('an alias names exactly one version: set moves it, rm removes it, and the refs follow on the registry branch', async () => {
    const commits = await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model', '--alias', 'staging')
    await ok('link', 'churn:v1', 'churn-model')
    expect(aliasRef('staging')).toBe(commits[0])
    expect(await ok('alias', 'set', 'churn-model', 'staging', 'v1')).toBe('churn-model:staging -> v1 (moved from v0)\n')
    expect(repo.read(MODEL)).toContain('aliases:\n  staging: 1\n')
    expect(aliasRef('staging')).toBe(commits[1])
    expect(repo.git('log', '-1', '--format=%s')).toBe('gmr: alias staging of churn-model -> v1 (was v0)\n')

    const aliases = JSON.parse(await ok('aliases', 'churn-model', '--json'))
    expect(aliases).toEqual({ name: 'churn-model', aliasCount: 1, aliases: [{ alias: 'staging', version: 1, commit: commits[1], ref: commits[1], inSync: true }] })
    expect(await ok('alias', 'rm', 'churn-model', 'staging')).toBe('removed churn-model:staging (was v1)\n')
    expect(aliasRef('staging')).toBeNull()
    expect(repo.read(MODEL)).toContain('aliases: {}\n')
    fsck(repo)
  })

  it('artifacts take aliases too, in their own manifest', async () => {
    const commits = await logVersions(2)
    expect(await ok('alias', 'set', 'churn', 'best', 'v0')).toBe('churn:best -> v0\n')
    expect(repo.read('registry/artifacts/churn.yaml')).toContain('aliases:\n  best: 0\n')
    expect(repo.git('rev-parse', 'refs/aliases/churn/best').trim()).toBe(commits[0])
    expect((await run('resolve', 'churn:best')).stdout).toBe(`${commits[0]}\n`)
  })

  it('tags stay unique and sorted; models filters by tag and text', async () => {
    await ok('model', 'create', 'churn-model', '--description', 'Customer churn')
    await ok('model', 'create', 'vision-model', '--tag', 'vision')
    expect(await ok('tag', 'add', 'churn-model', 'tabular', 'team:growth', 'tabular')).toBe('churn-model tags: tabular, team:growth\n')
    expect(await ok('tag', 'add', 'churn-model', 'abc')).toBe('churn-model tags: abc, tabular, team:growth\n')
    expect(await ok('tag', 'rm', 'churn-model', 'abc')).toBe('churn-model tags: tabular, team:growth\n')
    const head = repo.git('rev-parse', 'HEAD')
    expect(await ok('tag', 'add', 'churn-model', 'tabular')).toBe('churn-model tags: tabular, team:growth (unchanged)\n')
    expect(repo.git('rev-parse', 'HEAD')).toBe(head)

    const names = async (...args: string[]) =>
      JSON.parse(await ok('models', '--json', ...args)).models.map((m: { name: string }) => m.name)
    expect(await names()).toEqual(['churn-model', 'vision-model'])
    expect(await names('--tag', 'tabular')).toEqual(['churn-model'])
    expect(await names('--tag', 'tabular', '--tag', 'vision')).toEqual([])
    expect(await names('--query', 'CUSTOMER')).toEqual(['churn-model'])
    expect(await ok('models')).toMatch(/^NAME +LINKS +LATEST +ALIASES +TAGS +DESCRIPTION\nchurn-model +0 +- +- +tabular,team:growth +Customer churn\n/)
  })

  it('download and show follow a model reference to the linked version', async () => {
    await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v1', 'churn-model', '--alias', 'staging')
    const out = await ok('download', 'churn-model:staging')
    expect(out).toBe(`churn-model:v0 -> ${join(repo.dir, 'churn-model-v0')} (1 file: 1 written, 0 unchanged)\n`)
    expect(fs.readFileSync(join(repo.dir, 'churn-model-v0/model.bin'), 'utf8')).toBe('weights 1')
    const resolved = JSON.parse(await ok('resolve', 'churn-model:staging', '--json'))
    expect(resolved.version).toMatchObject({ kind: 'model', name: 'churn-model', version: 0, artifact: 'churn', artifactVersion: 1 })
  })
})

describe('registry edits are commits of their own', () => {
  it('commit only the manifest, leaving staged and unstaged work exactly as it was', async () => {
    await logVersions(1)
    await ok('model', 'create', 'churn-model')
    repo.write('staged.txt', 'staged\n')
    repo.git('add', 'staged.txt')
    repo.write('README.md', 'unstaged edit\n')
    repo.write('notes.txt', 'untracked\n')
    const [status, cached, unstaged] = [repo.git('status', '--porcelain'), repo.git('diff', '--cached'), repo.git('diff')]

    await ok('link', 'churn:v0', 'churn-model', '--alias', 'staging')
    expect(repo.git('show', '--name-only', '--format=', 'HEAD')).toBe(`${MODEL}\n`)
    expect(repo.git('status', '--porcelain')).toBe(status)
    expect(repo.git('diff', '--cached')).toBe(cached)
    expect(repo.git('diff')).toBe(unstaged)
    fsck(repo)
  })

  it('--no-commit only edits the work tree and moves no ref', async () => {
    await logVersions(1)
    await ok('model', 'create', 'churn-model')
    const head = repo.git('rev-parse', 'HEAD')
    const result = await run('link', 'churn:v0', 'churn-model', '--alias', 'staging', '--no-commit')
    expect(result.stdout).toBe('churn-model:v0\n')
    expect(result.stderr).toBe('edited registry/models/churn-model.yaml (not committed)\n')
    expect(repo.git('rev-parse', 'HEAD')).toBe(head)
    expect(repo.git('status', '--porcelain')).toBe(` M ${MODEL}\n`)
    expect(aliasRef('staging')).toBeNull()
  })

  it('keeps the user\'s comments and key order, and rewriting an unchanged manifest changes no byte', async () => {
    await logVersions(2)
    repo.write(
      MODEL,
      [
        '# Owned by the growth team.',
        'name: churn-model',
        'aliases: {} # filled by gmr',
        '# links below',
        'versions: []',
        'tags: [tabular]',
        'description: churn',
        '',
      ].join('\n'),
    )
    repo.git('add', MODEL)
    repo.git('commit', '-q', '-m', 'hand-written manifest')
    await ok('link', 'churn:v0', 'churn-model', '--alias', 'staging')
    const text = repo.read(MODEL)
    expect(text.split('\n').slice(0, 6)).toEqual([
      '# yaml-language-server: $schema=https://gmr.dev/schemas/model.schema.json',
      '# Owned by the growth team.',
      'name: churn-model',
      'aliases:',
      '  staging: 0',
      '  # filled by gmr',
    ])
    expect(text).toContain('# links below\nversions:\n  - version: 0\n')
    expect(text).toContain('tags: [tabular]\ndescription: churn\n')
    const mtime = fs.statSync(join(repo.dir, MODEL)).mtimeMs
    const head = repo.git('rev-parse', 'HEAD')
    expect(await ok('alias', 'set', 'churn-model', 'staging', 'v0')).toBe('churn-model:staging -> v0 (unchanged)\n')
    expect(repo.read(MODEL)).toBe(text)
    expect(fs.statSync(join(repo.dir, MODEL)).mtimeMs).toBe(mtime)
    expect(repo.git('rev-parse', 'HEAD')).toBe(head)
  })
})

describe('protected aliases and proposals', () => {
  it('on the registry branch a protected alias moves only with --force', async () => {
    await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model')
    const before = repoFingerprint(repo.dir)
    const refused = await run('alias', 'set', 'churn-model', 'production', 'v0')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      'error: "production" is a protected alias: on the registry branch (main) it changes only with --force; propose the change on a branch and merge it through a pull request\n',
    )
    expect(repoFingerprint(repo.dir)).toEqual(before)
    await ok('alias', 'set', 'churn-model', 'production', 'v0', '--force')
    expect(aliasRef('production')).not.toBeNull()
  })

  it('on another branch an edit is a proposal: refs move only after merge and sync', async () => {
    const commits = await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model')
    await ok('link', 'churn:v1', 'churn-model')
    await ok('alias', 'set', 'churn-model', 'production', 'v0', '--force')
    repo.git('switch', '-q', '-c', 'promote')
    const proposal = await run('alias', 'set', 'churn-model', 'production', 'v1')
    expect(proposal.code).toBe(0)
    expect(proposal.stderr).toContain('this branch is not the registry branch (main): the change is a proposal')
    expect(aliasRef('production')).toBe(commits[0])

    repo.git('switch', '-q', 'main')
    repo.git('merge', '-q', '--no-ff', '-m', 'Merge promote', 'promote')
    expect(aliasRef('production')).toBe(commits[0])
    expect(await ok('sync', '--dry-run')).toMatch(/^would move refs\/aliases\/churn-model\/production [0-9a-f]{10} -> [0-9a-f]{10}\nnothing was changed \(--dry-run\)\n$/)
    expect(aliasRef('production')).toBe(commits[0])
    expect(await ok('sync')).toMatch(/^move refs\/aliases\/churn-model\/production /)
    expect(aliasRef('production')).toBe(commits[1])
    expect(await ok('sync')).toMatch(/^alias refs already match main/)
    fsck(repo)
  })

  it('sync puts back refs edited by hand and deletes refs no manifest declares', async () => {
    const commits = await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model', '--alias', 'staging')
    repo.git('update-ref', 'refs/aliases/churn-model/staging', commits[1]!)
    repo.git('update-ref', 'refs/aliases/churn-model/stray', commits[1]!)
    const listed = JSON.parse(await ok('aliases', 'churn-model', '--json'))
    expect(listed.aliases[0]).toMatchObject({ alias: 'staging', inSync: false, ref: commits[1] })
    const out = await ok('sync')
    expect(out).toContain('move refs/aliases/churn-model/staging')
    expect(out).toContain('delete refs/aliases/churn-model/stray')
    expect(aliasRef('staging')).toBe(commits[0])
    expect(aliasRef('stray')).toBeNull()
  })
})

describe('history', () => {
  it('lists every change newest first, crediting the author of a merged change and answering resolve --at', async () => {
    const commits = await logVersions(2)
    const at = (date: string) => ({ GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date })
    const runAt = (date: string, ...args: string[]) => gmr(repo.dir, { ...repo.env, ...at(date) }, args)
    await runAt('2026-10-01T10:00:00Z', 'model', 'create', 'churn-model')
    await runAt('2026-10-02T10:00:00Z', 'link', 'churn:v0', 'churn-model')
    await runAt('2026-10-02T11:00:00Z', 'link', 'churn:v1', 'churn-model')
    await runAt('2026-10-03T10:00:00Z', 'alias', 'set', 'churn-model', 'production', 'v0', '--force')

    repo.git('switch', '-q', '-c', 'promote')
    const grace = { ...repo.env, ...at('2026-10-05T09:00:00Z'), GIT_AUTHOR_NAME: 'Grace Hopper', GIT_AUTHOR_EMAIL: 'grace@example.com' }
    expect((await gmr(repo.dir, grace, ['alias', 'set', 'churn-model', 'production', 'v1'])).code).toBe(0)
    await gmr(repo.dir, grace, ['tag', 'add', 'churn-model', 'tabular'])
    repo.git('switch', '-q', 'main')
    const mergeEnv = { ...repo.env, ...at('2026-10-07T12:00:00Z') }
    const { execFileSync } = await import('node:child_process')
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'Merge promote', 'promote'], { cwd: repo.dir, env: mergeEnv })
    // Synced as it was merged: resolve --at answers an alias by when its ref moved (the ledger).
    expect((await runAt('2026-10-07T12:00:00Z', 'sync')).code).toBe(0)

    const result = JSON.parse(await ok('history', 'churn-model', '--json'))
    expect(result.entries.map((e: { events: Array<{ type: string }> }) => e.events.map((x) => x.type))).toEqual([
      ['alias-moved', 'tag-added'],
      ['alias-set'],
      ['linked'],
      ['linked'],
      ['created'],
    ])
    const merged = result.entries[0]
    expect(merged.author).toMatchObject({ name: 'Grace Hopper', email: 'grace@example.com' })
    expect(merged.mergedBy).toMatchObject({ name: 'Ada Lovelace' })
    expect(merged.at).toBe('2026-10-07T12:00:00Z')
    expect(merged.events[0]).toEqual({ type: 'alias-moved', alias: 'production', from: 0, to: 1 })
    const text = await ok('history', 'churn-model')
    expect(text).toMatch(/^2026-10-07T12:00:00Z {2}[0-9a-f]{10} {2}Grace Hopper <grace@example\.com>, merged by Ada Lovelace in [0-9a-f]{10}\n {4}alias production moved v0 -> v1\n {4}tag tabular added\n/)

    const when = async (date: string) => (await run('resolve', 'churn-model:production', '--at', date))
    expect((await when('2026-10-04')).stdout).toBe(`${commits[0]}\n`)
    expect((await when('2026-10-06')).stdout).toBe(`${commits[0]}\n`)
    expect((await when('2026-10-07T12:00:00Z')).stdout).toBe(`${commits[1]}\n`)
    const before = await when('2026-10-02T10:30:00Z')
    expect(before.code).toBe(1)
    expect(before.stderr).toBe('error: churn-model has no alias "production"; it has no aliases yet\n')
    expect((await run('resolve', 'churn-model:latest', '--at', '2026-10-02T10:30:00Z')).stdout).toBe(`${commits[0]}\n`)
    const early = await run('resolve', 'churn-model', '--at', '2026-09-01')
    expect(early.stderr).toBe('error: registered model churn-model did not exist on the registry branch at 2026-09-01T23:59:59Z\n')
  })
})

describe('bad input is one line, exit 1, nothing written', () => {
  beforeEach(async () => {
    await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model', '--alias', 'staging')
  })

  const cases: Array<[string, string[], string | RegExp]> = [
    ['an invalid alias', ['alias', 'set', 'churn-model', 'Prod', 'v0'], /^error: invalid alias "Prod": aliases must match/],
    ['alias latest', ['alias', 'set', 'churn-model', 'latest', 'v0'], /^error: invalid alias "latest": aliases may not be "latest"/],
    ['an invalid tag', ['tag', 'add', 'churn-model', 'Vision Team'], /^error: invalid tag "Vision Team": tags must match \^\[a-z0-9\]\[a-z0-9._:-\]\{0,63\}\$/],
    ['an unknown model', ['link', 'churn:v0', 'nope'], 'error: no registered model named "nope"; create it with "gmr model create nope"\n'],
    ['an unknown version', ['link', 'churn:v9', 'churn-model'], 'error: no version v9 of churn: churn has v0 to v1\n'],
    ['an alias to an unlinked version', ['alias', 'set', 'churn-model', 'staging', 'v5'], 'error: churn-model has no link v5; links: v0\n'],
    ['unlinking an aliased version', ['unlink', 'churn-model:v0'], /^error: cannot unlink churn-model:v0: alias staging names it; move it first/],
    ['removing a missing alias', ['alias', 'rm', 'churn-model', 'canary'], 'error: churn-model has no alias "canary"; aliases: staging\n'],
    ['removing a missing tag', ['tag', 'rm', 'churn-model', 'gone'], 'error: churn-model has no tag "gone"; tags: none\n'],
    ['linking a model', ['link', 'churn-model:v0', 'churn-model'], /^error: churn-model:v0 is a registered model; link an artifact version/],
    ['unlink without a number', ['unlink', 'churn-model:staging'], /^error: unlink takes <model>:v<K> with an explicit number/],
    ['a bad date', ['resolve', 'churn-model', '--at', 'last tuesday'], /^error: cannot read the date "last tuesday"/],
  ]

  it.each(cases)('%s', async (_label, args, message) => {
    const before = repoFingerprint(repo.dir)
    const result = await run(...args)
    if (typeof message === 'string') expect(result.stderr).toBe(message)
    else expect(result.stderr).toMatch(message)
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(result.code).toBe(1)
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })

  it('a hand-damaged manifest is reported at its line and column, and nothing is written', async () => {
    repo.write(MODEL, repo.read(MODEL).replace('aliases:', 'tags: [Vision Team]\naliases:'))
    const before = repoFingerprint(repo.dir)
    for (const args of [['resolve', 'churn-model:staging'], ['alias', 'set', 'churn-model', 'x', 'v0'], ['models']]) {
      const result = await run(...args)
      expect(result.stderr).toMatch(/^error: registry\/models\/churn-model\.yaml:\d+:\d+: /)
      expect(result.code).toBe(1)
    }
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })
})

describe('concurrent registry edits', () => {
  it('two processes setting aliases at once lose no update and leave refs agreeing with the manifest', async () => {
    const commits = await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model')
    await ok('link', 'churn:v1', 'churn-model')
    const results = await Promise.all([
      gmrProcess(repo.dir, repo.env, ['alias', 'set', 'churn-model', 'staging', 'v0']),
      gmrProcess(repo.dir, repo.env, ['alias', 'set', 'churn-model', 'canary', 'v1']),
      gmrProcess(repo.dir, repo.env, ['alias', 'set', 'churn-model', 'shadow', 'v0']),
      gmrProcess(repo.dir, repo.env, ['alias', 'set', 'churn-model', 'shadow', 'v1']),
      gmrProcess(repo.dir, repo.env, ['tag', 'add', 'churn-model', 'tabular']),
    ])
    for (const result of results) expect(result.code, result.stderr).toBe(0)
    const manifest = repo.read(MODEL)
    expect(manifest).toContain('  staging: 0\n')
    expect(manifest).toContain('  canary: 1\n')
    expect(manifest).toMatch(/ {2}shadow: [01]\n/)
    expect(manifest).toContain('  - tabular\n')
    const shadow = Number(/shadow: (\d)/.exec(manifest)![1])
    expect(aliasRef('staging')).toBe(commits[0])
    expect(aliasRef('canary')).toBe(commits[1])
    expect(aliasRef('shadow')).toBe(commits[shadow])
    expect(repo.git('show', `HEAD:${MODEL}`)).toBe(manifest)
    expect(repo.git('status', '--porcelain')).toBe('')
    fsck(repo)
  })
})

describe('gmr log --alias', () => {
  it('logs the version and points the artifact alias at it; a protected alias is refused before anything is written', async () => {
    const dir = join(repo.scratch, 'out')
    repo.write(join(dir, 'model.bin'), 'w0')
    expect(await ok('log', 'churn', dir, '--alias', 'best')).toBe('churn:v0\n')
    expect(repo.read('registry/artifacts/churn.yaml')).toContain('aliases:\n  best: 0\n')
    expect(repo.git('rev-parse', 'refs/aliases/churn/best').trim()).toBe(repo.git('rev-parse', 'artifacts/churn').trim())
    repo.write(join(dir, 'model.bin'), 'w1')
    const before = repoFingerprint(repo.dir)
    const refused = await run('log', 'churn', dir, '--alias', 'production')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^error: "production" is a protected alias: on the registry branch \(main\) it changes only with --force/)
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })
})
