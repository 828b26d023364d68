/** A lookup the start-up fast path runs: `gmr resolve <ref> [--json]` or `gmr versions <artifact> [--json]`. */
export interface LookupCommand {
  command: 'resolve' | 'versions'
  name: string
  json: boolean
}

/**
 * The start-up fast path for the lookups scripts call in loops: `gmr resolve <ref>
 * [--json]` and `gmr versions <artifact> [--json]`, exactly so, run their command's
 * action without building the commander program (loading it and sixteen command
 * definitions costs a fifth of bare node's start-up). Anything else — other flags,
 * -C, --help, a missing argument — returns null and goes through the full program,
 * which also owns every usage message.
 */
export function lookupCommand(argv: readonly string[]): LookupCommand | null {
  const [command, name, ...rest] = argv
  if (command !== 'resolve' && command !== 'versions') return null
  if (name === undefined || name.startsWith('-') || rest.some((arg) => arg !== '--json') || rest.length > 1) return null
  return { command, name, json: rest.length === 1 }
}
