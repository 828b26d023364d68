import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GmrError, openRegistry } from '../../src/index.js'
import { fsck, makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
beforeEach(() => {
  repo = makeRepo()
})
afterEach(() => repo.cleanup())

describe('the library API (the README example)', () => {
  it('logs, registers, links, aliases, uses, lists and tells history', async () => {
    repo.write('out/model.bin', 'weights')
    const registry = openRegistry({ fs, dir: repo.dir, env: repo.env })
    await registry.init()

    // The README's example, line for line (with this test's paths).
    const logged = await registry.logModel({ artifact: 'churn', paths: ['out'], metadata: { auc: 0.97 } })
    await registry.createModel({ name: 'churn-model', tags: ['tabular'] })
    const { link } = await registry.linkModel({ artifactRef: `churn:v${logged.version}`, model: 'churn-model' })
    await registry.setAlias({ name: 'churn-model', alias: 'staging', version: `v${link.version}` })
    const used = await registry.useModel({ ref: 'churn-model:staging', to: join(repo.scratch, 'serving') })
    const tabular = await registry.listModels({ tags: ['tabular'] })
    const changes = await registry.history({ name: 'churn-model' })

    expect(logged).toMatchObject({ artifact: 'churn', version: 0, unchanged: false })
    expect(link).toMatchObject({ version: 0, artifact: 'churn', artifactVersion: 0, commit: logged.commit })
    expect(used.resolved).toMatchObject({ kind: 'model', version: 0, commit: logged.commit })
    expect(fs.readFileSync(join(repo.scratch, 'serving', 'model.bin'), 'utf8')).toBe('weights')
    expect(tabular.map((m) => m.name)).toEqual(['churn-model'])
    expect(changes.entries.map((e) => e.events.map((x) => x.type))).toEqual([['alias-set'], ['linked'], ['created', 'tag-added']])
    expect(repo.git('rev-parse', 'refs/aliases/churn-model/staging').trim()).toBe(logged.commit)
    fsck(repo)
  })

  it('reports errors as coded GmrErrors', async () => {
    const registry = openRegistry({ fs, dir: repo.dir, env: repo.env })
    await registry.init()
    const error = await registry.resolve({ ref: 'nope' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GmrError)
    expect(error).toMatchObject({ code: 'UnknownNameError', data: { name: 'nope', known: [] } })
  })
})
