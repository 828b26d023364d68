import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TempRepo } from '../helpers/gitRepo.js'
import type { GitServer } from '../helpers/gitServer.js'
import { expectValid } from '../helpers/jsonSchemas.js'
import { mustSucceed } from '../helpers/runners.js'
import { servedRegistry } from '../helpers/servedRegistry.js'

// The --json contract of the commands that talk to a remote (a real git http-backend with
// LFS on 127.0.0.1): push, clone, fetch, pull, and download from a URL, which prints the
// same document as a download from a checkout.

let server: GitServer
let repo: TempRepo
let env: Record<string, string>
let url: string
const { git, ok } = mustSucceed(() => env)

async function json(schema: string, cwd: string, ...args: string[]): Promise<Record<string, any>> {
  const document = JSON.parse(await ok(cwd, ...args, '--json')) as Record<string, any>
  expectValid(schema, document)
  return document
}

beforeAll(async () => {
  ;({ server, repo, env, url } = await servedRegistry(randomBytes(1536 * 1024), 'production'))
})
afterAll(async () => {
  await server.stop()
  repo.cleanup()
})

describe('remote commands under --json', () => {
  it('push, clone, fetch and pull each print one object', async () => {
    const pushed = await json('push', repo.dir, 'push')
    expect(pushed.refUpdates.map((u: { ref: string }) => u.ref)).toContain('refs/aliases/churn-model/production')
    expect(pushed).toMatchObject({ remote: 'origin', refUpdateCount: pushed.refUpdates.length, lfsObjectCount: 1, lfsByteCount: 1536 * 1024 })

    const clone = join(repo.scratch, 'clone')
    const cloned = await json('clone', repo.scratch, 'clone', url, clone)
    expect(cloned).toMatchObject({ dir: clone, registryBranch: 'main', artifactCount: 1, artifacts: ['churn'], aliasRefCount: 1 })

    await git(clone, 'remote', 'set-url', 'origin', url) // clone keeps no credentials; this test server needs them
    expect(await json('fetch', clone, 'fetch')).toMatchObject({ remote: 'origin', artifactCount: 1, artifacts: [{ artifact: 'churn', relation: 'same', replays: [] }] })

    fs.writeFileSync(join(repo.scratch, 'out', 'config.json'), '{"layers": 4}\n')
    await ok(repo.dir, 'log', 'churn', join(repo.scratch, 'out'))
    await ok(repo.dir, 'push')
    const pulled = await json('pull', clone, 'pull')
    expect(pulled).toMatchObject({ remote: 'origin', relinkedModels: [], artifacts: [{ artifact: 'churn', relation: 'behind' }] })
    expect(await git(clone, 'rev-parse', 'artifacts/churn')).toBe(await git(repo.dir, 'rev-parse', 'artifacts/churn'))
  })

  it('download from a URL prints the same document as download in a checkout: the model version and every file', async () => {
    for (const ref of ['churn-model:production', 'churn-model:v0', 'churn:v0', 'churn:latest']) {
      const local = await json('download', repo.dir, 'download', ref, '--to', join(repo.scratch, `local-${ref}`))
      const remote = await json('download', repo.scratch, 'download', `${url}#${ref}`, '--to', join(repo.scratch, `remote-${ref}`))
      const { dir: _l, remote: none, ...localRest } = local
      const { dir: _r, remote: source, ...remoteRest } = remote
      expect(remoteRest, ref).toEqual(localRest)
      expect(none).toBeNull()
      expect(source).toMatchObject({ url: server.url('models'), transport: 'git' })
    }
    const resolved = JSON.parse(await ok(repo.dir, 'resolve', 'churn-model:production', '--json')).version
    const remote = await json('download', repo.scratch, 'download', `${url}#churn-model:production`, '--to', join(repo.scratch, 'again'))
    expect(remote.version).toEqual(resolved)
    expect(remote.version).toMatchObject({ kind: 'model', name: 'churn-model', version: 0, artifact: 'churn', artifactVersion: 0 })
    expect(remote.remote).toMatchObject({ fetched: false, lfsObjectCount: 0 })
  })

  it('a remote model alias whose commit the manifest does not list is described as the artifact version it is', async () => {
    fs.writeFileSync(join(repo.scratch, 'out', 'config.json'), '{"layers": 5}\n')
    const logged = JSON.parse(await ok(repo.dir, 'log', 'churn', join(repo.scratch, 'out'), '--json')).version
    await ok(repo.dir, 'push')
    // Plain git moves the alias ref to a version no link names.
    await git(repo.dir, 'push', '-q', '--force', 'origin', `${logged.commit}:refs/aliases/churn-model/production`)
    const remote = await json('download', repo.scratch, 'download', `${url}#churn-model:production`, '--to', join(repo.scratch, 'forged'))
    expect(remote.version).toMatchObject({ reference: logged.reference, kind: 'artifact', name: 'churn', commit: logged.commit })
    expect(remote.version).toEqual(logged)

    // A registry branch whose manifest does not parse does not stop a deployment from the alias ref.
    fs.writeFileSync(join(repo.dir, 'registry', 'models', 'churn-model.yaml'), 'name: [unclosed\n')
    await git(repo.dir, 'commit', '-qam', 'a broken manifest')
    await git(repo.dir, 'push', '-q', 'origin', 'main')
    const despite = await json('download', repo.scratch, 'download', `${url}#churn-model:production`, '--to', join(repo.scratch, 'despite'))
    expect(despite.version).toEqual(logged)
  })
})
