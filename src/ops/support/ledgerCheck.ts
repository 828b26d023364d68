import type { LedgerState } from '../../domain/ledgerCheck.js'
import { readLedger, recordedLedgerTip } from '../../git/ledger.js'
import { listRefs } from '../../git/refs.js'
import { currentAliasRefs } from './aliasRefs.js'
import type { RegistryContext } from './context.js'
import { untrustedCommits, type RequiredSignature } from './commitTrust.js'

/**
 * What the ledger rules look at (domain/ledgerCheck.ts): the ledger, the alias refs, the
 * tips the ledger must still contain, and with `requireSignatures` the signatures of
 * the given version commits and of every ledger record.
 */
export async function ledgerState(
  ctx: Pick<RegistryContext, 'repo' | 'env'>,
  options: { requireSignatures: boolean; versions: readonly RequiredSignature[] },
): Promise<LedgerState> {
  const { repo } = ctx
  const ledger = await readLedger(repo)
  const tips: Array<{ tip: string; what: string; contained: boolean }> = []
  const recorded = await recordedLedgerTip(repo)
  if (recorded !== null) tips.push({ tip: recorded, what: 'the last ledger tip gmr recorded in this clone', contained: ledger.commits.has(recorded) })
  for (const [ref, tip] of await listRefs(repo, 'refs/remotes/')) {
    if (!ref.endsWith('/gmr/ledger')) continue
    const remote = ref.slice('refs/remotes/'.length, -'/gmr/ledger'.length)
    tips.push({ tip, what: `${remote}'s ledger as last fetched`, contained: ledger.commits.has(tip) })
  }
  const required = options.requireSignatures
    ? [...options.versions, ...ledger.records.map((r) => ({ commit: r.commit, what: 'alias move (ledger commit)' }))]
    : []
  return { records: ledger.records, current: await currentAliasRefs(repo), tips, untrusted: await untrustedCommits(repo, ctx.env, required) }
}
