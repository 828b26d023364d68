/** `gmr log <artifact> <path>...`, as the start-up fast path runs it. */
export interface LogCommand {
  artifact: string
  paths: string[]
  /** The command line as the registry lock records it. */
  line: string
}

/**
 * The start-up fast path of `gmr log`: exactly `log <artifact> <path>...`, with no flag,
 * logs the files without building the commander program (loading it and every command
 * definition is CPU spent before the first byte is hashed). Anything else — a flag, `--`,
 * -C, --help, an argument that starts with "-" — returns null and goes through the full
 * program, which also owns every usage message.
 */
export function logCommand(argv: readonly string[], line: string): LogCommand | null {
  const [command, artifact, ...paths] = argv
  if (command !== 'log' || artifact === undefined || paths.length === 0) return null
  if ([artifact, ...paths].some((arg) => arg === '' || arg.startsWith('-'))) return null
  return { artifact, paths, line }
}
