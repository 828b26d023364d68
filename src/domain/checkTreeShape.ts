import { error, inFile, short, type Finding } from './checkFindings.js'
import { versionUses, type RegistrySnapshot } from './registrySnapshot.js'

/**
 * Versions whose trees no reader may write: an entry name with a `/`, two entries with
 * one name (both flagged by git fsck --strict, under the same names), or a malformed
 * LFS pointer under an LFS attribute. `gmr download` refuses such a version; the check
 * says which commit and path, at the manifest line that names the version.
 */
export function treeShapeRule(snapshot: RegistrySnapshot): Finding[] {
  if (!snapshot.treeProblems) return []
  const users = versionUses(snapshot)
  return snapshot.treeProblems.map((problem) => {
    const use = users.get(problem.commit)
    const version = use ? `${use.version} (${use.by}, commit ${short(problem.commit)})` : `version ${short(problem.commit)}`
    const fsck = problem.rule === 'lfsPointer' ? 'git lfs fsck --pointers flags it' : `git fsck --strict: ${problem.rule}`
    return error(
      problem.rule === 'lfsPointer' ? 'lfs-pointer' : 'tree-shape',
      `${version}: "${problem.path}": ${problem.reason} (${fsck}); gmr download refuses this version: log it again from its files`,
      use ? inFile(use.file, use.yamlPath) : {},
    )
  })
}
