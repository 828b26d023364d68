/** Commander helpers shared by commands. */

/** Accumulate a repeatable option into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

/** The "Examples:" block under a command's help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`
}
