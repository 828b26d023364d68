import { humanSize } from './byteSize.js'
import { warning, type Finding } from './checkFindings.js'

/** What `gmr prune` would do for one version, as its planning reports it. */
export interface RetentionPlanVersion {
  artifact: string
  version: number
  keep: boolean
  /** Large-file objects a prune would free for it. */
  objectCount: number
  size: number
}

/**
 * One finding per artifact whose versions outside the retention policy still have large
 * files in this store: `churn: 12 versions (v0–v11) are outside the retention policy;
 * "gmr prune" frees 1.2 GiB`. A warning, the lowest severity check has, so it never fails
 * CI (whose clones hold no large files, so it never appears there). Pure: the caller
 * runs prune's planning.
 */
export function checkRetention(versions: readonly RetentionPlanVersion[]): Finding[] {
  const byArtifact = new Map<string, RetentionPlanVersion[]>()
  for (const v of versions) {
    if (v.keep || v.objectCount === 0) continue
    byArtifact.set(v.artifact, [...(byArtifact.get(v.artifact) ?? []), v])
  }
  return [...byArtifact].map(([artifact, dropped]) => {
    const numbers = dropped.map((v) => v.version).sort((a, b) => a - b)
    const size = dropped.reduce((n, v) => n + v.size, 0)
    const count = numbers.length === 1 ? '1 version' : `${numbers.length} versions`
    return warning(
      'retention-outside',
      `${artifact}: ${count} (${versionRanges(numbers)}) ${numbers.length === 1 ? 'is' : 'are'} outside the retention policy; "gmr prune" frees ${humanSize(size)}`,
    )
  })
}

/** `[0,1,2,3,7,9,10]` → `v0–v3, v7, v9–v10`. */
function versionRanges(numbers: readonly number[]): string {
  const parts: string[] = []
  for (let i = 0; i < numbers.length; i++) {
    const start = numbers[i]!
    while (i + 1 < numbers.length && numbers[i + 1] === numbers[i]! + 1) i++
    parts.push(start === numbers[i] ? `v${start}` : `v${start}–v${numbers[i]}`)
  }
  return parts.join(', ')
}
