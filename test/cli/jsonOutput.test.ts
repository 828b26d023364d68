import { describe, expect, it } from 'vitest'
import { diffJson } from '../../src/cli/jsonOutput.js'
import { emptyDiff, type NameDiff, type RegistryDiff } from '../../src/domain/registryDiff.js'
import { expectValid } from '../helpers/jsonSchemas.js'

// The --json shapes that need data a small repository does not easily make.

const commit = 'a'.repeat(40)

function artifactChange(overrides: Partial<NameDiff>): NameDiff {
  return { ...emptyDiff('artifact', 'churn', null), ...overrides }
}

describe('diff --json', () => {
  it('versions logged carry loggedAt in ISO 8601; branch problems count with <thing>Count', () => {
    const counts = { models: { added: 0, removed: 0, changed: 0 }, artifacts: { added: 0, removed: 0, changed: 3 } }
    const diff = {
      base: { label: 'main', commit },
      head: { label: 'work tree', commit: null },
      summary: '3 artifacts changed',
      counts: { ...counts, versionsLogged: 2, linksAdded: 0, linksRemoved: 0, linksChanged: 0, aliasesSet: 0, aliasesMoved: 0, aliasesRemoved: 0, tagsAdded: 0, tagsRemoved: 0, descriptionsChanged: 0, typesChanged: 0, additionsChanged: 0, cardsChanged: 0 },
      protectedAliases: [],
      changes: [
        artifactChange({
          versionsLogged: [
            { artifact: 'churn', artifactVersion: 3, commit, metadata: { auc: 0.9 }, time: 1_764_000_000 },
            { artifact: 'churn', artifactVersion: 4, commit, metadata: null, time: null },
          ],
        }),
        artifactChange({ name: 'behind', branch: { state: 'behind', missing: 2 } }),
        artifactChange({ name: 'gone', branch: { state: 'missing', versions: 5 } }),
        artifactChange({ name: 'rewritten', branch: { state: 'rewritten', at: 1 } }),
      ],
      unreadable: [],
    } satisfies RegistryDiff
    const json = diffJson(diff)
    expectValid('diff', json)
    expect(json.counts).toMatchObject({ artifacts: { addedCount: 0, removedCount: 0, changedCount: 3 }, versionLoggedCount: 2, typeChangedCount: 0 })
    expect(json.changes[0]!.versionsLogged).toEqual([
      { artifact: 'churn', artifactVersion: 3, commit, metadata: { auc: 0.9 }, loggedAt: '2025-11-24T16:00:00Z' },
      { artifact: 'churn', artifactVersion: 4, commit, metadata: null, loggedAt: null },
    ])
    expect(json.changes.slice(1).map((c) => c.branch)).toEqual([
      { state: 'behind', missingCount: 2 },
      { state: 'missing', versionCount: 5 },
      { state: 'rewritten', fromVersion: 1 },
    ])
  })
})
