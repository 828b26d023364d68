import { describe, expect, it } from 'vitest'
import { followReplayed, mergeManifests, rewriteLinks } from '../../src/domain/manifestMerge.js'
import { addLink, addTags, setAlias, type ModelYaml } from '../../src/domain/manifests.js'

const c = (s: string) => s.repeat(40).slice(0, 40)
const link = (m: ModelYaml, commit: string, artifactVersion: number) =>
  addLink(m, { artifact: 'churn', artifactVersion, commit: c(commit) }, '2026-11-26T10:00:00Z').model

describe('merging manifests by meaning', () => {
  const base = link({ name: 'm', description: 'd' }, 'a', 0)

  it('keeps both sides\' new links, renumbering ours after theirs, and follows ours\' aliases', () => {
    const theirs = setAlias(link(base, 'b', 1), 'staging', 1)
    const ours = setAlias(addTags(link(base, 'c', 2), ['x']), 'canary', 1)
    const { merged, conflicts } = mergeManifests(base, ours, theirs)
    expect(conflicts).toEqual([])
    const model = merged as ModelYaml
    expect(model.versions!.map((l) => [l.version, l.commit[0]])).toEqual([[0, 'a'], [1, 'b'], [2, 'c']])
    expect(model.aliases).toEqual({ staging: 1, canary: 2 })
    expect(model.tags).toEqual(['x'])
  })

  it('a link both sides made to the same commit is one link', () => {
    const theirs = link(base, 'b', 1)
    const ours = setAlias(link(base, 'b', 1), 'staging', 1)
    const { merged } = mergeManifests(base, ours, theirs)
    expect((merged as ModelYaml).versions).toHaveLength(2)
    expect(merged!.aliases).toEqual({ staging: 1 })
  })

  it('the same alias moved to different versions, or two new descriptions, are conflicts', () => {
    const both = link(link(base, 'b', 1), 'c', 2)
    const theirs = { ...setAlias(both, 'production', 1), description: 'theirs' }
    const ours = { ...setAlias(both, 'production', 2), description: 'ours' }
    expect(mergeManifests(both, ours, theirs).conflicts).toEqual([
      'alias production of m: you set v2, the remote set v1',
      'description of m changed on both sides',
    ])
  })

  it('one-sided changes win outright', () => {
    const changed = addTags(base, ['t'])
    expect(mergeManifests(base, changed, base).merged).toEqual(changed)
    expect(mergeManifests(base, base, changed).merged).toEqual(changed)
  })
})

describe('rewriting links after a replay', () => {
  it('points links at the replayed commit and number', () => {
    const m = link(link({ name: 'm' }, 'a', 0), 'b', 1)
    const out = rewriteLinks(m, [{ artifact: 'churn', fromCommit: c('b'), fromVersion: 1, commit: c('e'), version: 3 }])
    expect(out.versions![1]).toMatchObject({ version: 1, commit: c('e'), artifactVersion: 3 })
    expect(out.versions![0]).toBe(m.versions![0])
  })
})

describe('artifact aliases after a replay', () => {
  const replayed = [
    { artifact: 'churn', fromCommit: c('b'), fromVersion: 1, commit: c('e'), version: 2 },
    { artifact: 'churn', fromCommit: c('d'), fromVersion: 2, commit: c('f'), version: 3 },
    { artifact: 'other', fromCommit: c('g'), fromVersion: 0, commit: c('h'), version: 5 },
  ]

  it('follow their versions to the new numbers, each mapped once (v1 -> v2 is not then taken to v3)', () => {
    const artifact = { name: 'churn', aliases: { keep: 0, mine: 1, next: 2 } }
    expect(followReplayed('artifact', artifact, replayed).aliases).toEqual({ keep: 0, mine: 2, next: 3 })
  })

  it('another artifact\'s replay, and a model\'s aliases (link numbers), are left alone', () => {
    const artifact = { name: 'churn', aliases: { x: 0 } }
    expect(followReplayed('artifact', artifact, replayed)).toBe(artifact)
    const model = setAlias(link({ name: 'churn' }, 'z', 0), 'staging', 0)
    expect(followReplayed('model', model, replayed).aliases).toEqual({ staging: 0 })
  })

  it('then a merge reports the same alias set differently on both sides', () => {
    const ours = followReplayed('artifact', { name: 'churn', aliases: { best: 1 } }, replayed)
    expect(mergeManifests({ name: 'churn' }, ours, { name: 'churn', aliases: { best: 1 } }).conflicts).toEqual([
      'alias best of churn: you set v2, the remote set v1',
    ])
  })
})
