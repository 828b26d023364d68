import { describe, expect, it } from 'vitest'
import { metadataChanges } from '../../src/domain/metadataDelta.js'
import { diffRegistry } from '../../src/domain/registryDiff.js'
import { buildSnapshot, commitOf, model, oid, type SnapshotSpec } from '../helpers/registrySnapshot.js'

function diff(base: SnapshotSpec, head: SnapshotSpec) {
  return diffRegistry(buildSnapshot({ label: 'origin/main', commit: oid('base'), ...base }).snapshot, buildSnapshot(head).snapshot)
}

const metrics = [{ metadata: { accuracy: 0.91, loss: 0.3, framework: 'torch' } }, { metadata: { accuracy: 0.93, loss: 0.25, framework: 'torch', epochs: 3 } }, {}]

describe('the semantic diff of two registry states', () => {
  it('says so when nothing changed, and ignores edits that change no data (comments, key order)', () => {
    const m = model('churn-model', { links: [0], aliases: { production: 0 } })
    const text = `# yaml-language-server: $schema=https://gmr.dev/schemas/model.schema.json\n# reviewed by ada\naliases: {production: 0}\nname: churn-model\ndescription: ''\ntags: []\nversions:\n  - {version: 0, artifact: churn, artifactVersion: 0, commit: ${commitOf('churn', 0)}, linkedAt: '2026-11-01T10:00:00Z'}\n`
    const result = diff({ models: { 'churn-model': m }, branches: { churn: 1 } }, { models: { 'churn-model': text }, branches: { churn: 1 } })
    expect(result.summary).toBe('No registry changes')
    expect(result.changes).toEqual([])
  })

  it('one plan-style line on top, then per model the links, aliases with their versions and metrics, and tags', () => {
    const base = { models: { 'churn-model': model('churn-model', { links: [0], aliases: { production: 0 }, tags: ['tabular'] }) }, branches: { churn: metrics } }
    const head = { models: { 'churn-model': model('churn-model', { links: [0, 1, 2], aliases: { production: 1 }, tags: ['nlp', 'tabular'] }) }, branches: { churn: metrics } }
    const result = diff(base, head)
    expect(result.summary).toBe('1 model changed: 2 links added, 1 alias moved (production), 1 tag added')
    expect(result.protectedAliases).toEqual([{ kind: 'model', name: 'churn-model', alias: 'production', change: 'moved', from: 0, to: 1 }])
    const [change] = result.changes
    expect(change).toMatchObject({ kind: 'model', name: 'churn-model', path: 'registry/models/churn-model.yaml', status: 'changed', tags: { added: ['nlp'], removed: [] } })
    expect(change!.links.map((l) => [l.change, l.version, l.link.artifactVersion, l.metadata])).toEqual([
      ['added', 1, 1, metrics[1]!.metadata],
      ['added', 2, 2, {}],
    ])
    expect(change!.aliases).toEqual([
      {
        alias: 'production',
        change: 'moved',
        protected: true,
        from: { version: 0, artifact: 'churn', artifactVersion: 0, commit: commitOf('churn', 0), metadata: metrics[0]!.metadata },
        to: { version: 1, artifact: 'churn', artifactVersion: 1, commit: commitOf('churn', 1), metadata: metrics[1]!.metadata },
        metadata: [
          { key: 'accuracy', from: 0.91, to: 0.93, delta: 0.02, direction: 'up' },
          { key: 'loss', from: 0.3, to: 0.25, delta: -0.05, direction: 'down' },
          { key: 'epochs', to: 3, direction: 'added' },
        ],
      },
    ])
  })

  it('an alias move compares the metadata readers see: logged, with gmr meta set additions of the version and the link over it', () => {
    const moved = model('churn-model', { links: [0, 1], aliases: { production: 1 } })
    moved.versions![1]!.metadata = { loss: 0.2 }
    const artifact = { name: 'churn', type: 'model', description: '', aliases: { best: 1 }, additions: { v1: { metadata: { accuracy: 0.97 } } } }
    const base = { models: { 'churn-model': model('churn-model', { links: [0, 1], aliases: { production: 0 } }) }, artifacts: { churn: { ...artifact, aliases: { best: 0 } } }, branches: { churn: metrics } }
    const head = { models: { 'churn-model': moved }, artifacts: { churn: artifact }, branches: { churn: metrics } }
    const result = diff(base, head)
    const [artifactChange, modelChange] = [result.changes.find((c) => c.kind === 'artifact')!, result.changes.find((c) => c.kind === 'model')!]
    expect(modelChange.aliases[0]!.to!.metadata).toEqual({ accuracy: 0.97, loss: 0.2, framework: 'torch', epochs: 3 })
    expect(modelChange.aliases[0]!.metadata).toEqual([
      { key: 'accuracy', from: 0.91, to: 0.97, delta: 0.06, direction: 'up' },
      { key: 'loss', from: 0.3, to: 0.2, delta: -0.1, direction: 'down' },
      { key: 'epochs', to: 3, direction: 'added' },
    ])
    expect(artifactChange.aliases[0]!.metadata.map((m) => [m.key, m.to])).toEqual([['accuracy', 0.97], ['loss', 0.25], ['epochs', 3]])
  })

  it('models added and removed, aliases set and removed, descriptions, and artifacts (type, aliases)', () => {
    const base = {
      models: { old: model('old', { links: [0] }), 'churn-model': model('churn-model', { links: [0, 1], aliases: { staging: 1 }, description: 'v1' }) },
      artifacts: { churn: { name: 'churn', type: 'model', aliases: { best: 0 } } },
      branches: { churn: 2 },
    }
    const head = {
      models: { fresh: model('fresh', { links: [1], aliases: { staging: 0 }, tags: ['a'] }), 'churn-model': model('churn-model', { links: [0, 1], aliases: { canary: 0 }, description: 'v2' }) },
      artifacts: { churn: { name: 'churn', type: 'dataset', aliases: { best: 1 } } },
      branches: { churn: 2 },
    }
    const result = diff(base, head)
    expect(result.summary).toBe(
      '1 model added, 1 model removed, 1 model changed, 1 artifact changed: 1 link added, 2 aliases set (canary, staging), 1 alias moved (best), 1 alias removed (staging), 1 tag added, 1 description changed, 1 type changed',
    )
    expect(result.changes.map((c) => `${c.kind} ${c.name} ${c.status}`)).toEqual(['model churn-model changed', 'model fresh added', 'model old removed', 'artifact churn changed'])
    const churn = result.changes.find((c) => c.name === 'churn')!
    expect(churn.type).toEqual({ from: 'model', to: 'dataset' })
    expect(churn.aliases[0]).toMatchObject({ alias: 'best', change: 'moved', from: { version: 0, commit: commitOf('churn', 0) }, to: { version: 1, commit: commitOf('churn', 1) } })
    const model_ = result.changes.find((c) => c.name === 'churn-model')!
    expect(model_.description).toEqual({ from: 'v1', to: 'v2' })
    expect(model_.aliases.map((a) => `${a.alias} ${a.change} ${a.from?.version ?? '-'} ${a.to?.version ?? '-'}`)).toEqual(['canary set - 0', 'staging removed 1 -'])
    expect(result.protectedAliases).toEqual([])
  })

  it("versions logged since the base, when the base sees another set of branches (a remote's)", () => {
    const remote = (a: string) => `refs/remotes/origin/artifacts/${a}`
    const result = diff(
      { branches: { churn: metrics.slice(0, 1), ranker: 3, gone: 1 }, branchRef: remote },
      { branches: { churn: metrics, ranker: [{}, { commit: oid('other') }], fresh: 1 } },
    )
    expect(result.summary).toBe('1 artifact added, 3 artifacts changed: 4 versions logged, 1 artifact branch rewritten')
    expect(result.changes.map((c) => [c.name, c.status, c.versionsLogged.map((v) => v.artifactVersion), c.branch])).toEqual([
      ['churn', 'changed', [1, 2], null],
      ['fresh', 'added', [0], null],
      ['gone', 'changed', [], { state: 'missing', versions: 1 }],
      ['ranker', 'changed', [1], { state: 'rewritten', at: 1 }],
    ])
    expect(result.changes[0]!.versionsLogged[0]).toEqual({ artifact: 'churn', artifactVersion: 1, commit: commitOf('churn', 1), metadata: metrics[1]!.metadata, time: 1_700_000_001 })
  })

  it('names at most three aliases per kind of change in the summary', () => {
    const aliases = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((a) => [a, 0]))
    const result = diff({ models: { m: model('m', { links: [0] }) }, branches: { churn: 1 } }, { models: { m: model('m', { links: [0], aliases }) }, branches: { churn: 1 } })
    expect(result.summary).toBe('1 model changed: 5 aliases set (a, b, c, +2 more)')
  })

  it('a manifest that does not parse is reported, not diffed', () => {
    const result = diff({ models: { m: model('m') } }, { models: { m: 'name: [' } })
    expect(result.summary).toBe('No readable registry changes; 1 manifest does not parse (run gmr check)')
    expect(result.unreadable).toEqual([{ path: 'registry/models/m.yaml', side: 'head' }])
  })
})

describe('metadata changes between two versions', () => {
  it('flattens nested maps, says up or down for numbers, and lists added and removed keys', () => {
    expect(
      metadataChanges(
        { metrics: { auc: 0.9, f1: 0.8 }, framework: 'torch', lr: 0.001, tags: ['a'] },
        { metrics: { auc: 0.95, f1: 0.8 }, framework: 'jax', epochs: 3, tags: ['a', 'b'] },
      ),
    ).toEqual([
      { key: 'metrics.auc', from: 0.9, to: 0.95, delta: 0.05, direction: 'up' },
      { key: 'framework', from: 'torch', to: 'jax', direction: 'changed' },
      { key: 'epochs', to: 3, direction: 'added' },
      { key: 'tags', from: ['a'], to: ['a', 'b'], direction: 'changed' },
      { key: 'lr', from: 0.001, direction: 'removed' },
    ])
  })
})
