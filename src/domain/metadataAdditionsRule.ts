import { error, inFile, type Finding } from './checkFindings.js'
import type { ArtifactYaml } from './manifests.js'
import { versionOfKey } from './metadataAdditions.js'
import type { RegistrySnapshot } from './registrySnapshot.js'

/**
 * Additions (gmr meta set) must be to versions that exist: an `additions: v<N>:` entry
 * of an artifact whose branch here has no v<N> is an error at that key. Versions not
 * read (null) are not judged.
 */
export function additionsRule(snapshot: RegistrySnapshot): Finding[] {
  const findings: Finding[] = []
  for (const manifest of snapshot.manifests) {
    if (manifest.kind !== 'artifact' || manifest.data === null) continue
    const keys = Object.keys((manifest.data as ArtifactYaml).additions ?? {})
    if (keys.length === 0) continue
    const versions = snapshot.branches.get(manifest.name)?.versions
    if (versions === null) continue
    const count = versions?.length ?? 0
    for (const key of keys) {
      if ((versionOfKey(key) ?? Infinity) < count) continue
      const has = count === 0 ? `${manifest.name} has no versions here (no branch artifacts/${manifest.name}: fetch it or log one)` : `${manifest.name} has v0 to v${count - 1}`
      findings.push(error('additions-version', `additions name ${key}, but ${has}; remove the entry or fix its number`, inFile(manifest.path, ['additions', key], 'key')))
    }
  }
  return findings
}
