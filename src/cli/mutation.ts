import type { MutationResult } from '../ops/support/mutate.js'
import type { CliIo } from './io.js'
import { shortOid } from './render.js'

/**
 * What a registry edit did beyond its one result line, on stderr so that stdout stays
 * the line scripts read: not committed, a proposal off the registry branch, refs moved.
 */
export function reportMutation(io: CliIo, result: MutationResult): void {
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
  json?: boolean
}
