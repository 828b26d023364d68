import { download } from '../ops/download.js'
import type { DownloadCommand } from './downloadCommand.js'
import type { CliIo } from './io.js'
import { runLocalDownload } from './localDownload.js'
import { EXIT_OK, holdStderr, reportFailure } from './outcome.js'

/**
 * `gmr download <ref> [--to <dir>] [--json]` from the start-up fast path, bundled as a
 * file of its own (scripts/bundle-cli.mjs) like the lookups: the operation, its output and
 * the failure report, and nothing of the program's, so that the copy starts as soon after
 * node does as it can.
 */
export async function runDownloadCommand(command: DownloadCommand, io: CliIo): Promise<number> {
  const failures = { ...io }
  const held = command.json ? holdStderr(io) : null
  try {
    await runLocalDownload(io, command.ref, { ...(command.to !== undefined && { to: command.to }), json: command.json }, download)
    held?.release()
    return EXIT_OK
  } catch (err) {
    return reportFailure(failures, err, { debug: false, json: command.json })
  }
}
