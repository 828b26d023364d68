import { describe, expect, it } from 'vitest'
import { BrokenHistoryError } from '../../src/domain/errors.js'
import { assertSoundChain, firstChainBreak, versionShapeProblem } from '../../src/domain/versionChain.js'
import { readVersionMessage } from '../../src/domain/versionMessage.js'

const said = (message: string) => readVersionMessage(message).said
const body = (artifact: string, version: number) => `\n\nartifact: ${artifact}\nversion: ${version}\nmetadata: {}\n`

describe('the shape of one version commit', () => {
  it.each([
    ['a gmr version', 1, `churn v2${body('churn', 2)}`, null],
    ['a subject only (another tool)', 1, 'churn v2', null],
    ['no version at all (the number rule reports it)', 1, 'initial import', null],
    ['a merge', 2, `churn v2${body('churn', 2)}`, 'it is a merge commit (2 parents); a version has one parent, the version before it'],
    ['another artifact in the subject', 1, 'ranker v2', 'its subject "ranker v2" names another artifact'],
    ['another artifact in the body', 1, `churn v2${body('ranker', 2)}`, 'its message body says artifact: ranker'],
    ['subject and body disagree', 1, `churn v2${body('churn', 3)}`, 'its subject says v2 but its message body says version: 3'],
  ])('%s', (_, parents, message, problem) => {
    expect(versionShapeProblem('churn', parents, said(message))).toBe(problem)
  })
})

describe('the first break in a chain, and how to repair it', () => {
  const chain = (n: number) => Array.from({ length: n }, (_, i) => ({ version: i, commit: `${i}`.repeat(40), messageVersion: i }))

  it('a sound chain, and one whose numbers are not absent but wrong', () => {
    expect(firstChainBreak(chain(3))).toBeNull()
    expect(firstChainBreak([...chain(2), { version: 2, commit: '2'.repeat(40), messageVersion: null }])).toBeNull()
    const shifted = [...chain(2), { version: 2, commit: '2'.repeat(40), messageVersion: 3 }]
    expect(firstChainBreak(shifted)).toEqual({ version: 2, commit: '2'.repeat(40), problem: 'its message says v3 but it is at first-parent depth 2' })
  })

  it('names the earliest broken commit and the reset to the version before it', () => {
    const versions = chain(4).map((v) => (v.version >= 2 ? { ...v, problem: 'it is a merge commit (2 parents)' } : v))
    let error: unknown
    try {
      assertSoundChain('churn', versions, '3'.repeat(40))
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(BrokenHistoryError)
    expect((error as Error).message).toBe(
      `artifacts/churn is broken at v2 (commit ${'2'.repeat(40)}): it is a merge commit (2 parents); reset the branch to v1, its last sound version (git update-ref refs/heads/artifacts/churn ${'1'.repeat(40)} ${'3'.repeat(40)}), then log what came after again`,
    )
    expect(() => assertSoundChain('churn', chain(4), '3'.repeat(40))).not.toThrow()
  })
})
