import type { NameKind } from './layout.js'
import { deepEqual } from './deepEqual.js'
import type { ManifestYaml, ModelLinkYaml, ModelYaml } from './manifests.js'
import { nextLinkNumber } from './manifests.js'

/** Where a replayed artifact version went: its new commit and number. */
export interface ReplayedVersion {
  artifact: string
  fromCommit: string
  fromVersion: number
  commit: string
  version: number
}

/** Point links at the commits their versions were replayed to (pull renumbers local-only versions). */
export function rewriteLinks<T extends ManifestYaml>(manifest: T, replayed: readonly ReplayedVersion[]): T {
  const versions = (manifest as ModelYaml).versions
  if (!versions) return manifest
  const byCommit = new Map(replayed.map((r) => [r.fromCommit, r]))
  let changed = false
  const rewritten = versions.map((link) => {
    const moved = byCommit.get(link.commit)
    if (!moved) return link
    changed = true
    return { ...link, commit: moved.commit, artifactVersion: moved.version }
  })
  return changed ? { ...manifest, versions: rewritten } : manifest
}

/**
 * Point an artifact's aliases at the numbers its versions were replayed to. Alias values
 * are version numbers, not commits, so this maps the numbers of the manifest as it was
 * before the pull: apply it once, to the local manifest, never to one already renumbered.
 */
function renumberArtifactAliases<T extends ManifestYaml>(manifest: T, replayed: readonly ReplayedVersion[]): T {
  const aliases = manifest.aliases
  if (!aliases) return manifest
  const byNumber = new Map(replayed.filter((r) => r.artifact === manifest.name).map((r) => [r.fromVersion, r.version]))
  let changed = false
  const renumbered: Record<string, number> = {}
  for (const [alias, version] of Object.entries(aliases)) {
    const moved = byNumber.get(version)
    changed ||= moved !== undefined && moved !== version
    renumbered[alias] = moved ?? version
  }
  return changed ? { ...manifest, aliases: renumbered } : manifest
}

/** A local manifest after a pull replayed some versions: a model's links, or an artifact's aliases, follow them. */
export function followReplayed<T extends ManifestYaml>(kind: NameKind, manifest: T, replayed: readonly ReplayedVersion[]): T {
  return kind === 'model' ? rewriteLinks(manifest, replayed) : renumberArtifactAliases(manifest, replayed)
}

export interface ManifestMerge {
  merged: ManifestYaml | null
  /** What both sides changed differently; empty when the merge is clean. */
  conflicts: string[]
}

/**
 * Three-way merge of a manifest, by meaning rather than by line: links both sides added
 * are all kept (ours renumbered after theirs, since theirs are already published), alias
 * and tag changes of ours are applied on top of theirs, and only a change both sides made
 * differently (the same alias moved to different versions, two new descriptions) is a
 * conflict. This is what lets two people link models in parallel and pull without
 * resolving YAML by hand.
 */
export function mergeManifests(
  base: ManifestYaml | null,
  ours: ManifestYaml | null,
  theirs: ManifestYaml | null,
): ManifestMerge {
  if (deepEqual(ours, theirs)) return { merged: ours, conflicts: [] }
  if (deepEqual(base, ours)) return { merged: theirs, conflicts: [] }
  if (deepEqual(base, theirs)) return { merged: ours, conflicts: [] }
  if (ours === null || theirs === null) {
    const name = (ours ?? theirs)!.name
    return { merged: ours ?? theirs, conflicts: [`${name} was deleted on one side and changed on the other`] }
  }
  const conflicts: string[] = []
  const from = base ?? ({ name: ours.name } as ManifestYaml)
  let merged: ManifestYaml = { ...theirs }

  // Links: theirs as published, then ours' new links, renumbered when their number is taken.
  const renumbered = new Map<number, number>()
  if ('versions' in ours || 'versions' in theirs) {
    const theirLinks = [...((theirs as ModelYaml).versions ?? [])]
    const baseLinks = new Map(((from as ModelYaml).versions ?? []).map((l) => [l.version, l]))
    const ourLinks = (ours as ModelYaml).versions ?? []
    const removedByUs = [...baseLinks.keys()].filter((v) => !ourLinks.some((l) => l.version === v))
    let links = theirLinks.filter((l) => !removedByUs.includes(l.version))
    // Numbers from theirs' next on are free everywhere: theirs are published, ours are not yet.
    let next = nextLinkNumber(theirs as ModelYaml)
    for (const link of ourLinks) {
      if (baseLinks.has(link.version)) continue
      const same = links.find((l) => l.commit === link.commit)
      if (same) {
        renumbered.set(link.version, same.version)
        continue
      }
      const number = Math.max(link.version, next)
      renumbered.set(link.version, number)
      const added: ModelLinkYaml = { ...link, version: number }
      links = [...links, added]
      next = Math.max(next, number + 1)
    }
    const model = { ...(merged as ModelYaml), versions: links }
    delete model.nextVersion
    const wanted = Math.max(nextLinkNumber(theirs as ModelYaml), nextLinkNumber(ours as ModelYaml), next)
    if (nextLinkNumber(model) !== wanted) model.nextVersion = wanted
    merged = model
  }

  // Aliases: ours' changes, in ours' (possibly renumbered) link numbers, over theirs.
  const map = (v: number) => renumbered.get(v) ?? v
  const aliases = { ...(theirs.aliases ?? {}) }
  const baseAliases = from.aliases ?? {}
  const ourAliases = ours.aliases ?? {}
  for (const alias of new Set([...Object.keys(baseAliases), ...Object.keys(ourAliases)])) {
    const [was, now] = [baseAliases[alias], ourAliases[alias]]
    if (was === now) continue
    const theirsNow = theirs.aliases?.[alias]
    const target = now === undefined ? undefined : map(now)
    if (theirsNow !== was && theirsNow !== target) {
      conflicts.push(`alias ${alias} of ${ours.name}: you set ${target === undefined ? 'none' : `v${target}`}, the remote set ${theirsNow === undefined ? 'none' : `v${theirsNow}`}`)
      continue
    }
    if (target === undefined) delete aliases[alias]
    else aliases[alias] = target
  }
  if (Object.keys(aliases).length > 0 || 'aliases' in theirs || 'aliases' in ours) merged = { ...merged, aliases }

  // Tags: ours' additions and removals, over theirs.
  if ('tags' in ours || 'tags' in theirs) {
    const [was, now] = [(from as ModelYaml).tags ?? [], (ours as ModelYaml).tags ?? []]
    const tags = new Set((theirs as ModelYaml).tags ?? [])
    for (const tag of now) if (!was.includes(tag)) tags.add(tag)
    for (const tag of was) if (!now.includes(tag)) tags.delete(tag)
    merged = { ...merged, tags: [...tags].sort() } as ModelYaml
  }

  // Scalars: whichever side changed it; both, differently, is a conflict.
  for (const key of ['description', 'type'] as const) {
    const field = (m: ManifestYaml) => (m as { description?: string; type?: string })[key]
    const [was, mine, yours] = [field(from), field(ours), field(theirs)]
    if (mine === was || mine === yours) continue
    if (yours !== was) conflicts.push(`${key} of ${ours.name} changed on both sides`)
    else merged = { ...merged, [key]: mine } as ManifestYaml
  }
  return { merged, conflicts }
}
