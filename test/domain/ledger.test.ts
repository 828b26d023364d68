import { describe, expect, it } from 'vitest'
import { aliasAt, formatLedgerMessage, lastMoves, parseLedgerMessage, type LedgerRecord } from '../../src/domain/ledger.js'

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const R = 'c'.repeat(40)

function record(time: number, from: string | null, to: string | null, commit = String(time).padStart(40, '0')): LedgerRecord {
  return {
    commit,
    time,
    who: { name: 'Ada', email: 'ada@example.com' },
    registryCommit: R,
    moves: [{ name: 'm', alias: 'production', from: from === null ? null : { commit: from, version: 0 }, to: to === null ? null : { commit: to, version: 1 } }],
  }
}

describe('ledger records', () => {
  it('a message reads back as the entry it was written from', () => {
    const entry = {
      registryCommit: R,
      moves: [
        { name: 'm', alias: 'production', from: { commit: A, version: 0 }, to: { commit: B, version: 1 } },
        { name: 'churn', alias: 'staging', from: null, to: { commit: B, version: null } },
        { name: 'churn', alias: 'old', from: { commit: A, version: 3 }, to: null },
      ],
    }
    const message = formatLedgerMessage(entry)
    expect(message.split('\n')[0]).toBe('3 alias moves: m:production, churn:staging, churn:old')
    expect(parseLedgerMessage(message)).toEqual(entry)
    expect(formatLedgerMessage({ registryCommit: R, moves: [entry.moves[0]!] }).split('\n')[0]).toBe('m:production v0 -> v1')
    expect(parseLedgerMessage('gmr: merge origin\'s ledger\n')).toBeNull()
  })

  it('aliasAt answers the last move at or before the moment, and says when the ledger cannot', () => {
    const records = [record(100, A, B), record(200, B, A)]
    expect(aliasAt(records, 'm', 'production', 150)).toMatchObject({ known: true, point: { commit: B } })
    expect(aliasAt(records, 'm', 'production', 200)).toMatchObject({ known: true, point: { commit: A } })
    expect(aliasAt(records, 'm', 'production', 50)).toEqual({ known: false })
    expect(aliasAt([record(100, null, B)], 'm', 'production', 50)).toMatchObject({ known: true, point: null })
    expect(aliasAt(records, 'm', 'staging', 150)).toEqual({ known: false })
  })

  it('lastMoves follows time, not the order records were read in', () => {
    expect(lastMoves([record(200, B, A), record(100, A, B)]).get('refs/aliases/m/production')?.to).toBe(A)
  })
})
