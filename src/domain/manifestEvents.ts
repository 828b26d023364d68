import type { ManifestYaml, ModelLinkYaml, ModelYaml } from './manifests.js'
import { additionChanges, additionText, type AdditionChange } from './metadataAdditions.js'

/** One change between two states of a manifest, as `gmr history` and `gmr diff` tell it. */
export type ManifestEvent =
  | { type: 'created' }
  | { type: 'deleted' }
  | { type: 'linked'; link: ModelLinkYaml }
  | { type: 'unlinked'; link: ModelLinkYaml }
  | { type: 'link-changed'; version: number; from: ModelLinkYaml; to: ModelLinkYaml }
  | { type: 'alias-set'; alias: string; version: number }
  | { type: 'alias-moved'; alias: string; from: number; to: number }
  | { type: 'alias-removed'; alias: string; version: number }
  | { type: 'tag-added'; tag: string }
  | { type: 'tag-removed'; tag: string }
  | { type: 'description-changed'; from: string; to: string }
  | { type: 'type-changed'; from: string; to: string }
  | ({ type: 'additions-changed' } & AdditionChange)

/** What changed from `before` to `after` (either may be absent: created, deleted). */
export function manifestEvents(before: ManifestYaml | null, after: ManifestYaml | null): ManifestEvent[] {
  const events: ManifestEvent[] = []
  if (before === null && after === null) return events
  if (before === null) events.push({ type: 'created' })
  if (after === null) {
    events.push({ type: 'deleted' })
    return events
  }
  const old = before ?? ({ name: after.name } as ManifestYaml)
  events.push(...linkEvents(old as ModelYaml, after as ModelYaml))
  events.push(...aliasEvents(old.aliases ?? {}, after.aliases ?? {}))
  const [oldTags, newTags] = [(old as ModelYaml).tags ?? [], (after as ModelYaml).tags ?? []]
  for (const tag of newTags) if (!oldTags.includes(tag)) events.push({ type: 'tag-added', tag })
  for (const tag of oldTags) if (!newTags.includes(tag)) events.push({ type: 'tag-removed', tag })
  const [oldDescription, newDescription] = [old.description ?? '', after.description ?? '']
  if (oldDescription !== newDescription) {
    events.push({ type: 'description-changed', from: oldDescription, to: newDescription })
  }
  events.push(...additionChanges(before, after).map((change) => ({ type: 'additions-changed' as const, ...change })))
  if ('type' in after || 'type' in old) {
    const [from, to] = [(old as { type?: string }).type ?? 'model', (after as { type?: string }).type ?? 'model']
    if (from !== to) events.push({ type: 'type-changed', from, to })
  }
  return events
}

function linkEvents(before: ModelYaml, after: ModelYaml): ManifestEvent[] {
  const events: ManifestEvent[] = []
  const old = new Map((before.versions ?? []).map((link) => [link.version, link]))
  const now = new Map((after.versions ?? []).map((link) => [link.version, link]))
  for (const [version, link] of now) {
    const prev = old.get(version)
    if (!prev) events.push({ type: 'linked', link })
    else if (!sameLink(prev, link)) events.push({ type: 'link-changed', version, from: prev, to: link })
  }
  for (const [version, link] of old) if (!now.has(version)) events.push({ type: 'unlinked', link })
  return events
}

function sameLink(a: ModelLinkYaml, b: ModelLinkYaml): boolean {
  return (
    a.artifact === b.artifact && a.artifactVersion === b.artifactVersion && a.commit === b.commit && a.linkedAt === b.linkedAt
  )
}

function aliasEvents(before: Record<string, number>, after: Record<string, number>): ManifestEvent[] {
  const events: ManifestEvent[] = []
  for (const alias of Object.keys(after).sort()) {
    const [from, to] = [before[alias], after[alias]!]
    if (from === undefined) events.push({ type: 'alias-set', alias, version: to })
    else if (from !== to) events.push({ type: 'alias-moved', alias, from, to })
  }
  for (const alias of Object.keys(before).sort()) {
    if (!(alias in after)) events.push({ type: 'alias-removed', alias, version: before[alias]! })
  }
  return events
}

/** One line per event, e.g. `alias production moved v1 -> v2`. */
export function describeEvent(event: ManifestEvent): string {
  switch (event.type) {
    case 'created':
      return 'created'
    case 'deleted':
      return 'deleted'
    case 'linked':
      return `linked v${event.link.version} -> ${event.link.artifact}:v${event.link.artifactVersion} (${event.link.commit.slice(0, 10)})`
    case 'unlinked':
      return `unlinked v${event.link.version} (${event.link.artifact}:v${event.link.artifactVersion})`
    case 'link-changed':
      return `link v${event.version} changed: ${event.from.artifact}:v${event.from.artifactVersion} -> ${event.to.artifact}:v${event.to.artifactVersion}`
    case 'alias-set':
      return `alias ${event.alias} set to v${event.version}`
    case 'alias-moved':
      return `alias ${event.alias} moved v${event.from} -> v${event.to}`
    case 'alias-removed':
      return `alias ${event.alias} removed (was v${event.version})`
    case 'tag-added':
      return `tag ${event.tag} added`
    case 'tag-removed':
      return `tag ${event.tag} removed`
    case 'description-changed':
      return `description changed to "${event.to}"`
    case 'type-changed':
      return `type changed ${event.from} -> ${event.to}`
    case 'additions-changed':
      return additionText(event)
  }
}
