import { describe, expect, it } from 'vitest'
import { checkIndexState } from '../../src/domain/checkIndexState.js'

const OLD = 'a'.repeat(40)
const NEW = 'b'.repeat(40)
const OTHER = 'c'.repeat(40)
const path = 'registry/models/m.yaml'

describe('checkIndexState', () => {
  it.each([
    // [what git status shows, head, index, worktree, reported]
    ['clean', NEW, NEW, NEW, false],
    ['MM: staged old, work tree as HEAD (a write killed before its index refresh)', NEW, OLD, NEW, true],
    ['D + ??: new manifest missing from the index', NEW, null, NEW, true],
    [' M: an unstaged edit of the user', NEW, NEW, OTHER, false],
    ['M : a staged edit of the user', NEW, OTHER, OTHER, false],
    ['MM: staged and further edited by the user', NEW, OTHER, OLD, false],
    ['A : a new manifest staged, not committed', null, NEW, NEW, false],
    [' D: deleted in the work tree', NEW, NEW, null, false],
  ] as const)('%s', (_, head, index, worktree, reported) => {
    const findings = checkIndexState([{ path, head, index, worktree }])
    expect(findings.length).toBe(reported ? 1 : 0)
    if (reported) expect(findings[0]).toMatchObject({ severity: 'error', rule: 'index-state', file: path })
  })
})
