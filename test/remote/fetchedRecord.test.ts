import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo, remoteUserEnv } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer } from '../helpers/gitServer.js'
import { filesBelow, sha256 } from '../helpers/lfs.js'
import { mustSucceed } from '../helpers/runners.js'
import { hasTool } from '../helpers/tools.js'

/**
 * Issue 12: an object a fetch writes into the store was hashed as it arrived, so the store
 * records it as known good when it renames it into place (as it does for `gmr log`): the
 * download right after the fetch copies it without hashing it again. A fetched object
 * changed in place at once, whatever it does to keep its stat, is hashed and refused.
 */
let repo: TempRepo
let env: Record<string, string>
const { git, ok } = mustSucceed(() => env)
const servers: GitServer[] = []
// One object moved whole (≤ 1 MiB) and one in pieces: the LFS client's two ways into the store.
const small = randomBytes(100 * 1024)
const large = randomBytes(3 * 1024 * 1024)

beforeAll(() => {
  repo = makeRepo()
  env = remoteUserEnv(repo)
})
afterAll(async () => {
  for (const server of servers) await server.stop()
  repo.cleanup()
})

let counter = 0
/** churn:v0 (small.bin, large.bin) pushed to `remote` (a server's URL, or made from the folder the caller names); returns a clone of it. */
async function pushedClone(remote: 'http' | 'path'): Promise<string> {
  const n = ++counter
  const dir = join(repo.scratch, `registry-${n}`)
  const folder = join(repo.scratch, `model-${n}`)
  fs.mkdirSync(dir)
  fs.mkdirSync(folder)
  fs.writeFileSync(join(folder, 'small.bin'), small)
  fs.writeFileSync(join(folder, 'large.bin'), large)
  await git(dir, 'init', '-q', '-b', 'main')
  await ok(dir, 'init')
  await ok(dir, 'log', 'churn', folder, '--large-file-threshold', '1024')
  let url: string
  if (remote === 'http') {
    const server = await startGitServer()
    servers.push(server)
    server.createRepo('models')
    url = server.url('models')
  } else {
    url = join(repo.scratch, `bare-${n}.git`)
    await git(repo.scratch, 'init', '-q', '--bare', url)
  }
  await git(dir, 'remote', 'add', 'origin', url)
  await ok(dir, 'push')
  const clone = join(repo.scratch, `clone-${n}`)
  await ok(repo.scratch, 'clone', url, clone)
  return clone
}

const objectPath = (clone: string, oid: string) => join(clone, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid)
const readRecord = (clone: string) => JSON.parse(fs.readFileSync(join(clone, '.git/gmr/verified-lfs.json'), 'utf8')) as Record<string, { ino: string; written?: boolean }>

/** Rewrite the file in place with the same size, at once, and put its mtime back to the nanosecond. */
function rewriteKeepingMtime(path: string, content: Buffer): void {
  const { mtimeNs } = fs.statSync(path, { bigint: true })
  fs.writeFileSync(path, content)
  const ns = String(mtimeNs % 1_000_000_000n).padStart(9, '0')
  execFileSync('touch', ['-m', '-d', `@${mtimeNs / 1_000_000_000n}.${ns}`, path])
}

/** `content` with one bit flipped: same size, another SHA-256. */
function damaged(content: Buffer): Buffer {
  const out = Buffer.from(content)
  out[4321] = out[4321]! ^ 1
  return out
}

describe.each([
  ['an LFS server', 'http' as const],
  ['a remote that is a local path', 'path' as const],
])('objects fetched from %s', (_, remote) => {
  it('are recorded as written by gmr as they are renamed into the store, and the download writes them right', async () => {
    const clone = await pushedClone(remote)
    const out = join(clone, 'out')
    await ok(clone, 'download', 'churn:v0', '--to', out)
    expect(fs.readFileSync(join(out, 'small.bin')).equals(small)).toBe(true)
    expect(fs.readFileSync(join(out, 'large.bin')).equals(large)).toBe(true)
    const record = readRecord(clone)
    for (const content of [small, large]) {
      const oid = sha256(content)
      expect(record[oid]).toMatchObject({ ino: String(fs.statSync(objectPath(clone, oid)).ino), written: true })
    }
    expect(filesBelow(join(clone, '.git/lfs/tmp'))).toEqual([])
    // Trusted: the next download copies it as it is.
    await ok(clone, 'download', 'churn:v0', '--to', join(clone, 'again'))
    expect(fs.readFileSync(join(clone, 'again/large.bin')).equals(large)).toBe(true)
  })

  it.skipIf(!hasTool('touch')).each([
    ['small.bin', small],
    ['large.bin', large],
  ])('a fetched %s rewritten in place at once (same size, mtime put back with touch -d) is hashed and refused by the next download', async (name, content) => {
    const clone = await pushedClone(remote)
    await ok(clone, 'download', 'churn:v0', '--to', join(clone, 'out'))
    const oid = sha256(content)
    const path = objectPath(clone, oid)
    const before = fs.statSync(path)
    const bad = damaged(content)
    rewriteKeepingMtime(path, bad)
    const after = fs.statSync(path)
    expect([after.size, after.ino, after.mtimeMs]).toEqual([before.size, before.ino, before.mtimeMs])
    const target = join(clone, 'serving')
    const refused = await gmr(clone, env, ['download', 'churn:v0', '--to', target])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`refusing to write ${name}: Git LFS object ${oid} is corrupt (its content hashes to ${sha256(bad)})`)
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(fs.existsSync(target)).toBe(false)
  })
})
