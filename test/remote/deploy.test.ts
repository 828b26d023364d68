import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { gmrProcess, type TempRepo } from '../helpers/gitRepo.js'
import type { GitServer } from '../helpers/gitServer.js'
import { servedRegistry } from '../helpers/servedRegistry.js'
import { mustSucceed } from '../helpers/runners.js'
import { hasTool } from '../helpers/tools.js'

/**
 * A registry pushed to a real git host (git http-backend) with a spec-following LFS
 * server, then deployed from with no checkout: gmr's download, plain git + git-lfs, and
 * gmr without a git binary.
 */
let server: GitServer
let repo: TempRepo
let env: Record<string, string>
let url: string
const weights = randomBytes(3 * 1024 * 1024)
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')

const { git, ok } = mustSucceed(() => env)

beforeAll(async () => {
  ;({ server, repo, env, url } = await servedRegistry(weights, 'production'))
  await git(repo.dir, 'config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/aliases/*')
  await git(repo.dir, 'config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/remotes/origin/aliases/*')
  // Every test below reads from this pushed registry, so each one passes alone and in any order.
  await ok(repo.dir, 'push')
})
afterAll(async () => {
  await server.stop()
  repo.cleanup()
})
beforeEach(() => server.resetStats())

describe('push with large files', () => {
  it('uploads the LFS objects before the refs move, then pushes atomically', async () => {
    server.createRepo('pushed')
    const second = server.url('pushed', server.credentials)
    await git(repo.dir, 'remote', 'add', 'second', second)
    await git(repo.dir, 'config', '--add', 'remote.second.fetch', '+refs/aliases/*:refs/remotes/second/aliases/*')
    const out = await ok(repo.dir, 'push', 'second')
    expect(out).toContain('pushed refs/heads/artifacts/churn\n')
    expect(out).toContain('pushed refs/aliases/churn-model/production\n')
    expect(out).toContain('uploaded 1 large files (3.0 MiB)\n')
    const stored = fs.readFileSync(server.lfsObjectPath('pushed', sha(weights)))
    expect(sha(stored)).toBe(sha(weights))
    const order = server.requests.map((r) => r.class).filter((c) => c === 'lfs-object' || c === 'receive-pack')
    expect(order[0]).toBe('lfs-object')
    expect(await git(repo.dir, 'ls-remote', second, 'refs/aliases/*')).toContain('refs/aliases/churn-model/production')
  })
})

describe('deploying one version with no checkout', () => {
  it('gmr download url#model:alias fetches one ref at depth 1 plus its LFS objects; a repeat transfers nothing', async () => {
    const target = join(repo.scratch, 'deploy-1')
    const out = await ok(repo.scratch, 'download', `${url}#churn-model:production`, '--to', target)
    expect(out).toContain(`-> ${target}`)
    expect(sha(fs.readFileSync(join(target, 'model.bin')))).toBe(sha(weights))
    expect(fs.readFileSync(join(target, 'config.json'), 'utf8')).toBe('{"layers": 3}\n')
    // The model's files only: gmr's .gitattributes is in the tree for plain git, not in the deployed folder.
    expect(fs.readdirSync(target).sort()).toEqual(['config.json', 'model.bin'])
    const first = server.stats()
    expect(first['lfs-object'].bytesOut).toBe(weights.length)
    // One small pack: the version's commit, trees and small blobs, no history.
    expect(first['upload-pack'].bytesOut).toBeLessThan(10_000)

    server.resetStats()
    const again = join(repo.scratch, 'deploy-2')
    const json = JSON.parse(await ok(repo.scratch, 'download', `${url}#churn-model:production`, '--to', again, '--json'))
    expect(json.remote).toMatchObject({ fetched: false, lfsObjectCount: 0, lfsByteCount: 0 })
    const second = server.stats()
    expect(second['lfs-object'].bytesOut).toBe(0)
    expect(second['lfs-batch'].requests).toBe(0)
    expect(sha(fs.readFileSync(join(again, 'model.bin')))).toBe(sha(weights))
  })

  it.skipIf(!hasTool('git-lfs'))('plain git with git-lfs deploys the same bytes from the alias ref', async () => {
    const dir = join(repo.scratch, 'plain-deploy')
    fs.mkdirSync(dir)
    await git(dir, 'init', '-q')
    await git(dir, 'remote', 'add', 'origin', url) // git-lfs finds its server through the remote
    await git(dir, 'fetch', '-q', '--depth', '1', 'origin', 'refs/aliases/churn-model/production')
    await git(dir, 'checkout', '-q', 'FETCH_HEAD')
    expect(sha(fs.readFileSync(join(dir, 'model.bin')))).toBe(sha(weights))
    expect(await git(dir, 'lfs', 'fsck')).toMatch(/Git LFS fsck OK/)
  })

  it('works without a git binary, through isomorphic-git', async () => {
    const nodeOnly = join(repo.scratch, 'node-only-bin')
    fs.mkdirSync(nodeOnly, { recursive: true })
    if (!fs.existsSync(join(nodeOnly, 'node'))) fs.symlinkSync(process.execPath, join(nodeOnly, 'node'))
    const target = join(repo.scratch, 'deploy-nogit')
    const result = await gmrProcess(repo.scratch, { ...env, PATH: nodeOnly, XDG_CACHE_HOME: join(repo.scratch, 'cache-nogit') }, [
      'download', `${url}#churn:v0`, '--to', target, '--json',
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).remote.transport).toBe('isomorphic-git')
    expect(sha(fs.readFileSync(join(target, 'model.bin')))).toBe(sha(weights))
  })
})

describe('remote failures are one clear line', () => {
  it('wrong URL, missing credentials, unknown alias', async () => {
    const cases: Array<[string, RegExp]> = [
      [`${server.url('nope', server.credentials)}#churn:latest`, /^error: cannot reach .*nope\.git: no repository there; check the URL\n$|^error: cannot .* no repository there/],
      [`${server.url('models')}#churn:latest`, /^error: cannot reach http:\/\/127\.0\.0\.1:\d+\/models\.git: authentication failed/],
      [`${url}#churn-model:canary`, /^error: http:\/\/127\.0\.0\.1:\d+\/models\.git has no alias canary for churn-model; aliases there: production\n$/],
    ]
    for (const [ref, message] of cases) {
      const result = await gmr(repo.scratch, env, ['download', ref, '--to', join(repo.scratch, 'never')])
      expect(result.stderr).toMatch(message)
      expect(result.code).toBe(1)
      expect(fs.existsSync(join(repo.scratch, 'never'))).toBe(false)
    }
  })

  it('a connection dropped mid-fetch fails clearly; the retry succeeds', async () => {
    const cache = join(repo.scratch, 'cache-drop')
    server.failures.dropConnectionAfterBytes = { path: /\/info\/lfs\/objects\//, bytes: 100_000, direction: 'response' }
    const target = join(repo.scratch, 'deploy-drop')
    const failed = await gmr(repo.scratch, { ...env, XDG_CACHE_HOME: cache, GMR_LFS_RETRIES: '0' }, ['download', `${url}#churn:latest`, '--to', target])
    expect(failed.code).toBe(1)
    expect(failed.stderr.split('\n')).toHaveLength(2)
    expect(fs.existsSync(target)).toBe(false)
    const retried = await gmr(repo.scratch, { ...env, XDG_CACHE_HOME: cache }, ['download', `${url}#churn:latest`, '--to', target])
    expect(retried.code, retried.stderr).toBe(0)
    expect(sha(fs.readFileSync(join(target, 'model.bin')))).toBe(sha(weights))
  })
})
