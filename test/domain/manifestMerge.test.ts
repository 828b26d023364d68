import { describe, expect, it } from 'vitest'
import { mergeManifests, rewriteLinks } from '../../src/domain/manifestMerge.js'
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
