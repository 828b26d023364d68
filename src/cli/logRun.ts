import { logVersion } from '../ops/logVersion.js'
import { repoOptions } from './context.js'
import type { CliIo } from './io.js'
import type { LogCommand } from './logCommand.js'
import { printLogged } from './logOutput.js'
import { EXIT_OK, reportFailure } from './outcome.js'
import { progressDisplay } from './progress.js'

/**
 * `gmr log <artifact> <path>...` from the start-up fast path, bundled as a file of its own
 * (scripts/bundle-cli.mjs) like the lookups: the operation, its output and the failure
 * report, and nothing of the program's, so that hashing starts as soon after node does as
 * it can. With no flag the options are the program's defaults.
 */
export async function runLogCommand(command: LogCommand, processIo: CliIo): Promise<number> {
  const io: CliIo = { ...processIo, command: command.line }
  const progress = progressDisplay(io)
  try {
    const result = await logVersion({
      ...repoOptions(io),
      artifact: command.artifact,
      paths: command.paths,
      metadata: {},
      ...(progress && { onProgress: progress.onProgress }),
      aliases: [],
      force: false,
      reuseRetiredName: false,
    }).finally(() => progress?.end())
    printLogged(io, result)
    return EXIT_OK
  } catch (err) {
    return reportFailure(io, err, { debug: false, json: false })
  }
}
