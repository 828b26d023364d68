import { error, inFile, short, warning, type Finding } from './checkFindings.js'
import { isRecorded, recordedRemovals } from './checkRetired.js'
import { manifestEvents } from './manifestEvents.js'
import type { RetiredEntryYaml } from './retired.js'
import { nextLinkNumber, type ModelLinkYaml, type ModelYaml } from './manifests.js'
import { manifestsByPath, type RegistrySnapshot, type SnapshotManifest, type SnapshotVersion } from './registrySnapshot.js'

/**
 * The rules that compare a proposed state with its base: the registry's history is
 * append-only. Existing links are never edited or renumbered, a link number once given
 * out is never given out again, artifact branches only grow; and a change to a
 * protected alias is a warning that names it, so reviewers cannot miss it.
 */
export function checkHistory(base: RegistrySnapshot, head: RegistrySnapshot, protectedAliases: readonly string[]): Finding[] {
  const findings: Finding[] = []
  const heads = manifestsByPath(head)
  const bases = manifestsByPath(base)
  const recorded = recordedRemovals(base, head)
  findings.push(...recorded.findings)
  for (const before of base.manifests) {
    const after = heads.get(before.path)
    if (!after) {
      // A removal or rename registry/retired.yaml records is history, not a loss.
      if (before.data !== null && !isRecorded(recorded.entries, before.kind, before.name)) findings.push(removedManifest(before, base))
      continue
    }
    if (after.oid === before.oid || after.data === null || before.data === null || after.kind !== before.kind) continue
    if (after.kind === 'model') findings.push(...linkHistory(before.data as ModelYaml, after, base.label))
  }
  for (const after of head.manifests) {
    if (after.data === null) continue
    const before = bases.get(after.path)
    if (before?.oid === after.oid) continue
    // A base that does not parse hides what the aliases were: every protected one counts as set.
    findings.push(...protectedAliasChanges(before?.data ?? null, after, protectedAliases))
  }
  findings.push(...branchHistory(base, head, recorded.entries))
  return findings
}

/** A manifest deleted with no record of it: history would shrink silently. */
function removedManifest(before: SnapshotManifest, base: RegistrySnapshot): Finding {
  const how = `remove it with "gmr ${before.kind} rm ${before.name}" (or "gmr model rename"), which records the removal in registry/retired.yaml, or restore the file`
  if (before.kind === 'artifact') {
    return error('history-removed', `${before.path} is deleted with no record in registry/retired.yaml: artifact ${before.name} would lose its description and aliases silently; ${how}`)
  }
  const links = (before.data as ModelYaml).versions?.length ?? 0
  const aliases = Object.keys(before.data!.aliases ?? {}).length
  return error(
    'history-removed',
    `${before.path} is deleted with no record in registry/retired.yaml: registered model ${before.name} and its ${plural(links, 'link')} and ${plural(aliases, 'alias', 'aliases')} (in ${base.label}) would leave silently; ${how}`,
  )
}

function linkHistory(before: ModelYaml, after: SnapshotManifest, baseLabel: string): Finding[] {
  const findings: Finding[] = []
  const model = after.data as ModelYaml
  const headLinks = model.versions ?? []
  const headIndex = new Map<number, number>()
  headLinks.forEach((link, i) => {
    if (!headIndex.has(link.version)) headIndex.set(link.version, i)
  })
  const baseNumbers = new Set((before.versions ?? []).map((l) => l.version))
  const explained = new Set<number>()
  const at = (i: number, field?: keyof ModelLinkYaml) => inFile(after.path, field ? ['versions', i, field] : ['versions', i])

  for (const old of before.versions ?? []) {
    const i = headIndex.get(old.version)
    if (i !== undefined) {
      const now = headLinks[i]!
      if (!sameLink(old, now)) findings.push(error('history-link-changed', changedMessage(old, now), at(i)))
      continue
    }
    const moved = headLinks.findIndex((l) => l.commit === old.commit && !baseNumbers.has(l.version))
    if (moved >= 0) {
      explained.add(moved)
      findings.push(
        error(
          'history-link-renumbered',
          `link v${old.version} (${old.artifact}:v${old.artifactVersion}) was renumbered to v${headLinks[moved]!.version}; link numbers never change, put it back as v${old.version}`,
          at(moved, 'version'),
        ),
      )
    }
  }

  const baseNext = nextLinkNumber(before)
  headLinks.forEach((link, i) => {
    if (baseNumbers.has(link.version) || explained.has(i) || link.version >= baseNext) return
    findings.push(
      error(
        'history-number-reused',
        `link number v${link.version} was given out before (in ${baseLabel}) and numbers are never reused; this link should be v${Math.max(baseNext, ...headLinks.map((l) => l.version + 1))} ("gmr link" picks the number)`,
        at(i, 'version'),
      ),
    )
  })
  const headNext = nextLinkNumber(model)
  if (headNext < baseNext) {
    findings.push(
      error(
        'history-number-reused',
        `link numbers up to v${baseNext - 1} were given out before (in ${baseLabel}), but this manifest would give out v${headNext} next; add nextVersion: ${baseNext}`,
        inFile(after.path, model.nextVersion === undefined ? ['versions'] : ['nextVersion'], model.nextVersion === undefined ? 'key' : 'value'),
      ),
    )
  }
  return findings
}

function sameLink(a: ModelLinkYaml, b: ModelLinkYaml): boolean {
  return a.artifact === b.artifact && a.artifactVersion === b.artifactVersion && a.commit === b.commit && a.linkedAt === b.linkedAt
}

function changedMessage(old: ModelLinkYaml, now: ModelLinkYaml): string {
  const rule = 'links are never edited: unlink it and link the version again (it gets a new number)'
  if (old.artifact === now.artifact && old.artifactVersion === now.artifactVersion && old.commit === now.commit) {
    return `link v${old.version}'s linkedAt changed from ${old.linkedAt} to ${now.linkedAt}; ${rule}`
  }
  return `link v${old.version} changed: it was ${old.artifact}:v${old.artifactVersion} (${short(old.commit)}), now it is ${now.artifact}:v${now.artifactVersion} (${short(now.commit)}); ${rule}`
}

function protectedAliasChanges(before: SnapshotManifest['data'], after: SnapshotManifest, protectedAliases: readonly string[]): Finding[] {
  const findings: Finding[] = []
  for (const event of manifestEvents(before, after.data)) {
    if (!('alias' in event) || !protectedAliases.includes(event.alias)) continue
    const subject = `protected alias ${event.alias} of ${after.name}`
    const consequence = `review it: once merged and synced, whatever deploys ${after.name}:${event.alias} gets `
    if (event.type === 'alias-removed') {
      findings.push(
        warning('protected-alias', `${subject} is removed (it was v${event.version}); ${consequence}nothing`, inFile(after.path, ['aliases'], 'key')),
      )
    } else {
      const change = event.type === 'alias-moved' ? `moves v${event.from} -> v${event.to}` : `is set to v${event.version}`
      const to = event.type === 'alias-moved' ? event.to : event.version
      findings.push(warning('protected-alias', `${subject} ${change}; ${consequence}v${to}`, inFile(after.path, ['aliases', event.alias], 'key')))
    }
  }
  return findings
}

/**
 * Artifact branches only grow. Against a base whose branches are its own (a remote's,
 * say): each must still be a prefix of the branch here. And whatever the base's links
 * pinned (artifact version N is commit C) must still hold.
 */
function branchHistory(base: RegistrySnapshot, head: RegistrySnapshot, retired: readonly RetiredEntryYaml[] | null): Finding[] {
  const findings: Finding[] = []
  const reported = new Set<string>()
  for (const before of base.branches.values()) {
    const after = head.branches.get(before.artifact)
    if (before.versions === null || (after && after.versions === null)) continue
    const theirs = before.ref.replace(/^refs\/(heads|remotes)\//, '')
    if (!after) {
      reported.add(before.artifact)
      if (isRecorded(retired, 'artifact', before.artifact)) continue
      findings.push(warning('history-artifact-behind', `artifacts/${before.artifact} is on ${theirs} (${base.label}) but not here; fetch it (git fetch origin artifacts/${before.artifact}:artifacts/${before.artifact})`))
      continue
    }
    const common = commonPrefix(before.versions, after.versions!)
    if (common === before.versions.length) continue
    reported.add(before.artifact)
    if (common === after.versions!.length) {
      findings.push(
        warning('history-artifact-behind', `artifacts/${before.artifact} is ${plural(before.versions.length - common, 'version')} behind ${theirs}; fetch it (git fetch origin artifacts/${before.artifact}:artifacts/${before.artifact})`),
      )
      continue
    }
    findings.push(
      error(
        'history-artifact-rewritten',
        `artifacts/${before.artifact} was rewritten: v${common} is ${short(after.versions![common]!.commit)} here but ${short(before.versions[common]!.commit)} on ${theirs}; artifact branches only grow, so restore it (git branch -f artifacts/${before.artifact} ${theirs}) and log the new files again`,
      ),
    )
  }
  findings.push(...pinnedVersions(base, head, reported))
  return findings
}

function pinnedVersions(base: RegistrySnapshot, head: RegistrySnapshot, reported: Set<string>): Finding[] {
  const findings: Finding[] = []
  const heads = manifestsByPath(head)
  for (const manifest of base.manifests) {
    if (manifest.kind !== 'model' || manifest.data === null) continue
    const now = heads.get(manifest.path)
    if (now?.oid === manifest.oid) continue // the same links, checked by the link rules
    const stillLinked = new Set(now?.kind === 'model' && now.data ? ((now.data as ModelYaml).versions ?? []).map((l) => `${l.version}:${l.commit}`) : [])
    for (const link of (manifest.data as ModelYaml).versions ?? []) {
      // A link the head still has is checked against the branch by the link rules.
      if (reported.has(link.artifact) || stillLinked.has(`${link.version}:${link.commit}`)) continue
      const versions = head.branches.get(link.artifact)?.versions
      if (!versions || versions[link.artifactVersion]?.commit === link.commit) continue
      reported.add(link.artifact)
      const now = versions[link.artifactVersion]
      findings.push(
        error(
          'history-artifact-rewritten',
          `artifacts/${link.artifact} was rewritten: ${base.label} links ${manifest.name}:v${link.version} to ${link.artifact}:v${link.artifactVersion} = ${short(link.commit)}, but here v${link.artifactVersion} is ${now ? short(now.commit) : 'missing'}; artifact branches only grow`,
        ),
      )
    }
  }
  return findings
}

function commonPrefix(a: readonly SnapshotVersion[], b: readonly SnapshotVersion[]): number {
  let i = 0
  while (i < a.length && i < b.length && a[i]!.commit === b[i]!.commit) i++
  return i
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
