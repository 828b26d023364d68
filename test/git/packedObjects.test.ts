import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { toFileSystem } from '../../src/git/repo.js'
import { applyDelta, PackedObjects } from '../../src/git/packedObjects.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
beforeEach(() => {
  repo = makeRepo()
  // Similar files over many commits, so that repacking makes long delta chains.
  let text = ''
  for (let i = 0; i < 40; i++) {
    text += `line ${i} ${'x'.repeat(i % 7)}\n`
    repo.write('data.txt', text)
    repo.write(`dir/file-${i % 5}.txt`, text.split('\n').reverse().join('\n'))
    repo.git('add', '-A')
    repo.git('commit', '-qm', `commit ${i}`)
  }
})
afterEach(() => repo.cleanup())

/** Every object git has, with its type and content as git reads them. */
function gitObjects(): Array<{ oid: string; type: string; content: Buffer }> {
  const listing = repo.git('cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype)').trim().split('\n')
  return listing.map((line) => {
    const [oid, type] = line.split(' ') as [string, string]
    return { oid, type, content: execFileSync('git', ['cat-file', type, oid], { cwd: repo.dir, env: repo.env }) }
  })
}

async function readsLikeGit(): Promise<number> {
  const reader = new PackedObjects({ fs: toFileSystem(fs), gitdir: `${repo.dir}/.git` })
  const objects = gitObjects()
  for (const { oid, type, content } of objects) {
    const read = await reader.read(oid)
    expect(read.type, oid).toBe(type)
    expect(read.content.equals(content), oid).toBe(true)
  }
  return objects.length
}

describe('reading objects straight from packs', () => {
  it('reads every object of a repository packed with offset deltas, as git does', async () => {
    repo.git('gc', '-q', '--aggressive')
    expect(repo.git('verify-pack', '-v', ...fs.readdirSync(`${repo.dir}/.git/objects/pack`).filter((n) => n.endsWith('.idx')).map((n) => `.git/objects/pack/${n}`))).toMatch(/chain length = [2-9]/)
    expect(await readsLikeGit()).toBeGreaterThan(150)
  })

  it('reads reference deltas, and loose objects through the ordinary path', async () => {
    repo.git('-c', 'repack.useDeltaBaseOffset=false', 'repack', '-q', '-a', '-d', '-f')
    repo.write('loose.txt', 'not packed yet\n')
    repo.git('add', 'loose.txt')
    repo.git('commit', '-qm', 'loose')
    expect(await readsLikeGit()).toBeGreaterThan(150)
  })

  it('refuses a delta that does not fit its base', () => {
    const base = Buffer.from('hello')
    // source size 5, target size 3, copy 3 bytes from offset 4: past the end of the base.
    expect(() => applyDelta(base, Buffer.from([5, 3, 0x91, 4, 3]))).toThrow(/does not apply/)
    expect(applyDelta(base, Buffer.from([5, 3, 0x91, 1, 3])).toString()).toBe('ell')
  })
})
