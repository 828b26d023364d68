import type { CloneResult } from '../ops/clone.js'
import type { CliIo } from './io.js'
import { cloneJson } from './jsonOutput.js'
import { json } from './render.js'

/** git's progress lines, passed through to a terminal only. */
export function gitProgress(io: CliIo): ((line: string) => void) | undefined {
  return io.stderrIsTTY ? (line) => io.stderr(`${line}\r`) : undefined
}

/** What `gmr clone` prints: one line, or the JSON object. */
export function printCloned(io: CliIo, result: CloneResult, options: { json?: boolean }): void {
  if (options.json) return io.stdout(json(cloneJson(result)))
  io.stdout(`cloned into ${result.dir} (registry branch ${result.registryBranch}, ${result.artifacts.length} artifacts, ${result.aliases} alias refs)\n`)
}
