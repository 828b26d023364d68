/** Commander helpers shared by commands. */

/** Accumulate a repeatable option into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

/** The "Examples:" block under a command's help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`
}

/** `--reuse-retired-name` on every command that creates a name (log, model create, artifact create). */
export const REUSE_RETIRED_NAME_HELP = 'allow a name that registry/retired.yaml records as removed or renamed (the record stays)'
