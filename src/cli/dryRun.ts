import { shortOid } from './render.js'

/** The help line of every `--dry-run` this file's commands take. */
export const DRY_RUN_HELP = 'print exactly what would change, and change nothing'

/** The last line a dry run prints. */
export const DRY_RUN_DONE = 'nothing was changed (--dry-run)\n'

/** A ref's move as git prints it: `old..new`, `(none)` for a ref that does not exist on one side. */
export function refMove(ref: string, old: string | null, next: string | null): string {
  return `${ref}  ${old === null ? '(none)' : shortOid(old)}..${next === null ? '(deleted)' : shortOid(next)}`
}
