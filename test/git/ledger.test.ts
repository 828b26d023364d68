import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatLedgerMessage, lastMoves, type LedgerEntry } from '../../src/domain/ledger.js'
import { readLedgerAt } from '../../src/git/ledger.js'
import { toFileSystem } from '../../src/git/repo.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
beforeEach(() => {
  repo = makeRepo()
})
afterEach(() => repo.cleanup())

/** A ledger commit written by git, committed at a fixed second. */
function ledgerCommit(message: string, parents: string[]): string {
  const tree = execFileSync('git', ['hash-object', '-t', 'tree', '-w', '--stdin'], { cwd: repo.dir, env: repo.env, input: '' }).toString().trim()
  const env = { ...repo.env, GIT_COMMITTER_DATE: '1700000000 +0000', GIT_AUTHOR_DATE: '1700000000 +0000' }
  return execFileSync('git', ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message], { cwd: repo.dir, env }).toString().trim()
}

describe('reading the ledger', () => {
  it('lists a merged ledger parents first, so moves of the same second keep their order', () => {
    const head = repo.git('rev-parse', 'HEAD').trim()
    const move = (alias: string, to: string): LedgerEntry => ({ registryCommit: head, moves: [{ name: 'm', alias, from: null, to: { commit: to, version: null } }] })
    const v0 = 'a'.repeat(40)
    const v1 = 'b'.repeat(40)
    // One ledger, two clones appending to it, then a merge of both: all in the same second.
    const base = ledgerCommit(formatLedgerMessage(move('staging', v0)), [])
    const ours = ledgerCommit(formatLedgerMessage(move('staging', v1)), [base])
    const theirs = ledgerCommit(formatLedgerMessage(move('canary', v0)), [base])
    const merge = ledgerCommit("gmr: merge origin's ledger\n", [ours, theirs])
    return readLedgerAt({ fs: toFileSystem(fs), gitdir: `${repo.dir}/.git` }, merge).then((ledger) => {
      const order = ledger.records.map((r) => r.commit)
      expect(order.indexOf(base)).toBeLessThan(order.indexOf(ours))
      expect(order.indexOf(base)).toBeLessThan(order.indexOf(theirs))
      expect(lastMoves(ledger.records).get('refs/aliases/m/staging')?.to).toBe(v1)
      expect(ledger.commits).toEqual(new Set([base, ours, theirs, merge]))
    })
  })
})
