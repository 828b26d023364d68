import { resolveAction } from './commands/resolve.js'
import { versionsAction } from './commands/versions.js'
import type { CliIo } from './io.js'
import type { LookupCommand } from './lookup.js'
import { EXIT_OK, holdStderr, reportFailure } from './outcome.js'

/**
 * A lookup's action and its failure report, bundled together as one file: an error
 * class is recognised only by the copy of the code that threw it.
 */
export async function runLookupCommand(lookup: LookupCommand, io: CliIo): Promise<number> {
  const opts = lookup.json ? { json: true } : {}
  const failures = { ...io }
  const held = lookup.json ? holdStderr(io) : null
  try {
    if (lookup.command === 'resolve') await resolveAction(io, lookup.name, opts)
    else await versionsAction(io, lookup.name, opts)
    held?.release()
    return EXIT_OK
  } catch (err) {
    return reportFailure(failures, err, { debug: false, json: lookup.json })
  }
}
