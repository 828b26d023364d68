import type { LogVersionResult } from '../ops/logVersion.js'
import type { CliIo } from './io.js'

/** What `gmr log` prints for a version logged (or found unchanged): the program's command and the start-up fast path (src/cli/logRun.ts) both print it. */
export function printLogged(io: CliIo, result: LogVersionResult): void {
  io.stdout(`${result.artifact}:v${result.version}${result.unchanged ? ' (unchanged)' : ''}\n`)
  if (result.unrecorded) io.stderr(`${unrecordedNote(result)}\n`)
}

/** One line: what was not recorded, and the command that records it. */
function unrecordedNote(result: LogVersionResult): string {
  const { metadata, description, command } = result.unrecorded!
  const what = [...(Object.keys(metadata).length > 0 ? [`metadata ${Object.keys(metadata).join(', ')}`] : []), ...(description !== undefined ? ['the message'] : [])]
  return `note: ${result.artifact}:v${result.version} already has these files, so this log did not record ${what.join(' or ')} (version commits never change); record it with: ${command}`
}
