/**
 * The alias ledger (docs/storage-format.md, The ledger): one commit on `refs/gmr/ledger`
 * per registry edit or sync that moved alias refs, its message the record. Pure: the
 * message format, its parser, and the questions asked of a list of records.
 */
import { aliasRef } from './layout.js'
import { OID_HEX } from './objectId.js'

export const LEDGER_REF = 'refs/gmr/ledger'

/** One side of a move: the commit an alias ref names, and its number (link or version) when known. */
export interface LedgerPoint {
  commit: string
  version: number | null
}

/** One alias ref moved: `name:alias`, from (null: created) and to (null: deleted). */
export interface LedgerMove {
  name: string
  alias: string
  from: LedgerPoint | null
  to: LedgerPoint | null
}

/** What one ledger commit records: the registry-branch commit it enacts and the moves. */
export interface LedgerEntry {
  registryCommit: string
  moves: LedgerMove[]
}

/** A ledger commit as read back: its record plus who appended it and when (committer, seconds). */
export interface LedgerRecord extends LedgerEntry {
  commit: string
  who: { name: string; email: string }
  time: number
}

const POINT = new RegExp(`^(none|v(\\d+|\\?) (${OID_HEX}))$`)
const MOVE = /^move (\S+?):(\S+) from (.+?) to (.+)$/
const REGISTRY_COMMIT = new RegExp(`^registry-commit (${OID_HEX})$`, 'm')

function formatPoint(point: LedgerPoint | null): string {
  return point === null ? 'none' : `v${point.version ?? '?'} ${point.commit}`
}

function shortPoint(point: LedgerPoint | null): string {
  return point === null ? 'none' : point.version === null ? point.commit.slice(0, 10) : `v${point.version}`
}

/**
 * The commit message: a subject a person reads in `git log --oneline`, then one line
 * naming the registry commit and one `move` line per alias ref:
 *
 *     churn-model:production v1 -> v2
 *
 *     registry-commit 9f0c…
 *     move churn-model:production from v1 1111… to v2 2222…
 */
export function formatLedgerMessage(entry: LedgerEntry): string {
  const subject =
    entry.moves.length === 1
      ? `${entry.moves[0]!.name}:${entry.moves[0]!.alias} ${shortPoint(entry.moves[0]!.from)} -> ${shortPoint(entry.moves[0]!.to)}`
      : `${entry.moves.length} alias moves: ${entry.moves.map((m) => `${m.name}:${m.alias}`).join(', ')}`
  const lines = entry.moves.map((m) => `move ${m.name}:${m.alias} from ${formatPoint(m.from)} to ${formatPoint(m.to)}`)
  return `${subject}\n\nregistry-commit ${entry.registryCommit}\n${lines.join('\n')}\n`
}

/** The record in a ledger commit's message; null for a commit that records no move (a merge of two ledgers). */
export function parseLedgerMessage(message: string): LedgerEntry | null {
  const registry = REGISTRY_COMMIT.exec(message)
  if (registry === null) return null
  const moves: LedgerMove[] = []
  for (const line of message.split('\n')) {
    const move = MOVE.exec(line)
    if (move === null) continue
    const [from, to] = [parsePoint(move[3]!), parsePoint(move[4]!)]
    if (from === undefined || to === undefined) continue
    moves.push({ name: move[1]!, alias: move[2]!, from, to })
  }
  return { registryCommit: registry[1]!, moves }
}

function parsePoint(text: string): LedgerPoint | null | undefined {
  const match = POINT.exec(text)
  if (match === null) return undefined
  if (match[1] === 'none') return null
  return { commit: match[3]!, version: match[2] === '?' ? null : Number(match[2]) }
}

/** One alias's moves, oldest first, each with the record it came from. */
export function movesOf(records: readonly LedgerRecord[], name: string, alias: string): Array<{ record: LedgerRecord; move: LedgerMove }> {
  const found: Array<{ record: LedgerRecord; move: LedgerMove }> = []
  for (const record of sortRecords(records)) {
    for (const move of record.moves) if (move.name === name && move.alias === alias) found.push({ record, move })
  }
  return found
}

/**
 * What the ledger says an alias named at `at` (seconds): the last move at or before it.
 * `known: false` when the ledger's first move of that alias is later than `at` (or there
 * is none): the ledger cannot say, and the caller falls back to manifest history.
 */
export function aliasAt(
  records: readonly LedgerRecord[],
  name: string,
  alias: string,
  at: number,
): { known: true; point: LedgerPoint | null; record: LedgerRecord } | { known: false } {
  const moves = movesOf(records, name, alias)
  const before = moves.filter((m) => m.record.time <= at)
  const last = before[before.length - 1]
  if (last !== undefined) return { known: true, point: last.move.to, record: last.record }
  // Before its first recorded move the alias named that move's `from`; with no `from`, nothing.
  const first = moves[0]
  if (first !== undefined && first.move.from === null) return { known: true, point: null, record: first.record }
  return { known: false }
}

/** Records in the order they happened: by time, ties kept in the order given (parents first). */
function sortRecords(records: readonly LedgerRecord[]): LedgerRecord[] {
  return records.map((r, i) => [r, i] as const).sort(([a, i], [b, j]) => a.time - b.time || i - j).map(([r]) => r)
}

/** For each alias ref (`refs/aliases/<name>/<alias>`), the commit the ledger's last move of it names (null: deleted). */
export function lastMoves(records: readonly LedgerRecord[]): Map<string, { to: string | null; record: LedgerRecord }> {
  const last = new Map<string, { to: string | null; record: LedgerRecord }>()
  for (const record of sortRecords(records)) {
    for (const move of record.moves) last.set(aliasRef(move.name, move.alias), { to: move.to?.commit ?? null, record })
  }
  return last
}

/** Where an alias ref points, as messages say it: a short commit id, or that there is no ref. */
export function refTarget(oid: string | null): string {
  return oid === null ? 'nothing (no ref)' : oid.slice(0, 10)
}
