import { planAliasSync, type AliasRefChange } from '../../domain/aliasSync.js'
import { LedgerRewrittenError, PushRejectedError } from '../../domain/errors.js'
import { ALIAS_REF_PREFIX, aliasRef } from '../../domain/layout.js'
import { LEDGER_REF, lastMoves, refTarget } from '../../domain/ledger.js'
import { appendLedger, buildLedgerCommit, readLedgerAt, rememberLedgerTip } from '../../git/ledger.js'
import { deleteRef, listRefs, readRef, updateRef } from '../../git/refs.js'
import type { GitDir } from '../../git/repo.js'
import type { PushUpdate } from '../../remote/remoteGit.js'
import { commitSigner } from '../../git/signing.js'
import { applyAliasChanges } from './aliasRefs.js'
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
  // Not skipped when the tracking ref did not move: a plain `git fetch` (or a fetch killed
  // before this step) moves it without taking the records in, and a push of a ledger that
  // lacks them would rewrite the remote's.
  if (theirs === null) return
  const remoteLedger = await readLedgerAt(repo, theirs)
  if (trackedBefore !== null && trackedBefore !== theirs && !remoteLedger.commits.has(trackedBefore)) {
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
export function trackedLedger(ctx: { repo: GitDir }, remote: RemoteInfo): Promise<string | null> {
  return readRef(ctx.repo, trackedLedgerRef(remote))
}

/** The push update for the ledger, leased on the remote's last known ledger; null when the remote has it. */
export async function ledgerPushUpdate(ctx: Pick<RegistryContext, 'repo'>, remote: RemoteInfo): Promise<PushUpdate | null> {
  const ours = await readRef(ctx.repo, LEDGER_REF)
  const tracked = await trackedLedger(ctx, remote)
  if (ours === null || ours === tracked) return null
  // A lease lets a push move a ref backwards: a ledger that lacks the remote's records
  // (fetched by plain git, never taken in) would replace them. Take them in first.
  if (tracked !== null && !(await readLedgerAt(ctx.repo, ours)).commits.has(tracked)) {
    throw new PushRejectedError(
      `push refused: ${remote.name}'s ${LEDGER_REF} has alias moves this clone has fetched but not taken in (a plain "git fetch" or "git pull" fetched them); run "gmr fetch" to take them in, then push again; nothing was pushed`,
      { refs: [LEDGER_REF] },
    )
  }
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

/**
 * Alias moves this clone recorded in its ledger and has not pushed (records the remote's
 * ledger, as last fetched, does not hold): each ref they moved, and where the ledger's
 * last record of it (the latest of both sides' records) puts it.
 */
async function unpushedAliasMoves(repo: GitDir, remote: RemoteInfo): Promise<Map<string, string | null>> {
  const [ours, tracked] = [await readRef(repo, LEDGER_REF), await trackedLedger({ repo }, remote)]
  // The usual case, nothing moved here since the last push or fetch, reads no ledger.
  if (ours === null || ours === tracked) return new Map()
  const local = await readLedgerAt(repo, ours)
  const pushed = tracked === null ? new Set<string>() : (await readLedgerAt(repo, tracked)).commits
  const touched = new Set(local.records.filter((r) => !pushed.has(r.commit)).flatMap((r) => r.moves.map((m) => aliasRef(m.name, m.alias))))
  const last = lastMoves(local.records)
  return new Map([...touched].map((ref) => [ref, last.get(ref)?.to ?? null]))
}

/**
 * The alias refs an unpushed move no longer holds: what would put each back where the
 * ledger says. gmr's fetch refspec `+refs/aliases/*:refs/aliases/*` (written into
 * .git/config at clone, so plain `git fetch` uses it too) takes the remote's value of
 * every alias ref, including one this clone moved and has not pushed yet.
 */
async function overwrittenAliasMoves(repo: GitDir, remote: RemoteInfo): Promise<AliasRefChange[]> {
  const moves = await unpushedAliasMoves(repo, remote)
  if (moves.size === 0) return []
  const current = new Map([...(await listRefs(repo, ALIAS_REF_PREFIX))].filter(([ref]) => moves.has(ref)))
  const desired = new Map([...moves].flatMap(([ref, to]): Array<[string, string]> => (to === null ? [] : [[ref, to]])))
  return planAliasSync(desired, current)
}

/**
 * Before a push: refuse when an alias move not yet pushed no longer holds. The ledger (and
 * the manifests) that say where the move put the ref would go up with the ref elsewhere,
 * and the remote would say two things at once.
 */
export async function assertUnpushedAliasMovesHeld(repo: GitDir, remote: RemoteInfo): Promise<void> {
  const changes = await overwrittenAliasMoves(repo, remote)
  if (changes.length === 0) return
  const [first] = changes as [AliasRefChange]
  const actual = first.action === 'create' ? null : first.from
  const recorded = first.action === 'delete' ? null : first.to
  const more = changes.length > 1 ? ` (and ${changes.length - 1} more)` : ''
  throw new PushRejectedError(
    `push refused: ${first.ref} points at ${refTarget(actual)}, but your alias move not yet pushed put it at ${refTarget(recorded)}${more}; it was moved outside gmr (a plain "git fetch" from ${remote.name} does this); run "gmr fetch" to put it back, then push again; nothing was pushed`,
    { refs: changes.map((c) => c.ref) },
  )
}

/** After a fetch: put back every alias ref this clone moved, has not pushed, and the fetch overwrote with the remote's older value. */
export async function keepUnpushedAliasMoves(repo: GitDir, remote: RemoteInfo): Promise<AliasRefChange[]> {
  const changes = await overwrittenAliasMoves(repo, remote)
  await applyAliasChanges(repo, changes)
  return changes
}

/** The alias refs a fetch leaves as they are: moved here and not pushed. */
export async function unpushedAliasRefs(repo: GitDir, remote: RemoteInfo): Promise<Set<string>> {
  return new Set((await unpushedAliasMoves(repo, remote)).keys())
}
