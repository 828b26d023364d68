/** `gmr download <ref> [--to <dir>] [--json]` from this clone, as the start-up fast path runs it. */
export interface DownloadCommand {
  ref: string
  to?: string
  json: boolean
}

/**
 * The start-up fast path of `gmr download` from this clone's own store: exactly
 * `download <ref>`, optionally with `--to <dir>` and `--json`, writes the version without
 * building the commander program (loading it and every command definition cost more CPU
 * than node's own start-up, all of it before the first byte is copied). Anything else — a
 * remote `<url>#<ref>`, other flags, `--`, -C, --help, an argument that starts with "-" —
 * returns null and goes through the full program, which also owns every usage message.
 */
export function downloadCommand(argv: readonly string[]): DownloadCommand | null {
  const [command, ref, ...rest] = argv
  if (command !== 'download' || ref === undefined || !plain(ref) || ref.includes('#')) return null
  let to: string | undefined
  let json = false
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (arg === '--json' && !json) json = true
    else if (arg === '--to' && to === undefined && plain(rest[i + 1])) to = rest[++i]
    else return null
  }
  return { ref, ...(to !== undefined && { to }), json }
}

function plain(arg: string | undefined): arg is string {
  return arg !== undefined && arg !== '' && !arg.startsWith('-')
}
