import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openRegistry } from '../../src/index.js'
import { fsck, gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { expectValid } from '../helpers/jsonSchemas.js'
import { gmrIn } from '../helpers/runners.js'

// --dry-run on every registry edit: under the lock it plans and checks exactly as the real
// edit, then writes nothing (no file, ref, object or lock); what it says would change is
// what the real run then changes; where the real run fails, it fails the same way.

let repo: TempRepo
const { ok, run } = gmrIn(() => repo)

beforeEach(async () => {
  repo = makeRepo()
  // Pinned, so that a retirement's date (the author's) is the same in the dry run and the real one.
  repo.env.GIT_AUTHOR_DATE = '2026-11-29T09:00:00Z'
  fs.writeFileSync(join(repo.scratch, 'a.txt'), 'weights a\n')
  fs.writeFileSync(join(repo.scratch, 'b.txt'), 'weights b\n')
  fs.writeFileSync(join(repo.scratch, 'card.md'), '---\nlicense: mit\n---\n# churn\n')
  await ok('init')
  await ok('log', 'churn', join(repo.scratch, 'a.txt'))
  await ok('log', 'churn', join(repo.scratch, 'b.txt'))
  await ok('model', 'create', 'churn-model')
  await ok('link', 'churn:v0', 'churn-model', '--alias', 'staging')
  await ok('alias', 'set', 'churn-model', 'production', 'v0', '--force')
})
afterEach(() => repo.cleanup())

/** Everything a dry run could write: the work tree and index, every ref, `.git/gmr/` file by file, and every object. */
function everything(): string {
  const gmrDir = join(repo.dir, '.git/gmr')
  const files = fs.existsSync(gmrDir)
    ? fs.readdirSync(gmrDir, { recursive: true }).map(String).sort().map((f) => {
        const full = join(gmrDir, f)
        return fs.statSync(full).isDirectory() ? f : `${f} ${createHash('sha1').update(fs.readFileSync(full)).digest('hex')}`
      })
    : []
  return [
    repo.git('status', '--porcelain', '--untracked-files=all'),
    repo.git('for-each-ref', '--format=%(refname) %(objectname)'),
    repo.git('rev-parse', 'HEAD'),
    files.join('\n'),
    repo.git('cat-file', '--batch-all-objects', '--batch-check=%(objectname)'),
  ].join('\n--\n')
}

/** Unchanged since `before`, line by line (so a failure shows what changed). */
function expectSame(before: string): void {
  expect(everything().split('\n')).toEqual(before.split('\n'))
}

/** What a user sees of the repository, without the caches gmr fills as it reads. */
function visible(): string {
  return [repo.git('status', '--porcelain', '--untracked-files=all'), repo.git('for-each-ref'), repo.git('rev-parse', 'HEAD')].join('\n')
}

const linkedAt = (text: string | null) => text?.replace(/linkedAt: \S+/g, 'linkedAt: <now>') ?? null

/**
 * Dry run, then the real command, both with --json: the dry run changed nothing, its
 * document is valid and the real one's plus what would change; the real run wrote
 * exactly the planned files, with the planned message and ref changes.
 */
async function dryThenReal(schema: string, ...args: string[]): Promise<Record<string, any>> {
  const before = everything()
  const dry = JSON.parse(await ok(...args, '--dry-run', '--json'))
  expectSame(before)
  expectValid(schema, dry)
  expect(dry.dryRun).toBe(true)
  const real = JSON.parse(await ok(...args, '--json'))
  expectValid(schema, real)
  expect(real.dryRun).toBe(false)
  expect(real.planned).toBeUndefined()
  const edit = (doc: Record<string, any>) => doc.edit ?? { paths: doc.paths, refChanges: doc.refs }
  expect(edit(dry).paths).toEqual(edit(real).paths)
  expect(edit(dry).refChanges).toEqual(edit(real).refChanges)
  expect(dry.planned.message).toBe(repo.git('log', '-1', '--format=%B').replace(/\n+$/, ''))
  for (const file of dry.planned.files) {
    const full = join(repo.dir, file.path)
    expect(linkedAt(fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : null), file.path).toBe(linkedAt(file.after))
  }
  expect(repo.git('show', '--name-only', '--no-renames', '--format=', 'HEAD').split('\n').filter(Boolean).sort()).toEqual(
    dry.planned.files.map((f: { path: string }) => f.path).sort(),
  )
  // The ledger record appended is the one planned.
  const ledger = repo.git('log', '-1', '--format=%B', 'refs/gmr/ledger')
  for (const move of dry.planned.ledger?.moves ?? []) expect(ledger).toContain(`move ${move.name}:${move.alias} `)
  expect(fsck(repo)).toBe('')
  expect(repo.git('status', '--porcelain')).toBe('')
  await ok('check')
  return dry
}

describe('--dry-run on every registry edit', () => {
  it('alias set and rm: the diff, the ref that would move and its ledger record; then the same for real', async () => {
    const staging = repo.git('rev-parse', 'refs/aliases/churn-model/staging').trim()
    await ok('link', 'churn:v1', 'churn-model')
    const before = everything()
    const text = await ok('alias', 'set', 'churn-model', 'staging', 'v1', '--dry-run')
    expectSame(before)
    const v1 = repo.git('rev-parse', 'refs/heads/artifacts/churn').trim()
    expect(text).toBe(
      'would commit: gmr: alias staging of churn-model -> v1 (was v0)\n' +
        '--- a/registry/models/churn-model.yaml\n+++ b/registry/models/churn-model.yaml\n' +
        `@@ -14,5 +14,5 @@\n     commit: ${v1}\n     linkedAt: ${/linkedAt: (\S+)\naliases/.exec(repo.read('registry/models/churn-model.yaml'))![1]}\n` +
        ' aliases:\n-  staging: 0\n+  staging: 1\n   production: 0\n' +
        `would move refs/aliases/churn-model/staging ${staging.slice(0, 10)} -> ${v1.slice(0, 10)}\n` +
        'would record in refs/gmr/ledger: churn-model:staging v0 -> v1\n' +
        'nothing was changed (--dry-run)\n',
    )
    const dry = await dryThenReal('alias', 'alias', 'set', 'churn-model', 'best', 'v1')
    expect(dry.planned.ledger.moves).toEqual([{ name: 'churn-model', alias: 'best', from: null, to: { commit: v1, version: 1 } }])
    await dryThenReal('alias', 'alias', 'rm', 'churn-model', 'best')
  })

  it('artifact create, model create with a card, link, unlink, tag add and rm, meta set and rm, card --set', async () => {
    await dryThenReal('artifact-create', 'artifact', 'create', 'notes', '--description', 'notes')
    const created = await dryThenReal('model-create', 'model', 'create', 'other', '--tag', 'x', '--card', join(repo.scratch, 'card.md'))
    expect(created.planned.files.map((f: { path: string }) => f.path)).toEqual(['registry/models/other.yaml', 'registry/models/other.md'])
    const linked = await dryThenReal('link', 'link', 'churn:v1', 'other', '--alias', 'staging')
    expect(linked.link.version).toBe(0)
    await dryThenReal('link', 'link', 'churn:v0', 'other')
    await dryThenReal('link', 'unlink', 'other:v1')
    await dryThenReal('tags', 'tag', 'add', 'other', 'vision', 'team:a')
    await dryThenReal('tags', 'tag', 'rm', 'other', 'vision')
    await dryThenReal('meta', 'meta', 'set', 'churn:v1', 'auc=0.9', '--description', 'retrained')
    await dryThenReal('meta', 'meta', 'rm', 'churn:v1', 'auc')
    fs.writeFileSync(join(repo.scratch, 'card.md'), '---\nlicense: apache-2.0\n---\n# churn, again\n')
    const card = await dryThenReal('card', 'card', 'other', '--set', join(repo.scratch, 'card.md'))
    expect(card.planned.files).toEqual([
      { path: 'registry/models/other.md', before: '---\nlicense: mit\n---\n# churn\n', after: '---\nlicense: apache-2.0\n---\n# churn, again\n' },
    ])
  })

  it('model rename, model rm and artifact rm: the same shape as every edit', async () => {
    await ok('log', 'scratch', join(repo.scratch, 'a.txt'))
    await ok('alias', 'set', 'scratch', 'best', 'v0')
    const renamed = await dryThenReal('retire', 'model', 'rename', 'churn-model', 'churn-classifier', '--force')
    expect(renamed.refs.map((r: { action: string; ref: string }) => `${r.action} ${r.ref}`)).toEqual([
      'delete refs/aliases/churn-model/production',
      'delete refs/aliases/churn-model/staging',
      'create refs/aliases/churn-classifier/production',
      'create refs/aliases/churn-classifier/staging',
    ])
    await dryThenReal('retire', 'model', 'rm', 'churn-classifier', '--force', '--reason', 'replaced')
    const tip = repo.git('rev-parse', 'refs/heads/artifacts/scratch').trim()
    const removed = await dryThenReal('retire', 'artifact', 'rm', 'scratch', '--force')
    expect(removed.planned.refMoves).toEqual([{ from: 'refs/heads/artifacts/scratch', to: `refs/gmr/retired/artifacts/scratch/${tip}`, oid: tip }])
    expect(repo.git('rev-parse', `refs/gmr/retired/artifacts/scratch/${tip}`).trim()).toBe(tip)
  })

  it('nothing to change, --no-commit, and a branch that is not the registry branch', async () => {
    const before = everything()
    expect(await ok('alias', 'set', 'churn-model', 'staging', 'v0', '--dry-run')).toBe(
      'nothing to change: the registry already says this\nnothing was changed (--dry-run)\n',
    )
    const text = await ok('tag', 'add', 'churn-model', 'x', '--no-commit', '--dry-run')
    expect(text.startsWith('would write (not committed): registry/models/churn-model.yaml\n--- a/registry/models/churn-model.yaml\n')).toBe(true)
    expect(text.endsWith('+  - x\n versions:\n   - version: 0\n     artifact: churn\nnothing was changed (--dry-run)\n')).toBe(true)
    repo.git('switch', '-q', '-c', 'proposal')
    const proposal = await ok('alias', 'set', 'churn-model', 'best', 'v0', '--dry-run')
    expect(proposal).not.toContain('would move refs/aliases')
    expect(proposal).toContain('not the registry branch (main): a proposal; alias refs would move when it is merged and "gmr sync" runs\n')
    repo.git('switch', '-q', 'main')
    repo.git('branch', '-q', '-D', 'proposal')
    expectSame(before)
  })

  it('the library returns the plan: openRegistry(...).setAlias({ dryRun: true })', async () => {
    const registry = openRegistry({ fs, dir: repo.dir, env: repo.env })
    const before = everything()
    const result = await registry.setAlias({ name: 'churn-model', alias: 'best', version: 'v0', dryRun: true })
    expectSame(before)
    expect(result).toMatchObject({ dryRun: true, changed: true, commit: null, version: 0, previous: null, paths: ['registry/models/churn-model.yaml'] })
    expect(result.planned!.message).toBe('gmr: alias best of churn-model -> v0')
    expect(result.refs).toEqual([{ action: 'create', ref: 'refs/aliases/churn-model/best', to: repo.git('rev-parse', 'refs/heads/artifacts/churn~1').trim() }])
  })
})

describe('a dry run fails where the real run fails', () => {
  /** The real command and its dry run: the same one line on stderr, exit 1, and nothing changed (not even a cache); the same JSON error. */
  async function bothFail(...args: string[]): Promise<string> {
    const seen = visible()
    const real = await run(...args)
    expect(visible()).toBe(seen)
    const before = everything()
    const dry = await run(...args, '--dry-run')
    expect(real.code).toBe(1)
    expect(dry).toEqual(real)
    expect(real.stderr).toMatch(/^error: [^\n]+\n$/)
    const jsonDry = await run(...args, '--dry-run', '--json')
    expect(jsonDry).toEqual(await run(...args, '--json'))
    expectValid('error', JSON.parse(jsonDry.stderr))
    expectSame(before)
    return real.stderr
  }

  it('a protected alias without --force, an unknown version, a name that exists, an alias on the link removed', async () => {
    await ok('link', 'churn:v1', 'churn-model')
    expect(await bothFail('alias', 'set', 'churn-model', 'production', 'v1')).toMatch(/^error: "production" is a protected alias: on the registry branch \(main\)/)
    expect(await bothFail('alias', 'rm', 'churn-model', 'production')).toMatch(/^error: "production" is a protected alias/)
    expect(await bothFail('alias', 'set', 'churn-model', 'staging', 'v9')).toMatch(/v9/)
    expect(await bothFail('model', 'create', 'churn-model')).toBe('error: registered model "churn-model" already exists (registry/models/churn-model.yaml)\n')
    expect(await bothFail('unlink', 'churn-model:v0')).toMatch(/staging/)
    expect(await bothFail('model', 'rm', 'churn-model')).toMatch(/^error: cannot remove churn-model: alias production, staging still names/)
  })

  it("the user's uncommitted edit of the manifest: refused, and their edit left as it is", async () => {
    fs.appendFileSync(join(repo.dir, 'registry/models/churn-model.yaml'), '# mine\n')
    expect(await bothFail('tag', 'add', 'churn-model', 'x')).toBe(
      'error: registry/models/churn-model.yaml has changes that are not committed; commit or stash them (git stash), or use --no-commit, and run again\n',
    )
    expect(repo.read('registry/models/churn-model.yaml').endsWith('# mine\n')).toBe(true)
  })
})

describe('a dry run takes the registry lock like the real command', () => {
  /** This test process's start time as /proc says it: a lock naming it is held by a live gmr. */
  function ownStart(): string {
    const stat = fs.readFileSync(`/proc/${process.pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!
  }

  it('waits while another gmr holds it, then plans from the state that gmr left', async () => {
    const lock = join(repo.dir, '.git/gmr/registry.lock')
    const holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command: 'gmr tag add churn-model held', nonce: 'held', start: ownStart(), boot: null }
    fs.writeFileSync(lock, `${JSON.stringify(holder)}\n`)
    const dry = gmrProcess(repo.dir, repo.env, ['tag', 'add', 'churn-model', 'x', '--dry-run'])
    let finished = false
    void dry.then(() => (finished = true))
    // While it waits, the holder edits the manifest (as the other gmr would), then lets go.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(finished).toBe(false)
    repo.write('registry/models/churn-model.yaml', repo.read('registry/models/churn-model.yaml').replace('tags: []', 'tags:\n  - held'))
    repo.git('commit', '-q', '-am', 'held')
    // The held lock, and the waiter's try at it (a temporary file it links into place), are not part of the state.
    const before = everything().replace(/^registry\.lock\S* [0-9a-f]+\n/gm, '')
    fs.rmSync(lock)
    const result = await dry
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(' tags:\n   - held\n+  - x\n')
    expectSame(before)
  })
})
