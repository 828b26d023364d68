import type { MutationOptions, MutationResult } from '../ops/support/mutate.js'
import type { CliIo } from './io.js'
import { editDocumentJson } from './jsonOutput.js'
import { json, shortOid } from './render.js'
import { renderDryRun } from './renderPlan.js'

/**
 * What a registry edit did beyond its one result line, on stderr so that stdout stays
 * the line scripts read: not committed, a proposal off the registry branch, refs moved.
 */
function reportMutation(io: CliIo, result: MutationResult): void {
  if (!result.changed) return
  if (result.commit === null) {
    io.stderr(`edited ${result.paths.join(', ')} (not committed)\n`)
    return
  }
  io.stderr(`committed ${shortOid(result.commit)}: ${result.paths.join(', ')}\n`)
  for (const change of result.refs) {
    const what = change.action === 'delete' ? 'deleted' : `-> ${shortOid(change.to)}`
    io.stderr(`  ${change.ref} ${what}\n`)
  }
  if (!result.onRegistryBranch) {
    io.stderr(
      `this branch is not the registry branch (${result.registryBranch}): the change is a proposal; alias refs move when it is merged and "gmr sync" runs\n`,
    )
  }
}

/** The options every registry edit takes. */
export interface MutationFlags {
  commit: boolean
  dryRun?: boolean
  json?: boolean
}

/** The flags as the operation takes them. */
export function mutationOptions(opts: MutationFlags): Pick<MutationOptions, 'noCommit' | 'dryRun'> {
  return { noCommit: !opts.commit, dryRun: opts.dryRun ?? false }
}

/**
 * Print a registry edit's answer: its `--json` document (with `dryRun`, and the planned
 * changes of a dry run), the plan of a dry run, or the command's line and what it did.
 */
export function printEdit(io: CliIo, opts: MutationFlags, result: MutationResult, document: object, line: string, report = true): void {
  if (opts.json) return io.stdout(json(editDocumentJson(document, result)))
  if (result.dryRun) return renderDryRun(io, result)
  io.stdout(line)
  if (report) reportMutation(io, result)
}
