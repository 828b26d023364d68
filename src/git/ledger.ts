import { isObjectId } from '../domain/objectId.js'
import { formatLedgerMessage, LEDGER_REF, parseLedgerMessage, type LedgerEntry, type LedgerRecord } from '../domain/ledger.js'
import { decodeCommit, formatIdentity, type GitIdentity } from './commit.js'
import { ObjectWriter, readObject } from './objects.js'
import { readRef, updateRef } from './refs.js'
import type { GitDir } from './repo.js'
import { encodeSignedCommit, type CommitSigner } from './signing.js'

/** Every ledger commit has this tree: the record is the message. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

/** A ledger commit built but not yet appended: the ref moves `parent` → `commit`. */
export interface PendingLedger {
  parent: string | null
  commit: string
}

/** The ledger as read: every record reachable from its tip, parents before children, and every commit in it. */
export interface Ledger {
  tip: string | null
  records: LedgerRecord[]
  commits: Set<string>
}

/** The last ledger tip this clone appended or took in, kept to notice a ledger rewritten since. */
function recordedTipPath(repo: GitDir): string {
  return `${repo.gitdir}/gmr/ledger-tip`
}

/**
 * Write (not yet append) the ledger commit for `entry` on top of the ledger's current tip
 * (or `parents`, for a merge of two ledgers), signed when `signer` is given.
 */
export async function buildLedgerCommit(
  repo: GitDir,
  options: { entry: LedgerEntry | null; parents?: string[]; message?: string; committer: GitIdentity; signer: CommitSigner | null },
): Promise<PendingLedger> {
  const parent = await readRef(repo, LEDGER_REF)
  const parents = options.parents ?? (parent === null ? [] : [parent])
  const writer = new ObjectWriter(repo)
  writer.add('tree', Buffer.alloc(0))
  const message = options.entry === null ? (options.message ?? 'gmr: ledger\n') : formatLedgerMessage(options.entry)
  const content = await encodeSignedCommit(
    { tree: EMPTY_TREE, parents, author: options.committer, committer: options.committer, message },
    options.signer,
  )
  const commit = writer.add('commit', content)
  await writer.flush()
  return { parent, commit }
}

/**
 * Append: compare-and-swap `refs/gmr/ledger` from the tip the commit was built on, and
 * remember the new tip. Already appended (a finished recovery) is not an error.
 */
export async function appendLedger(repo: GitDir, pending: PendingLedger): Promise<void> {
  const current = await readRef(repo, LEDGER_REF)
  if (current !== pending.commit) {
    const { message, committer } = decodeCommit((await readObject(repo, pending.commit)).content)
    await updateRef(repo, LEDGER_REF, pending.commit, pending.parent, {
      reflog: { message: `gmr ledger: ${message.split('\n')[0]}`, identity: formatIdentity(committer) },
    })
  }
  await rememberLedgerTip(repo, pending.commit)
}

export async function rememberLedgerTip(repo: GitDir, tip: string): Promise<void> {
  await repo.fs.writeAtomic(recordedTipPath(repo), `${tip}\n`)
}

export async function recordedLedgerTip(repo: GitDir): Promise<string | null> {
  const text = (await repo.fs.readText(recordedTipPath(repo)))?.trim()
  return text && isObjectId(text) ? text : null
}

/** Every record reachable from `ref` (default the local ledger); a missing ref is an empty ledger. */
export async function readLedger(repo: GitDir, ref: string = LEDGER_REF): Promise<Ledger> {
  const tip = await readRef(repo, ref)
  return tip === null ? { tip, records: [], commits: new Set() } : readLedgerAt(repo, tip)
}

/**
 * A ledger's records from one commit down, parents first: each commit is listed after all
 * of its parents (a depth-first walk that lists a commit when its parents are done), so
 * records of the same second keep their causal order through a merge of two ledgers.
 */
export async function readLedgerAt(repo: GitDir, tip: string): Promise<Ledger> {
  const commits = new Set<string>()
  const records: LedgerRecord[] = []
  const stack: Array<{ oid: string; decoded?: ReturnType<typeof decodeCommit> }> = [{ oid: tip }]
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    if (top.decoded === undefined) {
      if (commits.has(top.oid)) {
        stack.pop()
        continue
      }
      commits.add(top.oid)
      top.decoded = decodeCommit((await readObject(repo, top.oid)).content)
      for (const parent of [...top.decoded.parents].reverse()) if (!commits.has(parent)) stack.push({ oid: parent })
      continue
    }
    stack.pop()
    const entry = parseLedgerMessage(top.decoded.message)
    if (entry === null) continue
    const { name, email, timestamp } = top.decoded.committer
    records.push({ ...entry, commit: top.oid, who: { name, email }, time: timestamp })
  }
  return { tip, records, commits }
}
