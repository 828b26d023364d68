import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openRegistry, RetiredNameError } from '../../src/index.js'
import { gmr } from '../helpers/cli.js'
import { fsck, gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { gmrIn, mustSucceed } from '../helpers/runners.js'
import { servedRegistry } from '../helpers/servedRegistry.js'

// gmr model rm, gmr artifact rm and gmr model rename: each a dry run first, then real; after
// each, git fsck --strict, git status and gmr check are clean.

let repo: TempRepo

const { ok } = gmrIn(() => repo)

/** One line on stderr, exit 1. */
async function fails(...args: string[]): Promise<string> {
  const result = await gmr(repo.dir, repo.env, args)
  expect(result.code, `gmr ${args.join(' ')} should fail: ${result.stdout}`).toBe(1)
  expect(result.stderr).toMatch(/^error: [^\n]+\n$/)
  return result.stderr.slice('error: '.length, -1)
}

/** Everything a user can see of the repository: HEAD, refs, status, the registry files. */
function state(): string {
  const files = fs.readdirSync(join(repo.dir, 'registry'), { recursive: true }).map(String).sort()
  return [repo.git('rev-parse', 'HEAD'), repo.git('for-each-ref'), repo.git('status', '--porcelain'), files.join('\n')].join('\n')
}

async function expectClean(): Promise<void> {
  expect(fsck(repo)).toBe('')
  expect(repo.git('status', '--porcelain')).toBe('')
  await ok('check')
}

const ref = (name: string) => repo.git('for-each-ref', '--format=%(objectname)', name).trim()

/** The diff a dry run prints for deleting a registry file: every line of it removed. */
function deletion(path: string): string {
  const lines = repo.read(path).split('\n').slice(0, -1)
  return `--- a/${path}\n+++ /dev/null\n@@ -1,${lines.length} +0,0 @@\n${lines.map((line) => `-${line}\n`).join('')}`
}

beforeEach(async () => {
  repo = makeRepo()
  fs.writeFileSync(join(repo.scratch, 'a.txt'), 'weights a\n')
  fs.writeFileSync(join(repo.scratch, 'b.txt'), 'weights b\n')
  await ok('init')
  await ok('log', 'churn', join(repo.scratch, 'a.txt'))
  await ok('log', 'scratch', join(repo.scratch, 'b.txt'))
  await ok('model', 'create', 'churn-model')
  await ok('link', 'churn:v0', 'churn-model', '--alias', 'staging')
  await ok('alias', 'set', 'churn-model', 'production', 'v0', '--force')
})
afterEach(() => repo.cleanup())

describe('gmr model rm', () => {
  it('is refused while an alias names a version; --dry-run changes nothing; then it records who, when and why', async () => {
    const before = state()
    expect(await fails('model', 'rm', 'churn-model')).toBe(
      'cannot remove churn-model: alias production, staging still names one of its versions, and deployments may follow it; remove them first (gmr alias rm churn-model production) or use --force',
    )
    expect(state()).toBe(before)

    const dry = await ok('model', 'rm', 'churn-model', '--force', '--dry-run', '--reason', 'replaced by churn-v2')
    const linked = ref('refs/aliases/churn-model/staging').slice(0, 10)
    expect(dry.startsWith(`would commit: gmr: remove model churn-model\n    replaced by churn-v2\n${deletion('registry/models/churn-model.yaml')}`)).toBe(true)
    expect(dry).toContain('--- /dev/null\n+++ b/registry/retired.yaml\n@@ -0,0 +1,9 @@\n+# yaml-language-server: $schema=https://gmr.dev/schemas/retired.schema.json\n+retired:\n+  - kind: model\n+    name: churn-model\n+    reason: replaced by churn-v2\n')
    expect(dry.endsWith(
      `would delete refs/aliases/churn-model/production (was ${linked})\nwould delete refs/aliases/churn-model/staging (was ${linked})\n` +
        `would record in refs/gmr/ledger: churn-model:production v? (${linked}) -> none\nwould record in refs/gmr/ledger: churn-model:staging v? (${linked}) -> none\n` +
        'nothing was changed (--dry-run)\n',
    )).toBe(true)
    expect(state()).toBe(before)

    await ok('model', 'rm', 'churn-model', '--force', '--reason', 'replaced by churn-v2')
    await expectClean()
    expect(fs.existsSync(join(repo.dir, 'registry/models/churn-model.yaml'))).toBe(false)
    expect(repo.git('for-each-ref', 'refs/aliases/')).toBe('')
    expect(repo.read('registry/retired.yaml')).toMatch(
      /^# yaml-language-server: \$schema=https:\/\/gmr.dev\/schemas\/retired.schema.json\nretired:\n  - kind: model\n    name: churn-model\n    reason: replaced by churn-v2\n    retiredAt: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n    by:\n      name: Ada Lovelace\n      email: ada@example.com\n$/,
    )
    // The commit that recorded it: only those two files, the reason as its body.
    const commit = repo.git('rev-parse', 'HEAD').trim()
    expect(repo.git('show', '--name-status', '--format=%s%n%b', 'HEAD')).toBe(
      'gmr: remove model churn-model\nreplaced by churn-v2\n\n\nD\tregistry/models/churn-model.yaml\nA\tregistry/retired.yaml\n',
    )
    // History keeps everything; check --base accepts the recorded removal.
    await ok('check', '--base', 'HEAD~1')
    expect(await ok('history', 'churn-model')).toContain('    linked v0 -> churn:v0')

    // A deployment asking for it gets one line naming the commit.
    const date = new Date().toISOString().slice(0, 10)
    const line = `churn-model was retired on ${date} by Ada Lovelace in ${commit.slice(0, 10)}: replaced by churn-v2`
    expect(await fails('resolve', 'churn-model:production')).toBe(line)
    expect(await fails('download', 'churn-model:staging', '--to', join(repo.scratch, 'out'))).toBe(line)
    expect(fs.existsSync(join(repo.scratch, 'out'))).toBe(false)
    // The artifact it linked stays.
    expect(await ok('resolve', 'churn:v0')).toBe(`${ref('refs/heads/artifacts/churn')}\n`)
  })

  it('a manifest deleted by hand, with no record, is one error under check --base', async () => {
    await ok('model', 'create', 'spare')
    repo.git('rm', '-q', 'registry/models/spare.yaml')
    repo.git('commit', '-q', '-m', 'drop spare')
    const result = await gmr(repo.dir, repo.env, ['check', '--base', 'HEAD~1'])
    expect(result.code).toBe(1)
    const errors = result.stdout.split('\n').filter((l) => l.startsWith('error'))
    expect(errors).toEqual([
      'error: registry/models/spare.yaml is deleted with no record in registry/retired.yaml: registered model spare and its 0 links and 0 aliases (in HEAD~1) would leave silently; remove it with "gmr model rm spare" (or "gmr model rename"), which records the removal in registry/retired.yaml, or restore the file',
    ])
  })

  it('gmr check validates registry/retired.yaml against its schema, with file:line:col', async () => {
    repo.write('registry/retired.yaml', 'retired:\n  - kind: model\n    name: old\n    retiredAt: yesterday\n    by: {name: Ada, email: ada@example.com}\n')
    const result = await gmr(repo.dir, repo.env, ['check'])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^registry\/retired.yaml:4:16: error: retiredAt "yesterday" must match .* \(e.g. 2024-05-01T12:00:00Z\)$/m)
  })

  it('--no-commit only edits the files; an unknown name says what exists', async () => {
    await ok('model', 'create', 'spare')
    await ok('model', 'rm', 'spare', '--no-commit')
    expect(repo.git('status', '--porcelain')).toBe(' D registry/models/spare.yaml\n?? registry/retired.yaml\n')
    expect(await fails('model', 'rm', 'nothing')).toBe('no registered model named "nothing"; see "gmr models"')
  })

  it('killed after its commit, before the alias refs went: the next command finishes it', async () => {
    const result = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: 'edit:branch' }, ['model', 'rm', 'churn-model', '--force'])
    expect(result.code).toBe(-1)
    fs.rmSync(join(repo.dir, '.git/gmr/registry.lock'), { force: true })
    expect(repo.git('for-each-ref', '--format=%(refname)', 'refs/aliases/')).toBe('refs/aliases/churn-model/production\nrefs/aliases/churn-model/staging\n')
    await ok('models')
    expect(repo.git('for-each-ref', 'refs/aliases/')).toBe('')
    expect(fs.existsSync(join(repo.dir, '.git/gmr/edit.json'))).toBe(false)
    await expectClean()
  })
})

describe('gmr artifact rm', () => {
  it('is refused while a model links a version, even with --force', async () => {
    const before = state()
    expect(await fails('artifact', 'rm', 'churn', '--force')).toBe(
      'cannot remove churn: churn-model:v0 links its versions; unlink first (gmr unlink churn-model:v0) or remove the model (gmr model rm); --force does not override a link',
    )
    expect(state()).toBe(before)
  })

  it('moves the branch to refs/gmr/retired/ so no version is lost; dry run first', async () => {
    await ok('artifact', 'create', 'notes')
    await ok('alias', 'set', 'scratch', 'best', 'v0')
    const tip = ref('refs/heads/artifacts/scratch')
    const before = state()
    const dry = await ok('artifact', 'rm', 'scratch', '--dry-run', '--force')
    expect(dry.startsWith(`would commit: gmr: remove artifact scratch\n${deletion('registry/artifacts/scratch.yaml')}--- /dev/null\n+++ b/registry/retired.yaml\n`)).toBe(true)
    expect(dry).toContain(`+    branch: refs/gmr/retired/artifacts/scratch/${tip}\n+    tip: ${tip}\n`)
    expect(dry.endsWith(
      `would delete refs/aliases/scratch/best (was ${tip.slice(0, 10)})\nwould record in refs/gmr/ledger: scratch:best v0 -> none\n` +
        `would move refs/heads/artifacts/scratch -> refs/gmr/retired/artifacts/scratch/${tip}\nnothing was changed (--dry-run)\n`,
    )).toBe(true)
    expect(state()).toBe(before)

    await ok('artifact', 'rm', 'scratch', '--force', '--reason', 'abandoned')
    await expectClean()
    expect(ref('refs/heads/artifacts/scratch')).toBe('')
    expect(ref(`refs/gmr/retired/artifacts/scratch/${tip}`)).toBe(tip)
    expect(repo.git('for-each-ref', 'refs/aliases/scratch/')).toBe('')
    expect(repo.read('registry/retired.yaml')).toContain(`    branch: refs/gmr/retired/artifacts/scratch/${tip}\n    tip: ${tip}\n`)
    expect(await ok('artifacts')).not.toContain('scratch')
    await ok('check', '--base', 'HEAD~1')
    expect(await fails('resolve', 'scratch')).toMatch(/^scratch was retired on \S+ by Ada Lovelace in [0-9a-f]{10}: abandoned$/)

    // An artifact only declared (no branch) goes the same way, with no branch to keep.
    await ok('artifact', 'rm', 'notes')
    await expectClean()
  })

  it('killed after its commit: the next command moves the branch', async () => {
    const tip = ref('refs/heads/artifacts/scratch')
    const result = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: 'edit:branch' }, ['artifact', 'rm', 'scratch'])
    expect(result.code).toBe(-1)
    fs.rmSync(join(repo.dir, '.git/gmr/registry.lock'), { force: true })
    expect(ref('refs/heads/artifacts/scratch')).toBe(tip)
    await ok('models')
    expect(ref('refs/heads/artifacts/scratch')).toBe('')
    expect(ref(`refs/gmr/retired/artifacts/scratch/${tip}`)).toBe(tip)
    await expectClean()
  })
})

describe('gmr model rename', () => {
  it('moves the manifest, its name and its alias refs; history continues under the new name', async () => {
    // A model card (registry/models/<model>.md) moves with its manifest.
    repo.write('registry/models/churn-model.md', '---\nlicense: mit\n---\n# churn\n')
    repo.git('add', 'registry/models/churn-model.md')
    repo.git('commit', '-q', '-m', 'card')
    const production = ref('refs/aliases/churn-model/production')
    const before = state()
    expect(await ok('model', 'rename', 'churn-model', 'churn-classifier', '--dry-run', '--force')).toContain('nothing was changed (--dry-run)\n')
    expect(state()).toBe(before)
    // production is protected: on the registry branch it moves only with --force.
    expect(await fails('model', 'rename', 'churn-model', 'churn-classifier')).toMatch(/^"production" is a protected alias/)
    expect(state()).toBe(before)

    await ok('model', 'rename', 'churn-model', 'churn-classifier', '--force')
    await expectClean()
    expect(repo.read('registry/models/churn-classifier.yaml')).toContain('name: churn-classifier\n')
    expect(repo.read('registry/models/churn-classifier.md')).toBe('---\nlicense: mit\n---\n# churn\n')
    expect(fs.existsSync(join(repo.dir, 'registry/models/churn-model.md'))).toBe(false)
    expect(fs.existsSync(join(repo.dir, 'registry/models/churn-model.yaml'))).toBe(false)
    expect(repo.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/aliases/')).toBe(
      `refs/aliases/churn-classifier/production ${production}\nrefs/aliases/churn-classifier/staging ${production}\n`,
    )
    await ok('check', '--base', 'HEAD~1')
    expect(await ok('resolve', 'churn-classifier:production')).toBe(`${production}\n`)
    expect(await fails('resolve', 'churn-model:production')).toMatch(
      /^churn-model was renamed to churn-classifier on \S+ by Ada Lovelace in [0-9a-f]{10}; use churn-classifier instead$/,
    )

    const history = await ok('history', 'churn-classifier')
    expect(history).toContain('    renamed from churn-model\n')
    expect(history).toMatch(/\(as churn-model\)\n {4}linked v0 -> churn:v0/)
    const json = JSON.parse(await ok('history', 'churn-classifier', '--json'))
    expect(json.entries.at(-1)).toMatchObject({ name: 'churn-model', subject: 'gmr: create model churn-model' })
  })
})

describe('a removal proposed on a branch', () => {
  it('moves no ref until merged; then gmr sync deletes the refs and moves the branch', async () => {
    const tip = ref('refs/heads/artifacts/scratch')
    repo.git('switch', '-q', '-c', 'retire-old')
    await ok('model', 'rm', 'churn-model', '--force', '--reason', 'old')
    await ok('artifact', 'rm', 'scratch')
    expect(repo.git('for-each-ref', '--format=%(refname)', 'refs/aliases/')).toBe('refs/aliases/churn-model/production\nrefs/aliases/churn-model/staging\n')
    expect(ref('refs/heads/artifacts/scratch')).toBe(tip)
    await ok('check', '--base', 'main')

    repo.git('switch', '-q', 'main')
    repo.git('merge', '-q', '--no-ff', '-m', 'Merge retire-old', 'retire-old')
    expect(await ok('sync', '--dry-run')).toContain(`would move refs/heads/artifacts/scratch -> refs/gmr/retired/artifacts/scratch/${tip}`)
    await ok('sync')
    expect(repo.git('for-each-ref', 'refs/aliases/')).toBe('')
    expect(ref('refs/heads/artifacts/scratch')).toBe('')
    expect(ref(`refs/gmr/retired/artifacts/scratch/${tip}`)).toBe(tip)
    await expectClean()
    // The commit named is the one that landed the record on the registry branch: the merge.
    const merge = repo.git('rev-parse', 'HEAD').trim().slice(0, 10)
    expect(await fails('resolve', 'churn-model:production')).toMatch(new RegExp(` in ${merge}: old$`))
  })
})

describe('a deployment from a remote', () => {
  it('url#model:alias of a retired model gets the same one line, naming the commit that recorded it', async () => {
    const served = await servedRegistry(randomBytes(16), 'production')
    try {
      const { git, ok: run } = mustSucceed(() => served.env)
      await git(served.repo.dir, 'config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/aliases/*')
      await git(served.repo.dir, 'config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/remotes/origin/aliases/*')
      await run(served.repo.dir, 'push')
      await run(served.repo.dir, 'model', 'rm', 'churn-model', '--force', '--reason', 'superseded')
      // gmr push deletes the alias refs the remote still has and this clone no longer does.
      await run(served.repo.dir, 'push')
      expect(await git(served.repo.dir, 'ls-remote', served.url, 'refs/aliases/*')).toBe('')
      const commit = (await git(served.repo.dir, 'rev-parse', 'HEAD')).trim()
      // A later registry commit: the deployment cache holds the branch one commit deep, and must look further back.
      await run(served.repo.dir, 'model', 'create', 'another')
      await run(served.repo.dir, 'push')
      const result = await gmr(served.repo.scratch, served.env, ['download', `${served.url}#churn-model:production`, '--to', join(served.repo.scratch, 'deploy')])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(new RegExp(`^error: churn-model was retired on \\S+ by Ada Lovelace in ${commit.slice(0, 10)}: superseded\\n$`))
    } finally {
      await served.server.stop()
      served.repo.cleanup()
    }
  })
})

describe('the library', () => {
  it('removeModel, renameModel and removeArtifact on openRegistry; a retired name is a RetiredNameError', async () => {
    const registry = openRegistry({ fs, dir: repo.dir, env: repo.env })
    const renamed = await registry.renameModel({ from: 'churn-model', to: 'churn-classifier', force: true })
    expect(renamed.retirement).toMatchObject({ kind: 'model', name: 'churn-model', renamedTo: 'churn-classifier' })
    const removed = await registry.removeModel({ model: 'churn-classifier', force: true, reason: 'done' })
    expect(removed.deletedRefs).toEqual(['refs/aliases/churn-classifier/production', 'refs/aliases/churn-classifier/staging'])
    const artifact = await registry.removeArtifact({ artifact: 'scratch' })
    expect(artifact.branch?.from).toBe('refs/heads/artifacts/scratch')
    const error = await registry.resolve({ ref: 'churn-classifier:production' }).catch((err: unknown) => err)
    expect(error).toBeInstanceOf(RetiredNameError)
    expect((error as RetiredNameError).data).toMatchObject({ name: 'churn-classifier', reason: 'done', by: { name: 'Ada Lovelace', email: 'ada@example.com' } })
    await expectClean()
  })
})
