import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import type { TempRepo } from '../helpers/gitRepo.js'
import type { GitServer } from '../helpers/gitServer.js'
import { mustSucceed } from '../helpers/runners.js'
import { servedRegistry } from '../helpers/servedRegistry.js'

// Issue 12: an artifact version already in the download cache is served with no network
// round trip; an alias may have moved, so it still asks, with one ref listing.

let server: GitServer
let repo: TempRepo
let env: Record<string, string>
let url: string
const weights = randomBytes(256 * 1024)
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const { ok } = mustSucceed(() => env)

beforeAll(async () => {
  ;({ server, repo, env, url } = await servedRegistry(weights, 'production'))
  await ok(repo.dir, 'push')
})
afterAll(async () => {
  await server.stop()
  repo.cleanup()
})

/** What the server was asked since the last reset, one `METHOD path` each. */
const asked = () => server.requests.map((r) => `${r.method} ${r.url.replace(/\?.*$/, '')}`)

describe('the download cache, offline', () => {
  it('an alias costs one ref listing and no objects once cached; churn:v0 needs no server at all', async () => {
    await ok(repo.scratch, 'download', `${url}#churn:v0`, '--to', join(repo.scratch, 'v0-first'))
    await ok(repo.scratch, 'download', `${url}#churn-model:production`, '--to', join(repo.scratch, 'prod-first'))

    server.resetStats()
    await ok(repo.scratch, 'download', `${url}#churn-model:production`, '--to', join(repo.scratch, 'prod-again'))
    // git's protocol v2: the capabilities (after the credentials challenge), then one ls-refs; no fetch, no LFS.
    expect(asked()).toEqual(['GET /models.git/info/refs', 'GET /models.git/info/refs', 'POST /models.git/git-upload-pack'])
    expect(server.requests.map((r) => r.status)).toEqual([401, 200, 200])
    expect(server.requests[2]!.bytesOut).toBeLessThan(1_000)

    await server.stop()
    const target = join(repo.scratch, 'v0-offline')
    const result = await gmr(repo.scratch, env, ['download', `${url}#churn:v0`, '--to', target])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/note: churn:v0 came from the download cache; .* was not asked \(an artifact version never changes\)/)
    expect(sha(fs.readFileSync(join(target, 'model.bin')))).toBe(sha(weights))
    // An alias may have moved since: it needs the server, and says so when it is gone.
    const alias = await gmr(repo.scratch, env, ['download', `${url}#churn-model:production`, '--to', join(repo.scratch, 'prod-offline')])
    expect(alias.code).toBe(1)
    expect(fs.existsSync(join(repo.scratch, 'prod-offline'))).toBe(false)
  })
})
