import type { CliIo } from './io.js'
import { EXIT_OK, holdStderr, reportFailure } from './outcome.js'

/**
 * The start-up fast path for the lookups scripts call in loops: `gmr resolve <ref>
 * [--json]` and `gmr versions <artifact> [--json]`, exactly so, run their command's
 * action without building the commander program (loading it and sixteen command
 * definitions costs a fifth of bare node's start-up). Anything else — other flags,
 * -C, --help, a missing argument — returns null and goes through the full program,
 * which also owns every usage message.
 */
export function runLookup(argv: readonly string[], io: CliIo): Promise<number> | null {
  const [command, name, ...rest] = argv
  if (name === undefined || name.startsWith('-') || rest.some((arg) => arg !== '--json') || rest.length > 1) return null
  const opts = rest.length === 1 ? { json: true } : {}
  const action =
    command === 'resolve'
      ? async () => (await import('./commands/resolve.js')).resolveAction(io, name, opts)
      : command === 'versions'
        ? async () => (await import('./commands/versions.js')).versionsAction(io, name, opts)
        : null
  if (action === null) return null
  const failures = { ...io }
  const held = opts.json ? holdStderr(io) : null
  return action().then(
    () => {
      held?.release()
      return EXIT_OK
    },
    (err: unknown) => reportFailure(failures, err, { debug: false, json: opts.json === true }),
  )
}
