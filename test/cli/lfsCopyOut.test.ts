import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { bytes, MiB, sha256 } from '../helpers/lfs.js'
import { gmrIn } from '../helpers/runners.js'

/**
 * Issue 12: download writes a version's large files several at a time. What a user sees
 * stays as when they were written one by one: every file byte for byte with its mode, and
 * on a corrupt object the error of the first such file in path order, with nothing of the
 * download left behind (the kill tests in crashSafety cover a download killed mid-way).
 */
let repo: TempRepo
let model: string
const { run, ok } = gmrIn(() => repo)
const FILES = 20
const name = (i: number) => `part-${String(i).padStart(2, '0')}.bin`
// part-03 is the largest, so it is likely still being hashed when a later corrupt one fails.
const content = (i: number) => bytes(i === 3 ? 4 * MiB : 64 * 1024 + i, i + 1)

beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
  model = join(repo.scratch, 'out')
  for (let i = 0; i < FILES; i++) repo.write(join(model, 'shards', name(i)), content(i), i % 4 === 0 ? 0o755 : 0o644)
  await ok('log', 'churn', model, '--large-file-threshold', '1024')
})
afterEach(() => repo.cleanup())

const objectPath = (oid: string) => join(repo.dir, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid)

/** Rewrite the object of file i in place with one bit flipped; returns its oid and the damaged bytes' hash. */
function corrupt(i: number): { oid: string; hash: string } {
  const damaged = Buffer.from(content(i))
  damaged[100] = damaged[100]! ^ 1
  const oid = sha256(content(i))
  fs.writeFileSync(objectPath(oid), damaged)
  return { oid, hash: sha256(damaged) }
}

describe('download of many large files, several at a time', () => {
  it('writes every file byte for byte with its mode, twice over (from a hash, then from the record)', async () => {
    for (const to of ['first', 'second']) {
      const target = join(repo.scratch, to)
      await ok('download', 'churn', '--to', target)
      expect(fs.readdirSync(join(target, 'shards')).sort()).toEqual(Array.from({ length: FILES }, (_, i) => name(i)))
      for (let i = 0; i < FILES; i++) {
        const path = join(target, 'shards', name(i))
        expect(fs.readFileSync(path).equals(content(i)), name(i)).toBe(true)
        expect(fs.statSync(path).mode & 0o777, name(i)).toBe(i % 4 === 0 ? 0o755 : 0o644)
      }
    }
  })

  it('on corrupt objects says the first file in path order, and leaves no folder and no temporary file', async () => {
    const first = corrupt(3)
    corrupt(5)
    corrupt(17)
    const target = join(repo.scratch, 'serving')
    const refused = await run('download', 'churn', '--to', target)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      `error: refusing to write shards/${name(3)}: Git LFS object ${first.oid} is corrupt (its content hashes to ${first.hash}); delete ${objectPath(first.oid)} and fetch it again ("git lfs fetch"), or log the file again\n`,
    )
    expect(fs.readdirSync(repo.scratch).sort()).toEqual(['out'])
  })

  it('into an existing folder with --force, a corrupt object changes nothing there', async () => {
    const target = join(repo.scratch, 'serving')
    fs.mkdirSync(join(target, 'shards'), { recursive: true })
    for (let i = 0; i < FILES; i++) fs.writeFileSync(join(target, 'shards', name(i)), `old ${i}`)
    corrupt(11)
    const refused = await run('download', 'churn', '--to', target, '--force')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`refusing to write shards/${name(11)}: Git LFS object ${sha256(content(11))} is corrupt`)
    expect(fs.readdirSync(join(target, 'shards')).sort()).toEqual(Array.from({ length: FILES }, (_, i) => name(i)))
    for (let i = 0; i < FILES; i++) expect(fs.readFileSync(join(target, 'shards', name(i)), 'utf8')).toBe(`old ${i}`)
  })
})
