import * as fs from 'node:fs'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { expectValid } from '../helpers/jsonSchemas.js'

// Every --json output of the read commands against its schema in schemas/cli/, and the conventions they share.

describe('the --json contract', () => {
  let repo: TempRepo
  const run = async (...args: string[]) => {
    const result = await gmr(repo.dir, repo.env, args)
    expect(result.code, `gmr ${args.join(' ')}: ${result.stderr}`).toBe(0)
    return JSON.parse(result.stdout) as Record<string, any>
  }

  beforeAll(async () => {
    repo = makeRepo()
    writeFileSync(join(repo.scratch, 'model.txt'), 'weights\n')
    for (const args of [
      ['init'],
      ['log', 'churn', join(repo.scratch, 'model.txt'), '-m', 'first', '--metadata', 'auc=0.9'],
      ['model', 'create', 'churn-model', '--tag', 'tabular'],
      ['link', 'churn:v0', 'churn-model', '--alias', 'staging'],
    ]) {
      const result = await gmr(repo.dir, repo.env, args)
      expect(result.code, result.stderr).toBe(0)
    }
  })
  afterAll(() => repo.cleanup())

  it('one version object across versions, show and resolve', async () => {
    const versions = await run('versions', 'churn', '--json')
    expectValid('versions', versions)
    expect(versions.versionCount).toBe(1)
    const shown = await run('show', 'churn:v0', '--json')
    expectValid('show', shown)
    const resolved = await run('resolve', 'churn:v0', '--json')
    expectValid('resolve', resolved)
    expect(shown.version).toEqual(versions.versions[0])
    expect(resolved.version).toEqual(versions.versions[0])
    expect(versions.versions[0]).toMatchObject({
      reference: 'churn:v0',
      author: { name: 'Ada Lovelace', email: 'ada@example.com' },
      description: 'first',
      metadata: { auc: 0.9 },
    })

    const viaModel = await run('resolve', 'churn-model:staging', '--json')
    expectValid('resolve', viaModel)
    const { reference, kind, name, linkedAt, ...sameVersion } = viaModel.version
    expect({ reference, kind, name }).toEqual({ reference: 'churn-model:staging', kind: 'model', name: 'churn-model' })
    expect(linkedAt).toMatch(/Z$/)
    const { reference: _r, kind: _k, name: _n, ...artifactSide } = versions.versions[0]
    expect(sameVersion).toEqual(artifactSide)
    expectValid('resolve', await run('resolve', 'churn-model:staging', '--at', '2999-01-01', '--json'))
    expectValid('show', await run('show', 'churn-model:staging', '--json'))
  })

  it('lists are objects with a count and the plural noun', async () => {
    const artifacts = await run('artifacts', '--json')
    expectValid('artifacts', artifacts)
    expect(artifacts.artifacts.map((a: { name: string }) => a.name)).toEqual(['churn'])
    const models = await run('models', '--json')
    expectValid('models', models)
    expect(models.models[0]).toMatchObject({ name: 'churn-model', linkCount: 1, latestVersion: 0 })
    const aliases = await run('aliases', 'churn-model', '--json')
    expectValid('aliases', aliases)
    expect(aliases.aliasCount).toBe(1)
    expectValid('show', await run('show', 'churn', '--json'))
    const model = await run('show', 'churn-model', '--json')
    expectValid('show', model)
    expect(model.model.linkCount).toBe(1)
  })

  it('history: people as {name, email}, times as ISO 8601', async () => {
    const history = await run('history', 'churn-model', '--json')
    expectValid('history', history)
    expect(history.entries[0].author).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' })
  })

  it('prune and cache: sizes in bytes, counts named Count, last use as ISO 8601', async () => {
    const pruned = await run('prune', '--dry-run', '--json')
    expectValid('prune', pruned)
    expect(pruned.versions[0]).toMatchObject({ artifact: 'churn', version: 0, keep: true, reasons: ['no-policy', 'linked', 'aliased'] })
    const config = join(repo.dir, 'registry/registry.yaml')
    const text = readFileSync(config, 'utf8')
    writeFileSync(config, `${text}retention:\n  keepLast: 0\n  keepWithin: 12h\n`)
    const withPolicy = await run('prune', '--dry-run', '--json')
    writeFileSync(config, text)
    expectValid('prune', withPolicy)
    expect(withPolicy.policy).toEqual({ keepLast: 0, keepWithin: '12h' })
    const cacheEnv = { ...repo.env, XDG_CACHE_HOME: join(repo.scratch, 'cache') }
    const entry = join(repo.scratch, 'cache/gmr/repos/0123456789abcdef.git')
    fs.mkdirSync(join(entry, 'gmr'), { recursive: true })
    writeFileSync(join(entry, 'gmr/used.json'), JSON.stringify({ url: 'https://example.com/models.git', usedAt: '2026-01-02T03:04:05.678Z' }))
    const cache = async (...args: string[]) => JSON.parse((await gmr(repo.dir, cacheEnv, ['cache', ...args, '--json'])).stdout)
    const listed = await cache('ls')
    expectValid('cache-ls', listed)
    expect(listed.entries[0]).toMatchObject({ key: '0123456789abcdef', url: 'https://example.com/models.git', usedAt: '2026-01-02T03:04:05Z', inUse: false })
    expectValid('cache-prune', await cache('prune', '--older-than', '1d'))
    expectValid('cache-prune', await cache('clear'))
  })

  it('meta and card: the version and link changed, logged and added metadata apart; the card as front matter and body', async () => {
    const meta = await run('meta', 'set', 'churn:v0', 'epochs=3', 'eval.f1=0.8', '--description', 'better', '--json')
    expectValid('meta', meta)
    expect(meta).toMatchObject({ reference: 'churn:v0', target: 'version', edit: { changed: true }, loggedMetadata: { auc: 0.9 }, addedMetadata: { epochs: 3, eval: { f1: 0.8 } } })
    const link = await run('meta', 'set', 'churn-model:staging', 'owner=risk', '--json')
    expectValid('meta', link)
    expect(link).toMatchObject({ reference: 'churn-model:v0', target: 'link', addedMetadata: { epochs: 3, eval: { f1: 0.8 }, owner: 'risk' } })
    const versions = await run('versions', 'churn', '--json')
    expectValid('versions', versions)
    expect(versions.versions[0]).toMatchObject({ description: 'better', loggedDescription: 'first', addedDescription: 'better' })
    expectValid('show', await run('show', 'churn-model:staging', '--json'))
    expectValid('show', await run('show', 'churn-model', '--json'))
    expectValid('resolve', await run('resolve', 'churn-model:staging', '--json'))
    writeFileSync(join(repo.scratch, 'card.md'), '---\nlicense: mit\nmetrics:\n  - {name: auc, value: 0.9}\n---\n# Churn\n')
    const set = await run('card', 'churn-model', '--set', join(repo.scratch, 'card.md'), '--json')
    expectValid('card', set)
    expect(set.edit.changed).toBe(true)
    const card = await run('card', 'churn-model', '--json')
    expectValid('card', card)
    expect(card).toEqual({ model: 'churn-model', path: 'registry/models/churn-model.md', frontMatter: { license: 'mit', metrics: [{ name: 'auc', value: 0.9 }] }, body: '# Churn\n' })
  })

  it('an error is one JSON object on stderr with the same exit code', async () => {
    for (const [args, code, errorCode] of [
      [['resolve', 'nothing', '--json'], 1, 'UnknownNameError'],
      [['versions', '--json', '--bogus'], 2, 'UsageError'],
      [['check', '--format', 'json', '--rev', 'no-such-rev'], 1, undefined],
    ] as const) {
      const result = await gmr(repo.dir, repo.env, [...args])
      expect(result.code, args.join(' ')).toBe(code)
      const error = JSON.parse(result.stderr)
      expectValid('error', error)
      if (errorCode) expect(error.error.code).toBe(errorCode)
      expect(error.error.message).not.toMatch(/^error: |\n/)
    }
    // Without --json the same error stays one line of text.
    expect((await gmr(repo.dir, repo.env, ['resolve', 'nothing'])).stderr).toMatch(/^error: [^\n]+\n$/)
  })

  it('retire: model rm, model rename and artifact rm, each a dry run and then real; a retired name is a JSON error', async () => {
    writeFileSync(join(repo.scratch, 'other.txt'), 'other\n')
    for (const args of [['model', 'create', 'spare'], ['model', 'create', 'old-name'], ['log', 'scratch', join(repo.scratch, 'other.txt')]]) {
      const result = await gmr(repo.dir, repo.env, args)
      expect(result.code, result.stderr).toBe(0)
    }
    for (const args of [
      ['model', 'rm', 'spare', '--dry-run', '--json'],
      ['model', 'rm', 'spare', '--reason', 'unused', '--json'],
      ['model', 'rename', 'old-name', 'new-name', '--dry-run', '--json'],
      ['model', 'rename', 'old-name', 'new-name', '--json'],
      ['artifact', 'rm', 'scratch', '--dry-run', '--json'],
      ['artifact', 'rm', 'scratch', '--json'],
    ]) {
      const out = await run(...args)
      expectValid('retire', out)
      expect(out.dryRun).toBe(args.includes('--dry-run'))
      expect(out.retirement.by).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' })
    }
    const result = await gmr(repo.dir, repo.env, ['resolve', 'spare', '--json'])
    expect(result.code).toBe(1)
    const error = JSON.parse(result.stderr)
    expectValid('error', error)
    expect(error.error.code).toBe('RetiredNameError')
    expect(error.error.message).toMatch(/^spare was retired on \d{4}-\d{2}-\d{2} by Ada Lovelace in [0-9a-f]{10}: unused$/)
  })
})
