import { error, type Finding } from './checkFindings.js'

/** One registry file as HEAD, the index and the work tree hold it (blob ids; null: absent). */
export interface RegistryFileState {
  path: string
  head: string | null
  index: string | null
  worktree: string | null
}

/**
 * The index must not hold an older registry file than HEAD while the work tree agrees
 * with HEAD: that is what a gmr write killed after moving the branch and before
 * refreshing the index left (`MM`, or `D` plus `??` for a new manifest), and the user's
 * next `git commit` would silently revert or delete the manifest.
 */
export function checkIndexState(files: readonly RegistryFileState[]): Finding[] {
  const findings: Finding[] = []
  for (const file of files) {
    if (file.head === null || file.index === file.head || file.worktree !== file.head) continue
    const what =
      file.index === null
        ? 'the index does not list it, unlike HEAD and the work tree'
        : 'the index holds an older version than HEAD and the work tree'
    const effect = file.index === null ? 'delete it' : 'revert it'
    findings.push(
      error(
        'index-state',
        `${what} (left by an interrupted write), so the next "git commit" would ${effect}; run "git restore --staged ${file.path}"`,
        { file: file.path, line: 1, col: 1 },
      ),
    )
  }
  return findings
}
