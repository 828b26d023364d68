import type { AliasRefChange } from '../domain/aliasSync.js'
import type { LedgerPoint } from '../domain/ledger.js'
import { unifiedDiff } from '../domain/unifiedDiff.js'
import type { MutationResult } from '../ops/support/mutate.js'
import type { RefMove } from '../ops/support/retiredBranches.js'
import type { CliIo } from './io.js'
import { shortOid } from './render.js'

/** `--dry-run` on every command that edits the registry. */
export const DRY_RUN_HELP = 'print what would change (a diff of each file, the refs) and change nothing'

/** The last line of every dry run. */
export const NOTHING_CHANGED = 'nothing was changed (--dry-run)\n'

/**
 * A dry run's text: the commit that would be made, a unified diff of each file it
 * writes, the refs it would move and the ledger record it would append; on stdout,
 * since it is the command's answer.
 */
export function renderDryRun(io: CliIo, result: MutationResult): void {
  const planned = result.planned!
  if (!result.changed) {
    io.stdout(`nothing to change: the registry already says this\n${NOTHING_CHANGED}`)
    return
  }
  const [subject, ...body] = planned.message.replace(/\n+$/, '').split('\n')
  const { committed } = planned
  io.stdout(committed ? `would commit: ${subject}\n` : `would write (not committed): ${result.paths.join(', ')}\n`)
  if (committed) for (const line of body.filter((l) => l !== '')) io.stdout(`    ${line}\n`)
  for (const file of planned.files) io.stdout(unifiedDiff(file.path, file.before, file.after))
  for (const change of result.refs) io.stdout(refChangeLine(change, 'would '))
  for (const move of planned.ledger?.moves ?? []) {
    io.stdout(`would record in refs/gmr/ledger: ${move.name}:${move.alias} ${point(move.from)} -> ${point(move.to)}\n`)
  }
  for (const move of planned.refMoves) io.stdout(refMoveLine(move, 'would '))
  if (committed && !result.onRegistryBranch) {
    io.stdout(`not the registry branch (${result.registryBranch}): a proposal; alias refs would move when it is merged and "gmr sync" runs\n`)
  }
  io.stdout(NOTHING_CHANGED)
}

/** One alias ref created, moved or deleted, as sync and dry runs print it (`verb`: '' or 'would '). */
export function refChangeLine(change: AliasRefChange, verb: string): string {
  if (change.action === 'create') return `${verb}create ${change.ref} -> ${shortOid(change.to)}\n`
  if (change.action === 'move') return `${verb}move ${change.ref} ${shortOid(change.from)} -> ${shortOid(change.to)}\n`
  return `${verb}delete ${change.ref} (was ${shortOid(change.from)})\n`
}

/** A ref that moves to a new name (a removed artifact's branch). */
export function refMoveLine(move: RefMove, verb: string, note = ''): string {
  return `${verb}move ${move.from} -> ${move.to}${note}\n`
}

function point(at: LedgerPoint | null): string {
  if (at === null) return 'none'
  return at.version === null ? `v? (${shortOid(at.commit)})` : `v${at.version}`
}
