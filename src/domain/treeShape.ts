/**
 * Tree entries that git itself never writes and `git fsck --strict` flags: a name with a
 * `/` in it (fsck's fullPathname), which a naive writer turns into a nested file, and two
 * entries with one name (duplicateEntries), of which a writer keeps one silently. A tree
 * read from a remote may have been crafted, so gmr refuses both before writing anything.
 */
export interface TreeEntryProblem {
  /** The entry's path as a writer would see it (`<folder>/<name>`). */
  path: string
  /** git fsck's name for the problem. */
  rule: 'fullPathname' | 'duplicateEntries'
  reason: string
}

/** The problems of one tree's entries; `prefix` is the tree's own path ('' at the top). */
export function treeEntryProblems(prefix: string, names: readonly string[]): TreeEntryProblem[] {
  const problems: TreeEntryProblem[] = []
  const seen = new Set<string>()
  const reported = new Set<string>()
  for (const name of names) {
    const path = prefix === '' ? name : `${prefix}/${name}`
    if (name.includes('/')) problems.push({ path, rule: 'fullPathname', reason: `its tree entry name "${name}" contains a "/"` })
    if (seen.has(name) && !reported.has(name)) {
      reported.add(name)
      problems.push({ path, rule: 'duplicateEntries', reason: `its tree has more than one entry named "${name}"` })
    }
    seen.add(name)
  }
  return problems
}
