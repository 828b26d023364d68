/** `gmr clone <url> [dir] [--json]`, as the start-up fast path runs it. */
export interface CloneCommand {
  url: string
  dir?: string
  json: boolean
}

/**
 * The start-up fast path of `gmr clone`: exactly `clone <url> [dir]`, optionally with
 * `--json`, starts git's clone without building the commander program (loading it and
 * every command definition costs more CPU than node's own start-up, and all of it would
 * come before git starts). Anything else — other flags, `--`, -C, --help, an argument
 * that starts with "-" — returns null and goes through the full program, which also owns
 * every usage message.
 */
export function cloneCommand(argv: readonly string[]): CloneCommand | null {
  const [command, ...rest] = argv
  if (command !== 'clone') return null
  const json = rest.includes('--json')
  const args = rest.filter((arg) => arg !== '--json')
  if (rest.length - args.length > 1 || args.length < 1 || args.length > 2 || args.some((arg) => arg.startsWith('-') || arg === '')) return null
  const [url, dir] = args as [string, string | undefined]
  return { url, ...(dir !== undefined && { dir }), json }
}
