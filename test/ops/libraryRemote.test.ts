import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clone, downloadRemote, GmrError, openRegistry } from '../../src/index.js'
import { fsck, type TempRepo } from '../helpers/gitRepo.js'
import type { GitServer } from '../helpers/gitServer.js'
import { servedRegistry } from '../helpers/servedRegistry.js'
import { mustSucceed } from '../helpers/runners.js'

/**
 * Every command is a library call first: push, clone, fetch, pull, remote download, check,
 * diff and verify from code, against a real git host (git http-backend with LFS).
 */
let server: GitServer
let repo: TempRepo
let env: Record<string, string>
let url: string
const weights = randomBytes(2 * 1024 * 1024)
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const { git } = mustSucceed(() => env)

beforeAll(async () => {
  ;({ server, repo, env, url } = await servedRegistry(weights, 'production'))
})
afterAll(async () => {
  await server.stop()
  repo.cleanup()
})

describe('the library API beyond one repository', () => {
  it('pushes, clones, downloads from the URL, fetches and pulls, with typed results', async () => {
    const origin = openRegistry({ fs, dir: repo.dir, env })
    const pushed = await origin.push()
    expect(pushed.updates.map((u) => u.dst)).toContain('refs/aliases/churn-model/production')
    expect(pushed.lfs).toEqual({ objects: 1, bytes: weights.length })

    const cloned = await clone({ fs, url, cwd: repo.scratch, dir: 'copy', env })
    expect(cloned).toMatchObject({ registryBranch: 'main', artifacts: ['churn'] })
    const copyDir = join(repo.scratch, 'copy')
    // clone never saves the password (no credential helper here): the clone's owner puts it in the URL.
    await git(copyDir, 'remote', 'set-url', 'origin', url)
    const copy = openRegistry({ fs, dir: copyDir, env })
    expect((await copy.resolve({ ref: 'churn-model:production' })).version).toBe(0)

    const deployed = await downloadRemote({ fs, ref: `${url}#churn-model:production`, to: join(repo.scratch, 'srv'), cwd: repo.scratch, env })
    expect(deployed).toMatchObject({ name: 'churn-model', artifactVersion: 0 })
    expect(sha(fs.readFileSync(join(repo.scratch, 'srv', 'model.bin')))).toBe(sha(weights))

    // A second version logged and pushed from the origin reaches the clone through fetch, then pull.
    fs.writeFileSync(join(repo.scratch, 'out', 'config.json'), '{"layers": 4}\n')
    await origin.logModel({ artifact: 'churn', paths: [join(repo.scratch, 'out')] })
    await origin.push()
    const fetched = await copy.fetch()
    expect(fetched.artifacts).toEqual([expect.objectContaining({ artifact: 'churn', relation: 'behind' })])
    const pulled = await copy.pull()
    expect(pulled.branch).toBe('up-to-date')
    expect((await copy.listVersions({ artifact: 'churn' })).versions.map((v) => v.version)).toEqual([0, 1])

    // A fresh clone has no large files until a download needs them, and check says so.
    const checked = await copy.check()
    expect(checked.findings.map((f) => f.rule)).toEqual(['lfs-missing'])
    expect((await copy.check({ lfs: false })).errors).toBe(0)
    const verified = await copy.verify({ ref: 'churn:v1' })
    expect(verified.version).toBe(1)
    const changes = await copy.diff({ base: 'HEAD', head: 'HEAD' })
    expect(changes.changes).toEqual([])
    fsck({ dir: copyDir, env } as TempRepo)
    expect(await git(copyDir, 'status', '--porcelain')).toBe('')
  })

  it('reports a remote failure as a coded GmrError', async () => {
    const missing = server.url('no-such-repo', server.credentials)
    const error = await clone({ fs, url: missing, cwd: repo.scratch, dir: 'nothing', env }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GmrError)
    expect((error as GmrError).code).toMatch(/^Remote/)
    expect(fs.existsSync(join(repo.scratch, 'nothing'))).toBe(false)
  })
})
