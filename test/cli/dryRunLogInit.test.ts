import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openRegistry } from '../../src/index.js'
import { gmr } from '../helpers/cli.js'
import { fsck, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { expectValid } from '../helpers/jsonSchemas.js'
import { gmrIn } from '../helpers/runners.js'
import { repoFingerprint } from '../helpers/state.js'

// --dry-run of log and init: what they would write, printed; nothing written (every file of
// the repository, .git/gmr and the LFS store included, stays as it was); the real run then
// does what the dry run said.

let repo: TempRepo
const { run, ok } = gmrIn(() => repo)
beforeEach(() => {
  repo = makeRepo()
})
afterEach(() => repo.cleanup())

/** Every file of the repository (.git/gmr and .git/lfs included) and what git status says. */
function everything() {
  return { files: repoFingerprint(repo.dir, { caches: true }), status: repo.git('--no-optional-locks', 'status', '--porcelain') }
}

async function planned(schema: string, ...args: string[]): Promise<Record<string, any>> {
  const document = JSON.parse(await ok(...args, '--dry-run', '--json')) as Record<string, any>
  expectValid(schema, document)
  expect(document.dryRun).toBe(true)
  return document
}

function trainingRun(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(repo.scratch, name)
  fs.mkdirSync(dir, { recursive: true })
  for (const [path, content] of Object.entries(files)) fs.writeFileSync(join(dir, path), content)
  return dir
}

describe('gmr init --dry-run', () => {
  it('prints the file it would write and the branch it would commit on, writes nothing; init then writes exactly that file', async () => {
    const before = everything()
    const plan = await planned('init', 'init', '--protected-alias', 'canary')
    const text = await ok('init', '--dry-run')
    expect(everything()).toEqual(before)
    expect(plan).toMatchObject({ registryBranch: 'main', config: { protectedAliases: ['canary'] }, refUpdates: [{ ref: 'refs/heads/main', oldOid: repo.git('rev-parse', 'main').trim() }] })
    expect(plan.files.map((f: { path: string }) => f.path)).toEqual(['registry/registry.yaml'])
    expect(text).toMatch(/^would create registry\/registry\.yaml:\n {2}/)
    expect(text.endsWith('would commit it on main (the registry branch)\nnothing was changed (--dry-run)\n')).toBe(true)

    await ok('init', '--protected-alias', 'canary')
    expect(repo.read('registry/registry.yaml')).toBe(plan.files[0].text)
    expect(repo.git('show', '--name-only', '--format=', 'HEAD').trim()).toBe('registry/registry.yaml')

    const again = await run('init', '--dry-run')
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^error: .* is already a gmr registry \(registry\/registry\.yaml exists\)\n$/)
  })
})

describe('gmr log --dry-run', () => {
  beforeEach(async () => {
    await ok('init')
  })

  it('prints the version it would create, file by file with sizes and LFS, writes no object, ref or LFS object; log then creates it', async () => {
    const out = trainingRun('out', { 'model.bin': Buffer.alloc(2 * 1024 * 1024, 7), 'config.json': '{"layers": 3}\n' })
    const before = everything()
    const plan = await planned('log', 'log', 'churn', out, '--alias', 'candidate')
    const text = await ok('log', 'churn', out, '--dry-run')
    const library = await openRegistry({ fs, dir: repo.dir, env: repo.env }).planLogModel({ artifact: 'churn', paths: [out] })
    expect(everything()).toEqual(before)
    expect(library).toMatchObject({ version: 0, unchanged: false, tree: plan.tree, newLfsObjects: 1 })
    expect(plan).toMatchObject({ reference: 'churn:v0', version: 0, unchanged: false, lfsFileCount: 1, newLfsObjectCount: 1, newLfsByteCount: 2 * 1024 * 1024, aliases: ['candidate'] })
    expect(plan.files).toEqual([
      { path: '.gitattributes', size: expect.any(Number), lfs: false },
      { path: 'config.json', size: 14, lfs: false },
      { path: 'model.bin', size: 2 * 1024 * 1024, lfs: true },
    ])
    expect(text).toBe(
      'would log churn:v0: 3 files, 1 in Git LFS\n' +
        `  .gitattributes  ${plan.files[0].size} B\n  config.json  14 B\n  model.bin  2.0 MiB  (LFS)\n` +
        'would add 1 large file (2.0 MiB) to the LFS store\nnothing was changed (--dry-run)\n',
    )

    const logged = JSON.parse(await ok('log', 'churn', out, '--json')) as Record<string, any>
    expect(logged.version.reference).toBe('churn:v0')
    expect(repo.git('rev-parse', 'artifacts/churn^{tree}').trim()).toBe(plan.tree)
    fsck(repo)

    // The same files again: unchanged, same as v0; changed files: the next number.
    const same = everything()
    expect(await ok('log', 'churn', out, '--dry-run')).toBe('churn: unchanged: same as v0 (3 files); a log would create no version\nnothing was changed (--dry-run)\n')
    expect(await planned('log', 'log', 'churn', out)).toMatchObject({ reference: 'churn:v0', unchanged: true, newLfsObjectCount: 0 })
    fs.writeFileSync(join(out, 'config.json'), '{"layers": 4}\n')
    expect(await planned('log', 'log', 'churn', out)).toMatchObject({ reference: 'churn:v1', unchanged: false, newLfsObjectCount: 0 })
    expect(everything()).toEqual({ ...same, status: same.status })
  })

  it('refuses what log refuses, with the same message', async () => {
    const out = trainingRun('out', { 'model.bin': 'weights' })
    for (const args of [['log', 'Bad Name', out], ['log', 'churn', join(repo.scratch, 'missing')], ['log', 'churn', out, '--alias', 'production']]) {
      const dry = await run(...args, '--dry-run')
      const real = await gmr(repo.dir, repo.env, args)
      expect(dry.code, args.join(' ')).toBe(real.code)
      expect(dry.stderr).toBe(real.stderr)
    }
  })
})
