import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmrIn } from '../helpers/runners.js'
import { fsck, makeRepo, type TempRepo } from '../helpers/gitRepo.js'

// A name registry/retired.yaml records as removed or renamed is not taken again by accident:
// gmr model create, gmr artifact create and gmr log refuse it in one line, naming when and by
// whom it was retired, unless --reuse-retired-name; the record stays either way.

let repo: TempRepo
const { run, ok } = gmrIn(() => repo)

/** Refused: one line on stderr, exit 1, the repository exactly as it was. */
async function refused(...args: string[]): Promise<string> {
  const before = state()
  const result = await run(...args)
  expect(result.code, `gmr ${args.join(' ')} should fail: ${result.stdout}`).toBe(1)
  expect(result.stderr).toMatch(/^error: [^\n]+\n$/)
  expect(state()).toBe(before)
  return result.stderr.slice('error: '.length, -1)
}

function state(): string {
  const files = fs.readdirSync(join(repo.dir, 'registry'), { recursive: true }).map(String).sort()
  return [repo.git('rev-parse', 'HEAD'), repo.git('for-each-ref'), repo.git('status', '--porcelain'), files.join('\n'), repo.read('registry/retired.yaml')].join('\n')
}

beforeEach(async () => {
  repo = makeRepo()
  fs.writeFileSync(join(repo.scratch, 'a.txt'), 'weights a\n')
  await ok('init')
  await ok('log', 'scratch', join(repo.scratch, 'a.txt'))
  await ok('model', 'create', 'churn-old')
  await ok('model', 'create', 'churn')
  await ok('artifact', 'rm', 'scratch', '--reason', 'abandoned experiment')
  await ok('model', 'rm', 'churn-old', '--reason', 'replaced by churn-v2')
  await ok('model', 'rename', 'churn', 'churn-classifier')
})
afterEach(() => repo.cleanup())

const commit = () => repo.git('log', '--format=%h', '--abbrev=10', '-1', '--', 'registry/retired.yaml').trim()

describe('re-creating a retired name', () => {
  it('gmr model create is refused, naming when, by whom and the flag; --reuse-retired-name creates it and keeps the record', async () => {
    const recorded = repo.git('log', '--format=%h', '--abbrev=10', '-1', 'HEAD~1').trim()
    expect(await refused('model', 'create', 'churn-old')).toMatch(
      new RegExp(`^cannot create registered model churn-old: churn-old was retired on \\d{4}-\\d\\d-\\d\\d by Ada Lovelace in ${recorded}: replaced by churn-v2; to use the name again anyway, pass --reuse-retired-name \\(registry/retired.yaml keeps the record\\)$`),
    )
    const record = repo.read('registry/retired.yaml')
    await ok('model', 'create', 'churn-old', '--reuse-retired-name')
    expect(fs.existsSync(join(repo.dir, 'registry/models/churn-old.yaml'))).toBe(true)
    expect(repo.read('registry/retired.yaml')).toBe(record)
    expect(fsck(repo)).toBe('')
    expect((await run('check')).code).toBe(0)
    // Once created again, the name resolves as any other.
    expect(await ok('models')).toContain('churn-old')
  })

  it('a renamed model\'s old name is refused too, saying where it went', async () => {
    expect(await refused('model', 'create', 'churn')).toMatch(
      new RegExp(`^cannot create registered model churn: churn was renamed to churn-classifier on \\S+ by Ada Lovelace in ${commit()}; use churn-classifier instead; to use the name again anyway, pass --reuse-retired-name`),
    )
  })

  it('gmr log and gmr artifact create refuse a retired artifact (or model) name; with the flag, a new chain starts at v0 and the old one stays', async () => {
    const retiredRef = repo.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/gmr/retired/')
    const file = join(repo.scratch, 'a.txt')
    expect(await refused('log', 'scratch', file)).toMatch(/^cannot create artifact scratch: scratch was retired on \S+ by Ada Lovelace in [0-9a-f]{10}: abandoned experiment; to use the name again anyway, pass --reuse-retired-name/)
    expect(await refused('artifact', 'create', 'scratch')).toMatch(/^cannot create artifact scratch: scratch was retired/)
    expect(await refused('log', 'churn-old', file)).toMatch(/^cannot create artifact churn-old: churn-old was retired .*: replaced by churn-v2;/)

    const json = await run('log', 'scratch', file, '--json')
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'RetiredNameReuseError' } })

    expect(await ok('log', 'scratch', file, '--reuse-retired-name')).toBe('scratch:v0\n')
    expect(repo.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/gmr/retired/')).toBe(retiredRef)
    // The artifact exists again: logging to it needs no flag.
    fs.writeFileSync(join(repo.scratch, 'b.txt'), 'weights b\n')
    expect(await ok('log', 'scratch', join(repo.scratch, 'b.txt'))).toBe('scratch:v1\n')
    expect(fsck(repo)).toBe('')
    expect((await run('check')).code).toBe(0)
  })
})
