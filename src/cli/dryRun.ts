import { shortOid } from './render.js'

/**
 * `--dry-run` of the commands that move refs and files rather than edit manifests (push,
 * fetch, pull, log, init, cache prune/clear); the registry edits' is DRY_RUN_HELP in renderPlan.ts.
 */
export const PLAN_ONLY_HELP = 'print exactly what would change, and change nothing'

/** A ref's move as git prints it: `old..new`, `(none)` for a ref that does not exist on one side. */
export function refMove(ref: string, old: string | null, next: string | null): string {
  return `${ref}  ${old === null ? '(none)' : shortOid(old)}..${next === null ? '(deleted)' : shortOid(next)}`
}
