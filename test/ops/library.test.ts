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

  it('adds metadata after the fact and keeps a model card, as gmr meta set and gmr card do', async () => {
    repo.write('out/model.bin', 'weights')
    repo.write('card.md', '---\nlicense: MIT\n---\n# churn-model\n')
    const registry = openRegistry({ fs, dir: repo.dir, env: repo.env })
    await registry.init()
    await registry.logModel({ artifact: 'churn', paths: ['out'], metadata: { auc: 0.97 } })
    await registry.createModel({ name: 'churn-model' })
    const planned = await registry.setMetadata({ ref: 'churn:v0', set: { reviewed: true }, dryRun: true })
    expect(planned).toMatchObject({ changed: true, commit: null, dryRun: true })
    expect(fs.existsSync(join(repo.dir, 'registry/artifacts/churn.yaml'))).toBe(false)
    expect(repo.git('status', '--porcelain')).toBe('?? card.md\n?? out/\n')
    const meta = await registry.setMetadata({ ref: 'churn:v0', set: { reviewed: true } })
    expect(meta.fields.metadata).toEqual({ auc: 0.97, reviewed: true })
    const set = await registry.setModelCard({ model: 'churn-model', file: 'card.md' })
    expect(set.commit).toBe(repo.git('rev-parse', 'HEAD').trim())
    expect(repo.read('registry/models/churn-model.md')).toBe('---\nlicense: MIT\n---\n# churn-model\n')
    expect((await registry.readModelCard({ model: 'churn-model' })).frontMatter).toEqual({ license: 'MIT' })
    fsck(repo)
  })

  it('every operation of src/ops that works on one repository is a method of openRegistry', () => {
    const source = fs.readFileSync(join(import.meta.dirname, '../../src/ops/openRegistry.ts'), 'utf8')
    // Not bound to one repository: the deployment cache, cloning into a new folder, a server, GitHub.
    const elsewhere = ['clone', 'listCache', 'pruneCache', 'remoteDownload', 'serveSite', 'fetchProposalLfs', 'pullRequestComment', 'openRegistry', 'resolveAt']
    const ops = fs.readdirSync(join(import.meta.dirname, '../../src/ops')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
    expect(ops.filter((op) => !elsewhere.includes(op) && !source.includes(`from './${op}.js'`))).toEqual([])
  })

  it('reports errors as coded GmrErrors', async () => {
    const registry = openRegistry({ fs, dir: repo.dir, env: repo.env })
    await registry.init()
    const error = await registry.resolve({ ref: 'nope' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GmrError)
    expect(error).toMatchObject({ code: 'UnknownNameError', data: { name: 'nope', known: [] } })
  })
})
