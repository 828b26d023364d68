import { Volume, createFsFromVolume } from 'memfs'
import { describe, expect, it } from 'vitest'
import type { FsClient } from '../../src/git/fs.js'
import { download } from '../../src/ops/download.js'
import { init } from '../../src/ops/init.js'
import { listVersions } from '../../src/ops/listVersions.js'
import { logVersion } from '../../src/ops/logVersion.js'
import { openRegistry } from '../../src/ops/openRegistry.js'
import { resolve } from '../../src/ops/resolve.js'

const env = { GIT_AUTHOR_NAME: 'Mem', GIT_AUTHOR_EMAIL: 'mem@example.com', GIT_COMMITTER_NAME: 'Mem', GIT_COMMITTER_EMAIL: 'mem@example.com' }

/** A repository that exists only in memory: what `git init` leaves, written by hand. */
function memoryRepo(): { fs: FsClient; vol: InstanceType<typeof Volume> } {
  const vol = Volume.fromJSON({
    '/repo/.git/HEAD': 'ref: refs/heads/main\n',
    '/repo/.git/config': '[core]\n\trepositoryformatversion = 0\n\tbare = false\n',
    '/repo/.git/objects/info/.keep': '',
    '/repo/.git/refs/heads/.keep': '',
    '/input/model.bin': 'weights',
    '/input/cfg/params.json': '{"lr":0.1}',
  })
  return { fs: createFsFromVolume(vol) as unknown as FsClient, vol }
}

describe('the library on memfs', () => {
  it('init, log, resolve, list and download without touching the disk', async () => {
    const { fs, vol } = memoryRepo()
    const opts = { fs, dir: '/repo', env }
    const initialised = await init(opts)
    expect(initialised.registryBranch).toBe('main')
    expect(vol.readFileSync('/repo/registry/registry.yaml', 'utf8')).toContain('registryBranch: main')

    const first = await logVersion({ ...opts, artifact: 'm', paths: ['/input'], metadata: { acc: 0.5 } })
    expect(first).toMatchObject({ artifact: 'm', version: 0, unchanged: false })
    vol.writeFileSync('/input/model.bin', 'weights 2')
    const second = await logVersion({ ...opts, artifact: 'm', paths: ['/input'] })
    expect(second.version).toBe(1)
    const again = await logVersion({ ...opts, artifact: 'm', paths: ['/input'] })
    expect(again).toMatchObject({ version: 1, unchanged: true, commit: second.commit })

    expect((await resolve({ ...opts, ref: 'm:v0' })).commit).toBe(first.commit)
    const { versions } = await listVersions({ ...opts, artifact: 'm' })
    expect(versions.map((v) => v.metadata)).toEqual([{ acc: 0.5 }, {}])

    const result = await download({ ...opts, ref: 'm:v0', to: '/out' })
    expect(result.written).toBe(2)
    expect(vol.readFileSync('/out/model.bin', 'utf8')).toBe('weights')
    expect(vol.readFileSync('/out/cfg/params.json', 'utf8')).toBe('{"lr":0.1}')
  })

  it('registered models, aliases, history and sync in memory', async () => {
    const { fs, vol } = memoryRepo()
    const registry = openRegistry({ fs, dir: '/repo', env })
    await registry.init()
    const logged = await registry.logModel({ artifact: 'm', paths: ['/input'] })
    await registry.createModel({ name: 'model', tags: ['mem'] })
    await registry.linkModel({ artifactRef: 'm:v0', model: 'model', aliases: ['staging'] })
    expect(vol.readFileSync('/repo/registry/models/model.yaml', 'utf8')).toContain('aliases:\n  staging: 0\n')
    expect(vol.readFileSync('/repo/.git/refs/aliases/model/staging', 'utf8')).toBe(`${logged.commit}\n`)
    expect((await registry.resolve({ ref: 'model:staging' })).commit).toBe(logged.commit)
    const { entries } = await registry.history({ name: 'model' })
    expect(entries.map((e) => e.events.map((x) => x.type))).toEqual([['linked', 'alias-set'], ['created', 'tag-added']])
    expect((await registry.sync()).changes).toEqual([])
  })
})
