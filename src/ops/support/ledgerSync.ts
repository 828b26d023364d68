import { LedgerRewrittenError } from '../../domain/errors.js'
import { LEDGER_REF } from '../../domain/ledger.js'
import { appendLedger, buildLedgerCommit, readLedgerAt, rememberLedgerTip } from '../../git/ledger.js'
import { deleteRef, readRef, updateRef } from '../../git/refs.js'
import type { PushUpdate } from '../../remote/remoteGit.js'
import { commitSigner } from '../../git/signing.js'
import { commitIdentities, type RegistryContext } from './context.js'
import type { RemoteInfo } from './remotes.js'

/** Where a remote's ledger is tracked: `refs/remotes/<remote>/gmr/ledger`. */
function trackedLedgerRef(remote: Pick<RemoteInfo, 'trackingPrefix'>): string {
  return `${remote.trackingPrefix}gmr/ledger`
}

/**
 * The refspec that fetches a remote's ledger (forced: a rewrite is told apart afterwards,
 * see integrateLedger). A pattern, because a remote without a ledger yet (pushed by a
 * format-1 gmr or before any alias moved) is not an error, and git fails a fetch whose
 * exact refspec names a ref the remote lacks.
 */
export function ledgerRefspec(remote: string): string {
  return `+${LEDGER_REF}*:refs/remotes/${remote}/gmr/ledger*`
}

/**
 * After a fetch: take in the remote's ledger. A remote ledger that no longer contains
 * what it held at the last fetch was rewritten: the tracking ref is put back and the
 * fetch refused. Otherwise the local ledger fast-forwards to it, or, when both sides
 * appended (two machines moved aliases), gets a merge commit with both as parents, so
 * no record is lost and each keeps its own time.
 */
export async function integrateLedger(ctx: RegistryContext, remote: RemoteInfo, trackedBefore: string | null): Promise<void> {
  const { repo } = ctx
  const trackedRef = trackedLedgerRef(remote)
  const theirs = await readRef(repo, trackedRef)
  if (theirs === null || theirs === trackedBefore) return
  const remoteLedger = await readLedgerAt(repo, theirs)
  if (trackedBefore !== null && !remoteLedger.commits.has(trackedBefore)) {
    await updateRef(repo, trackedRef, trackedBefore, theirs)
    throw new LedgerRewrittenError(
      `${remote.name}'s ${LEDGER_REF} was rewritten: it no longer contains ${trackedBefore.slice(0, 10)}, which it held at the last fetch; the ledger is append-only, so find out who rewrote it and push the old history back (git push --force ${remote.name} ${trackedBefore}:${LEDGER_REF})`,
      { remote: remote.name, missing: trackedBefore, tip: theirs },
    )
  }
  const ours = await readRef(repo, LEDGER_REF)
  if (ours === theirs || (ours !== null && (await readLedgerAt(repo, ours)).commits.has(theirs))) return
  if (ours === null || remoteLedger.commits.has(ours)) {
    await updateRef(repo, LEDGER_REF, theirs, ours)
    await rememberLedgerTip(repo, theirs)
    return
  }
  const [{ committer }, signer] = await Promise.all([commitIdentities(ctx), commitSigner(repo, ctx.env)])
  const merge = await buildLedgerCommit(repo, {
    entry: null,
    parents: [ours, theirs],
    message: `gmr: merge ${remote.name}'s ledger\n\nBoth ledgers recorded alias moves; every record of each is kept.\n`,
    committer,
    signer,
  })
  await appendLedger(repo, { parent: ours, commit: merge.commit })
}

/** The ref the tracked ledger held before a fetch, to tell a rewrite apart afterwards. */
export function trackedLedger(ctx: Pick<RegistryContext, 'repo'>, remote: RemoteInfo): Promise<string | null> {
  return readRef(ctx.repo, trackedLedgerRef(remote))
}

/** The push update for the ledger, leased on the remote's last known ledger; null when the remote has it. */
export async function ledgerPushUpdate(ctx: Pick<RegistryContext, 'repo'>, remote: RemoteInfo): Promise<PushUpdate | null> {
  const ours = await readRef(ctx.repo, LEDGER_REF)
  const tracked = await trackedLedger(ctx, remote)
  if (ours === null || ours === tracked) return null
  return { src: LEDGER_REF, dst: LEDGER_REF, expect: tracked }
}

/** After a push: the remote now has our ledger. */
export async function recordPushedLedger(ctx: Pick<RegistryContext, 'repo'>, remote: RemoteInfo): Promise<void> {
  const ours = await readRef(ctx.repo, LEDGER_REF)
  const trackedRef = trackedLedgerRef(remote)
  const tracked = await readRef(ctx.repo, trackedRef)
  if (ours === null) {
    if (tracked !== null) await deleteRef(ctx.repo, trackedRef, tracked)
  } else if (ours !== tracked) await updateRef(ctx.repo, trackedRef, ours, tracked)
}
