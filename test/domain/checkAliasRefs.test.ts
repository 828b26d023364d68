import { describe, expect, it } from 'vitest'
import { locateFindings } from '../../src/domain/checkFindings.js'
import { checkRegistry } from '../../src/domain/checkRegistry.js'
import { buildSnapshot, commitOf, model } from '../helpers/registrySnapshot.js'

const c = (n: number) => commitOf('churn', n)

describe('check on the registry branch: alias refs agree with the manifests', () => {
  const { snapshot, texts } = buildSnapshot({
    models: { 'churn-model': model('churn-model', { links: [0, 1, 2], aliases: { production: 1, staging: 2, canary: 9 } }) },
    artifacts: { churn: { name: 'churn', aliases: { best: 0 } } },
    branches: { churn: 3 },
  })
  const run = (current: Record<string, string>) =>
    locateFindings(checkRegistry({ head: snapshot, aliasRefs: { registryBranch: 'main', registry: snapshot, current: new Map(Object.entries(current)) } }), texts)
      .filter((f) => f.rule === 'alias-ref')
      .map((f) => `${f.file ?? ''}:${f.line ?? ''} ${f.message}`)

  it('refs that say what the manifests say are no finding', () => {
    expect(run({ 'refs/aliases/churn-model/production': c(1), 'refs/aliases/churn-model/staging': c(2), 'refs/aliases/churn/best': c(0) })).toEqual([])
  })

  it('a ref to create, to move or to delete is an error that names gmr sync; a dangling alias is left to its own rule', () => {
    expect(
      run({
        'refs/aliases/churn-model/production': c(0),
        'refs/aliases/churn-model/canary': c(2),
        'refs/aliases/churn-model/old': c(2),
        'refs/aliases/gone/production': c(1),
      }),
    ).toEqual([
      `registry/artifacts/churn.yaml:4 alias best of churn is v0 (${c(0).slice(0, 10)}) on the main branch, but refs/aliases/churn/best does not exist; run "gmr sync" to create it`,
      `registry/models/churn-model.yaml:21 refs/aliases/churn-model/old points at ${c(2).slice(0, 10)}, but no manifest on the main branch declares that alias; run "gmr sync" to delete it`,
      `registry/models/churn-model.yaml:22 alias production of churn-model is v1 (${c(1).slice(0, 10)}) on the main branch, but refs/aliases/churn-model/production points at ${c(0).slice(0, 10)}; run "gmr sync" to move it`,
      `registry/models/churn-model.yaml:23 alias staging of churn-model is v2 (${c(2).slice(0, 10)}) on the main branch, but refs/aliases/churn-model/staging does not exist; run "gmr sync" to create it`,
      `: refs/aliases/gone/production points at ${c(1).slice(0, 10)}, but no manifest on the main branch declares that alias; run "gmr sync" to delete it`,
    ])
  })
})
