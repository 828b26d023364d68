import { clone } from '../ops/clone.js'
import { onTransferNotice } from '../remote/transferNotices.js'
import type { CloneCommand } from './cloneCommand.js'
import type { CliIo } from './io.js'
import { EXIT_OK, holdStderr, reportFailure } from './outcome.js'
import { gitProgress, printCloned } from './remoteOutput.js'

/**
 * `gmr clone` from the start-up fast path, bundled as a file of its own
 * (scripts/bundle-cli.mjs) like the lookups: its operation, output and failure report,
 * and nothing of the program's, so that git starts as soon after node does as it can.
 */
export async function runCloneCommand(command: CloneCommand, io: CliIo): Promise<number> {
  const failures = { ...io }
  const held = command.json ? holdStderr(io) : null
  const stopNotices = command.json ? () => undefined : onTransferNotice((line) => io.stderr(`warning: ${line}\n`))
  try {
    const onProgress = gitProgress(io)
    const result = await clone({
      fs: io.fs,
      url: command.url,
      cwd: io.cwd,
      env: io.env,
      ...(command.dir !== undefined && { dir: command.dir }),
      ...(onProgress && { onProgress }),
    })
    printCloned(io, result, { json: command.json })
    held?.release()
    return EXIT_OK
  } catch (err) {
    return reportFailure(failures, err, { debug: false, json: command.json })
  } finally {
    stopNotices()
  }
}
