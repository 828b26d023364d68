import { error, type Finding } from './checkFindings.js'
import { LEDGER_REF, lastMoves, refTarget, type LedgerRecord } from './ledger.js'

/** What `gmr check` compares: the ledger, the alias refs, and the tips the ledger must still contain. */
export interface LedgerState {
  records: readonly LedgerRecord[]
  /** `refs/aliases/**` → commit, as they are now. */
  current: ReadonlyMap<string, string>
  /** Tips the local ledger must contain: the last one gmr recorded here, and each remote's as last fetched; with whether it does. */
  tips: ReadonlyArray<{ tip: string; what: string; contained: boolean }>
  /** requireSignatures: each commit whose signature git does not accept, with what it is and why. */
  untrusted: ReadonlyArray<{ commit: string; what: string; why: string }>
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}

/**
 * The ledger rules: every alias ref must be where the ledger's last record of it put it
 * (else it moved behind gmr's back: plain `git update-ref`, a forced push); the ledger
 * must still contain every tip it had (else it was rewritten, not appended to); with
 * requireSignatures, every version and alias move must carry a trusted signature.
 */
export function checkLedger(state: LedgerState): Finding[] {
  const findings: Finding[] = []
  for (const [ref, last] of lastMoves(state.records)) {
    const actual = state.current.get(ref) ?? null
    if (actual === last.to) continue
    findings.push(
      error(
        'alias-ledger',
        `${ref} points at ${refTarget(actual)}, but the ledger's last record of it (${last.record.commit.slice(0, 10)}, ${isoTime(last.record.time)}) put it at ${refTarget(last.to)}: it was moved outside gmr (plain git update-ref or a forced push); run "gmr sync" to put it where the registry says, or find out who moved it`,
      ),
    )
  }
  for (const { tip, what, contained } of state.tips) {
    if (contained) continue
    findings.push(
      error(
        'ledger-rewritten',
        `${LEDGER_REF} was rewritten: it no longer contains ${tip.slice(0, 10)}, ${what}; the ledger is append-only, so restore it (git update-ref ${LEDGER_REF} ${tip}) and find out who rewrote it`,
      ),
    )
  }
  for (const { commit, what, why } of state.untrusted) {
    findings.push(error('signature-required', `requireSignatures: ${what} ${commit.slice(0, 10)} ${why}`))
  }
  return findings
}
