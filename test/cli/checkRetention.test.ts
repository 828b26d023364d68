import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkRetention } from '../../src/domain/checkRetention.js'
import { gmrIn } from '../helpers/runners.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

// gmr check and the retention policy: a warning per artifact whose versions outside the
// policy still hold large files in this clone's store; exit 0 all the same.

let repo: TempRepo
const { run, ok } = gmrIn(() => repo)

function ageObjects(): void {
  const past = new Date(Date.now() - 86_400_000)
  for (const name of fs.readdirSync(join(repo.dir, '.git/lfs/objects'), { recursive: true })) {
    const path = join(repo.dir, '.git/lfs/objects', String(name))
    if (fs.statSync(path).isFile()) fs.utimesSync(path, past, past)
  }
}

beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
  const path = join(repo.dir, 'registry/registry.yaml')
  fs.writeFileSync(path, `${fs.readFileSync(path, 'utf8').replace(/largeFileThreshold: \d+/, 'largeFileThreshold: 100')}retention:\n  keepLast: 1\n`)
  repo.git('commit', '-q', '-am', 'retention policy')
  for (const n of [0, 1, 2, 3]) {
    repo.write(join(repo.scratch, `m${n}`, 'weights.bin'), `weights of version ${n}\n`.repeat(50))
    await ok('log', 'churn', join(repo.scratch, `m${n}`))
  }
})
afterEach(() => repo.cleanup())

describe('gmr check and retention', () => {
  it('says which versions are outside the policy and what gmr prune frees, exits 0; nothing once pruned', async () => {
    // Objects written within the last hour are not pruned, so not reported either.
    expect(await ok('check')).not.toContain('retention')
    ageObjects()
    const text = await ok('check')
    expect(text).toContain('warning: churn: 3 versions (v0–v2) are outside the retention policy; "gmr prune" frees 3.1 KiB\n')
    const json = JSON.parse(await ok('check', '--json'))
    expect(json.findings).toEqual([
      { severity: 'warning', rule: 'retention-outside', message: 'churn: 3 versions (v0–v2) are outside the retention policy; "gmr prune" frees 3.1 KiB' },
    ])
    expect(json).toMatchObject({ errorCount: 0, warningCount: 1 })

    await ok('prune')
    expect(await ok('check')).not.toContain('retention')
  })

  it('a clone with no large files (a CI clone) gets nothing', async () => {
    ageObjects()
    fs.rmSync(join(repo.dir, '.git/lfs/objects'), { recursive: true })
    const result = await run('check')
    expect(result.stdout).not.toContain('retention')
  })
})

describe('checkRetention', () => {
  it('one finding per artifact, its versions as ranges; kept versions and versions with nothing to free are left out', () => {
    const v = (artifact: string, version: number, keep: boolean, size: number) => ({ artifact, version, keep, objectCount: size > 0 ? 1 : 0, size })
    expect(checkRetention([v('a', 0, false, 1024), v('a', 1, false, 1024), v('a', 2, false, 1024), v('a', 3, true, 9), v('a', 5, false, 2048), v('b', 0, false, 0), v('c', 4, false, 100)])).toEqual([
      { severity: 'warning', rule: 'retention-outside', message: 'a: 4 versions (v0–v2, v5) are outside the retention policy; "gmr prune" frees 5.0 KiB' },
      { severity: 'warning', rule: 'retention-outside', message: 'c: 1 version (v4) is outside the retention policy; "gmr prune" frees 100 B' },
    ])
  })
})
