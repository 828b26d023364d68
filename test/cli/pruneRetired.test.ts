import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmrIn } from '../helpers/runners.js'
import { fsck, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { sha256 } from '../helpers/lfs.js'

// gmr prune and artifacts removed with gmr artifact rm: their versions are outside the
// retention policy (whatever keepLast and keepWithin say), while history keeps the pointers.

let repo: TempRepo
const { run, ok } = gmrIn(() => repo)

const content = (artifact: string, n: number) => `${artifact} weights ${n}\n`.repeat(20)
const objectPath = (oid: string) => join(repo.dir, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid)

/** Log `artifact` vN with one large file. */
async function logVersion(artifact: string, n: number): Promise<void> {
  const dir = join(repo.scratch, `${artifact}${n}`)
  repo.write(join(dir, 'weights.bin'), content(artifact, n))
  await ok('log', artifact, dir)
}

/** Every stored object older than the grace period, as if logged yesterday. */
function ageObjects(): void {
  const past = new Date(Date.now() - 86_400_000)
  for (const name of fs.readdirSync(join(repo.dir, '.git/lfs/objects'), { recursive: true })) {
    const path = join(repo.dir, '.git/lfs/objects', String(name))
    if (fs.statSync(path).isFile()) fs.utimesSync(path, past, past)
  }
}

function setPolicy(policy: string): void {
  const path = join(repo.dir, 'registry/registry.yaml')
  const text = fs.readFileSync(path, 'utf8').replace(/largeFileThreshold: \d+/, 'largeFileThreshold: 100')
  fs.writeFileSync(path, `${text}${policy}`)
  repo.git('commit', '-q', '-am', 'retention policy')
}

beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
})
afterEach(() => repo.cleanup())

describe('gmr prune and retired artifacts', () => {
  it('frees the large files of every version of a removed artifact, keeps its commits, and only those', async () => {
    setPolicy('retention:\n  keepLast: 5\n  keepWithin: 30d\n')
    for (const n of [0, 1]) await logVersion('scratch', n)
    await logVersion('churn', 0)
    ageObjects()
    // While the artifact is registered, the policy keeps both versions.
    expect(JSON.parse(await ok('prune', '--dry-run', '--json')).objectCount).toBe(0)

    const tip = repo.git('rev-parse', 'artifacts/scratch').trim()
    await ok('artifact', 'rm', 'scratch', '--reason', 'abandoned')
    const refsBefore = repo.git('for-each-ref', '--format=%(refname) %(objectname)')
    const dry = JSON.parse(await ok('prune', '--dry-run', '--json'))
    expect(dry.versions.map((v: { artifact: string; version: number; keep: boolean; objectCount: number }) => [v.artifact, v.version, v.keep, v.objectCount])).toEqual([
      ['churn', 0, true, 0],
      ['scratch', 0, false, 1],
      ['scratch', 1, false, 1],
    ])
    for (const n of [0, 1]) expect(fs.existsSync(objectPath(sha256(content('scratch', n))))).toBe(true)

    const freed = JSON.parse(await ok('prune', '--json'))
    expect(freed).toMatchObject({ dryRun: false, objectCount: 2, size: 2 * content('scratch', 0).length })
    for (const n of [0, 1]) expect(fs.existsSync(objectPath(sha256(content('scratch', n))))).toBe(false)
    expect(fs.existsSync(objectPath(sha256(content('churn', 0))))).toBe(true)
    // History keeps the versions and their pointers; no ref moved.
    expect(repo.git('for-each-ref', '--format=%(refname) %(objectname)')).toBe(refsBefore)
    expect(repo.git('show', `refs/gmr/retired/artifacts/scratch/${tip}:weights.bin`)).toContain(`oid sha256:${sha256(content('scratch', 1))}`)
    expect(fsck(repo)).toBe('')
    expect((await run('check')).code).toBe(0)
  })

  it('without a retention policy nothing is pruned, retired or not', async () => {
    const path = join(repo.dir, 'registry/registry.yaml')
    fs.writeFileSync(path, fs.readFileSync(path, 'utf8').replace(/largeFileThreshold: \d+/, 'largeFileThreshold: 100'))
    repo.git('commit', '-q', '-am', 'threshold')
    await logVersion('scratch', 0)
    ageObjects()
    await ok('artifact', 'rm', 'scratch')
    const json = JSON.parse(await ok('prune', '--json'))
    expect(json.objectCount).toBe(0)
    expect(json.versions).toMatchObject([{ artifact: 'scratch', version: 0, keep: true, reasons: ['no-policy'] }])
    expect(fs.existsSync(objectPath(sha256(content('scratch', 0))))).toBe(true)
  })
})
