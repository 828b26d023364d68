import { parseDocument } from 'yaml'
import { describe, expect, it } from 'vitest'
import { planAliasSync } from '../../src/domain/aliasSync.js'
import { updateDocument } from '../../src/domain/manifestDocument.js'
import { describeEvent, manifestEvents } from '../../src/domain/manifestEvents.js'
import {
  addLink,
  addTags,
  nextLinkNumber,
  removeAlias,
  removeLink,
  removeTags,
  selectLink,
  setAlias,
  type ModelYaml,
} from '../../src/domain/manifests.js'

const c = (n: number) => String(n).repeat(40).slice(0, 40)
const target = (n: number) => ({ artifact: 'churn', artifactVersion: n, commit: c(n) })
const AT = '2026-11-26T10:00:00Z'

function model(...versions: number[]): ModelYaml {
  let m: ModelYaml = { name: 'm' }
  for (const v of versions) m = addLink(m, target(v), AT).model
  return m
}

describe('links', () => {
  it('number links from v0 in link order and find an existing link by commit', () => {
    const m = model(5, 7)
    expect(m.versions!.map((l) => [l.version, l.artifactVersion])).toEqual([[0, 5], [1, 7]])
    const again = addLink(m, target(5), AT)
    expect(again.existed).toBe(true)
    expect(again.link.version).toBe(0)
    expect(again.model).toBe(m)
  })

  it('never reuse a number: unlinking the highest records nextVersion', () => {
    const m = model(1, 2, 3)
    const { model: after } = removeLink(m, 1)
    expect(after.nextVersion).toBeUndefined()
    expect(nextLinkNumber(after)).toBe(3)
    const { model: top } = removeLink(after, 2)
    expect(top.nextVersion).toBe(3)
    expect(nextLinkNumber(top)).toBe(3)
    const relinked = addLink(top, target(9), AT)
    expect(relinked.link.version).toBe(3)
    expect(relinked.model.nextVersion).toBeUndefined()
  })

  it('refuse to unlink an aliased link and say how to proceed', () => {
    const m = setAlias(model(1, 2), 'production', 1)
    expect(() => removeLink(m, 1)).toThrow(
      'cannot unlink m:v1: alias production names it; move it first with "gmr alias set m production v<N>" or remove it with "gmr alias rm m production"',
    )
  })

  it('select links by number, latest and alias', () => {
    const m = setAlias(model(4, 5, 6), 'staging', 1)
    expect(selectLink(m, { kind: 'number', number: 2 }).artifactVersion).toBe(6)
    expect(selectLink(m, { kind: 'latest' }).version).toBe(2)
    expect(selectLink(m, { kind: 'alias', alias: 'staging' }).artifactVersion).toBe(5)
    expect(() => selectLink(m, { kind: 'alias', alias: 'prod' })).toThrow('m has no alias "prod"; aliases: staging')
    expect(() => selectLink(model(), { kind: 'latest' })).toThrow(/m has no links yet/)
  })
})

describe('aliases and tags', () => {
  it('an alias names one version: setting moves it', () => {
    const m = setAlias(setAlias(model(1, 2), 'production', 0), 'production', 1)
    expect(m.aliases).toEqual({ production: 1 })
    expect(removeAlias(m, 'production').aliases).toEqual({})
    expect(() => removeAlias(m, 'staging')).toThrow('m has no alias "staging"; aliases: production')
  })

  it('tags stay unique and sorted', () => {
    const m = addTags(addTags(model(), ['b', 'a']), ['a', 'c'])
    expect(m.tags).toEqual(['a', 'b', 'c'])
    expect(removeTags(m, ['b']).tags).toEqual(['a', 'c'])
    expect(() => removeTags(m, ['x'])).toThrow('m has no tag "x"; tags: a, b, c')
  })
})

describe('events between two manifests', () => {
  it('name links, alias moves, tags and descriptions', () => {
    const before = setAlias(model(1, 2), 'production', 0)
    let after = setAlias(addLink(before, target(3), AT).model, 'production', 2)
    after = setAlias(removeLink(after, 1).model, 'staging', 0)
    after = { ...addTags(after, ['vision']), description: 'new' }
    const events = manifestEvents(before, after)
    expect(events.map(describeEvent)).toEqual([
      `linked v2 -> churn:v3 (${c(3).slice(0, 10)})`,
      'unlinked v1 (churn:v2)',
      'alias production moved v0 -> v2',
      'alias staging set to v0',
      'tag vision added',
      'description changed to "new"',
    ])
    expect(manifestEvents(null, model()).map((e) => e.type)).toEqual(['created'])
    expect(manifestEvents(model(), null).map((e) => e.type)).toEqual(['deleted'])
  })
})

describe('alias sync plan', () => {
  it('creates, moves and deletes to match the manifests', () => {
    const desired = new Map([['refs/aliases/m/a', c(1)], ['refs/aliases/m/b', c(2)], ['refs/aliases/m/d', c(4)]])
    const current = new Map([['refs/aliases/m/b', c(1)], ['refs/aliases/m/c', c(3)], ['refs/aliases/m/d', c(4)]])
    expect(planAliasSync(desired, current)).toEqual([
      { action: 'create', ref: 'refs/aliases/m/a', to: c(1) },
      { action: 'move', ref: 'refs/aliases/m/b', from: c(1), to: c(2) },
      { action: 'delete', ref: 'refs/aliases/m/c', from: c(3) },
    ])
    expect(planAliasSync(desired, desired)).toEqual([])
  })
})

describe('editing a YAML document in place', () => {
  const text = '# top\nname: m # the name\ntags: [a]\n# links\nversions:\n  - version: 0 # first\n    commit: x\naliases: {}\n'

  it('changes only what differs and keeps comments', () => {
    const doc = parseDocument(text)
    updateDocument(doc, { name: 'm', tags: ['a'], versions: [{ version: 0, commit: 'x' }, { version: 1, commit: 'y' }], aliases: { prod: 1 } })
    expect(doc.toString()).toBe(
      '# top\nname: m # the name\ntags: [ a ]\n# links\nversions:\n  - version: 0 # first\n    commit: x\n  - version: 1\n    commit: y\naliases:\n  prod: 1\n',
    )
  })

  it('drops removed items with their own comments only, and removed keys', () => {
    const doc = parseDocument(text)
    updateDocument(doc, { name: 'm', versions: [], aliases: {} })
    expect(doc.toString()).toBe('# top\nname: m # the name\n# links\nversions: []\naliases: {}\n')
  })

  it('an unchanged document prints the same text', () => {
    const doc = parseDocument(text)
    updateDocument(doc, doc.toJS())
    expect(doc.toString({ flowCollectionPadding: false })).toBe(text)
  })
})
