import * as fs from 'node:fs'
import * as net from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { bytes, MiB, sha256 } from '../helpers/lfs.js'

/**
 * A download whose Git LFS objects are not in the local store asks the registry's remote
 * for them. Only "there is no remote" falls through to the missing-object message; a
 * remote that refuses, cannot be reached or is not one gmr will talk to says so.
 */
let repo: TempRepo
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)
let oid: string
const git = (...args: string[]) => repo.git(...args)

beforeEach(async () => {
  repo = makeRepo()
  expect((await run('init')).code).toBe(0)
  const model = join(repo.scratch, 'out')
  const weights = bytes(2 * MiB, 7)
  oid = sha256(weights)
  repo.write(join(model, 'weights.bin'), weights)
  expect((await run('log', 'churn', model)).code).toBe(0)
  fs.rmSync(join(repo.dir, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid))
})
afterEach(() => repo.cleanup())

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

describe('gmr download of a version whose LFS objects are not here', () => {
  it('without a remote: one line naming the object and how to fetch it', async () => {
    const target = join(repo.scratch, 'no-remote')
    const result = await run('download', 'churn:v0', '--to', target)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(new RegExp(`^error: cannot download churn:v0: the Git LFS object of weights\\.bin \\(${oid}\\) is not in .*; fetch it`))
    expect(result.stderr.split('\n')).toHaveLength(2)
    expect(fs.existsSync(target)).toBe(false)
  })

  it('a remote that cannot be reached: the network error, not "missing"', async () => {
    git('remote', 'add', 'origin', `http://127.0.0.1:${await closedPort()}/models.git`)
    const target = join(repo.scratch, 'unreachable')
    const result = await run('download', 'churn:v0', '--to', target, '--json')
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stderr).error.code).toBe('RemoteTransferError')
    expect(fs.existsSync(target)).toBe(false)
  })

  it('a remote URL gmr refuses to use: the refusal, not "missing"', async () => {
    git('remote', 'add', 'origin', 'ext::sh -c touch% /tmp/gmr-pwned')
    const target = join(repo.scratch, 'refused')
    const result = await run('download', 'churn:v0', '--to', target, '--json')
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stderr).error.code).toBe('RemoteUrlRefusedError')
    expect(fs.existsSync(target)).toBe(false)
  })
})
