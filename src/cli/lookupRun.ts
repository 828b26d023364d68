import { startFirstWalk, stopWalk } from '../git/versionIndexStart.js'
import { writeVersions } from '../ops/renderVersions.js'
import { resolve } from '../ops/resolve.js'
import { repoOptions } from './context.js'
import type { CliIo } from './io.js'
import type { LookupCommand } from './lookup.js'
import { printResolved, versionsRendering } from './lookupOutput.js'
import { EXIT_OK, holdStderr, reportFailure } from './outcome.js'

/**
 * A lookup's operation, its output and its failure report, bundled as one file of their
 * own (scripts/bundle-cli.mjs): the two operations are imported here, not through the
 * CLI's table of lazily loaded operations, so that the lookup does not load its code as
 * a dozen chunks shared with every other command. An error class is recognised only by
 * the copy of the code that threw it, so the failure report is bundled here too.
 */
export async function runLookupCommand(lookup: LookupCommand, io: CliIo): Promise<number> {
  const opts = lookup.json ? { json: true } : {}
  const failures = { ...io }
  const held = lookup.json ? holdStderr(io) : null
  // A fresh clone's first `gmr versions`: git walks the artifact's chain on the second
  // core from here, while gmr opens the registry and reads what else the listing needs.
  const started = lookup.command === 'versions' && io.onDisk === true ? startFirstWalk({ fs: io.fs, dir: io.cwd, env: io.env }, lookup.name) : undefined
  try {
    if (lookup.command === 'resolve') printResolved(io, await resolve({ ...repoOptions(io), ref: lookup.name }), opts)
    else await writeVersions({ ...repoOptions(io), artifact: lookup.name }, versionsRendering(opts), io.stdout, started)
    held?.release()
    return EXIT_OK
  } catch (err) {
    return reportFailure(failures, err, { debug: false, json: lookup.json })
  } finally {
    // A walk started at start-up and not wanted (an index was kept after all, a failure) ends here, never left running.
    await stopWalk(started)
  }
}
