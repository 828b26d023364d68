import { Volume, createFsFromVolume } from 'memfs'
import { describe, expect, it } from 'vitest'
import type { FsClient } from '../../src/git/fs.js'
import { check } from '../../src/ops/check.js'
import { diff } from '../../src/ops/diff.js'
import { openRegistry } from '../../src/ops/openRegistry.js'

const env = { GIT_AUTHOR_NAME: 'Mem', GIT_AUTHOR_EMAIL: 'mem@example.com', GIT_COMMITTER_NAME: 'Mem', GIT_COMMITTER_EMAIL: 'mem@example.com' }

describe('check and diff on memfs', () => {
  it('review a registry that exists only in memory', async () => {
    const vol = Volume.fromJSON({
      '/repo/.git/HEAD': 'ref: refs/heads/main\n',
      '/repo/.git/config': '[core]\n\trepositoryformatversion = 0\n\tbare = false\n',
      '/repo/.git/objects/info/.keep': '',
      '/repo/.git/refs/heads/.keep': '',
      '/input/model.bin': 'weights',
    })
    const fs = createFsFromVolume(vol) as unknown as FsClient
    const registry = openRegistry({ fs, dir: '/repo', env })
    await registry.init()
    const v0 = await registry.logModel({ artifact: 'm', paths: ['/input'], metadata: { acc: 0.5 } })
    vol.writeFileSync('/input/model.bin', 'weights 2')
    await registry.logModel({ artifact: 'm', paths: ['/input'], metadata: { acc: 0.7 } })
    await registry.createModel({ name: 'model' })
    await registry.linkModel({ artifactRef: 'm:v0', model: 'model', aliases: ['staging'] })
    await registry.linkModel({ artifactRef: 'm:v1', model: 'model' })
    expect(await check({ fs, dir: '/repo', env })).toMatchObject({ errors: 0, warnings: 0, checked: { aliasRefs: 'main', links: 2 } })

    const path = '/repo/registry/models/model.yaml'
    vol.writeFileSync(path, String(vol.readFileSync(path, 'utf8')).replace('staging: 0', 'staging: 1'))
    const changed = await diff({ fs, dir: '/repo', env })
    expect(changed.summary).toBe('1 model changed: 1 alias moved (staging)')
    expect(changed.changes[0]!.aliases[0]).toMatchObject({ from: { commit: v0.commit }, metadata: [{ key: 'acc', from: 0.5, to: 0.7, direction: 'up' }] })
    // Uncommitted, so the refs still follow the committed manifest: nothing to sync yet.
    expect(await check({ fs, dir: '/repo', env })).toMatchObject({ errors: 0 })
  })
})
