import { manifestEvents, type ManifestEvent } from './manifestEvents.js'
import type { ArtifactYaml, ModelLinkYaml, ModelYaml } from './manifests.js'
import { annotate, linkAnnotation, versionAnnotation, type AdditionChange } from './metadataAdditions.js'
import { cardChanges, type CardDiff } from './modelCardRules.js'
import { metadataChanges, type MetadataChange } from './metadataDelta.js'
import {
  manifestsByPath,
  type RegistrySnapshot,
  type SnapshotBranch,
  type SnapshotManifest,
  type SnapshotVersion,
} from './registrySnapshot.js'

/**
 * A semantic diff of two registry states, the way a reviewer reads a pull request:
 * per registered model and artifact, the links, aliases (with the versions they move
 * between and how their metrics differ), tags, descriptions and versions logged; protected
 * alias changes listed on their own; and one plan-style summary line. Pure: the
 * snapshots carry everything, rendering (text, markdown, JSON) is the caller's.
 */
export interface RegistryDiff {
  base: DiffSide
  head: DiffSide
  /** `1 model changed: 2 links added, 1 alias moved (production), 1 tag added` */
  summary: string
  counts: DiffCounts
  /** Changes to protected aliases, the ones reviewers must not miss; also in `changes`. */
  protectedAliases: ProtectedAliasChange[]
  /** Models first, then artifacts, each by name. */
  changes: NameDiff[]
  /** Manifests that could not be read on one side, so their changes are not shown. */
  unreadable: Array<{ path: string; side: 'base' | 'head' }>
}

export interface DiffSide {
  label: string
  commit: string | null
}

export type EntityKind = 'model' | 'artifact'

export interface NameDiff {
  kind: EntityKind
  name: string
  /** The manifest's path; null for an artifact whose change is only on its branch. */
  path: string | null
  status: 'added' | 'removed' | 'changed'
  links: LinkDiff[]
  aliases: AliasDiff[]
  tags: { added: string[]; removed: string[] }
  description: { from: string; to: string } | null
  type: { from: string; to: string } | null
  /** Versions logged on the artifact's branch, oldest first (artifacts only). */
  versionsLogged: VersionSummary[]
  /** The branch did not just grow: it is behind the base, rewritten, or gone. */
  branch: BranchProblem | null
  /** Descriptions and metadata added to versions (or links) after the fact that changed (gmr meta). */
  additions: AdditionChange[]
  /** The model's card (`registry/models/<model>.md`), when it changed. */
  card: CardDiff | null
}

export type BranchProblem =
  | { state: 'behind'; missing: number }
  | { state: 'rewritten'; at: number }
  | { state: 'missing'; versions: number }

export interface VersionSummary {
  artifact: string
  artifactVersion: number
  commit: string
  /** Null when the version is not on any branch read. */
  metadata: Record<string, unknown> | null
  time: number | null
}

export interface LinkDiff {
  change: 'added' | 'removed' | 'changed'
  /** The link number (v<K> of the model). */
  version: number
  link: ModelLinkYaml
  /** For `changed`: the link as it was. */
  from?: ModelLinkYaml
  metadata: Record<string, unknown> | null
}

/** Where an alias points: v<N> in its owner's numbering, and the artifact version behind it. */
export interface AliasTarget {
  version: number
  artifact: string
  artifactVersion: number
  commit: string | null
  metadata: Record<string, unknown> | null
}

export interface AliasDiff {
  alias: string
  change: 'set' | 'moved' | 'removed'
  protected: boolean
  from: AliasTarget | null
  to: AliasTarget | null
  /** From `from`'s metadata to `to`'s (moves only). */
  metadata: MetadataChange[]
}

export interface ProtectedAliasChange {
  kind: EntityKind
  name: string
  alias: string
  change: AliasDiff['change']
  from: number | null
  to: number | null
}

export interface DiffCounts {
  models: { added: number; removed: number; changed: number }
  artifacts: { added: number; removed: number; changed: number }
  versionsLogged: number
  linksAdded: number
  linksRemoved: number
  linksChanged: number
  aliasesSet: number
  aliasesMoved: number
  aliasesRemoved: number
  tagsAdded: number
  tagsRemoved: number
  descriptionsChanged: number
  typesChanged: number
  /** Versions and links whose after-the-fact description or metadata changed. */
  additionsChanged: number
  cardsChanged: number
}

export interface DiffRegistryOptions {
  /** Aliases to flag; default: the base's `protectedAliases` (else the head's). */
  protectedAliases?: readonly string[]
}

export function diffRegistry(base: RegistrySnapshot, head: RegistrySnapshot, options: DiffRegistryOptions = {}): RegistryDiff {
  const protectedAliases = options.protectedAliases ?? base.config.data?.protectedAliases ?? head.config.data?.protectedAliases ?? []
  const lookup = versionLookup(base, head)
  const bases = manifestsByPath(base)
  const heads = manifestsByPath(head)
  const unreadable: RegistryDiff['unreadable'] = []
  const changes: NameDiff[] = []

  for (const path of [...new Set([...bases.keys(), ...heads.keys()])].sort()) {
    const [before, after] = [bases.get(path), heads.get(path)]
    if (before && after && before.oid === after.oid) continue
    if (before?.data === null) unreadable.push({ path, side: 'base' })
    if (after?.data === null) unreadable.push({ path, side: 'head' })
    if (before?.data === null || after?.data === null) continue
    const kind = (after ?? before)!.kind
    const name = (after ?? before)!.name
    const diff = manifestDiff(kind, name, path, before ?? null, after ?? null, protectedAliases, lookup)
    if (diff) changes.push(diff)
  }

  for (const artifact of [...new Set([...base.branches.keys(), ...head.branches.keys()])].sort()) {
    const branch = branchDiff(base.branches.get(artifact), head.branches.get(artifact))
    if (branch.logged.length === 0 && branch.problem === null) continue
    let entry = changes.find((c) => c.kind === 'artifact' && c.name === artifact)
    if (!entry) {
      const path = (heads.get(`registry/artifacts/${artifact}.yaml`) ?? bases.get(`registry/artifacts/${artifact}.yaml`))?.path ?? null
      const status = !base.branches.has(artifact) && !manifestNamed(base, 'artifact', artifact) ? 'added' : 'changed'
      entry = { ...emptyDiff('artifact', artifact, path), status }
      changes.push(entry)
    }
    entry.versionsLogged = branch.logged
    entry.branch = branch.problem
  }

  for (const [model, card] of cardChanges(base, head)) {
    let entry = changes.find((c) => c.kind === 'model' && c.name === model)
    if (!entry) {
      const path = (heads.get(`registry/models/${model}.yaml`) ?? bases.get(`registry/models/${model}.yaml`))?.path ?? null
      entry = emptyDiff('model', model, path)
      changes.push(entry)
    }
    entry.card = card
  }

  changes.sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind === 'model' ? -1 : 1))
  const counts = countChanges(changes)
  return {
    base: { label: base.label, commit: base.commit },
    head: { label: head.label, commit: head.commit },
    summary: summaryLine(counts, changes, unreadable.length),
    counts,
    protectedAliases: changes.flatMap((c) =>
      c.aliases
        .filter((a) => a.protected)
        .map((a) => ({ kind: c.kind, name: c.name, alias: a.alias, change: a.change, from: a.from?.version ?? null, to: a.to?.version ?? null })),
    ),
    changes,
    unreadable,
  }
}

function manifestNamed(snapshot: RegistrySnapshot, kind: EntityKind, name: string): boolean {
  return snapshot.manifests.some((m) => m.kind === kind && m.name === name)
}

/** A name's diff with nothing changed yet: what each comparison fills in. */
export function emptyDiff(kind: EntityKind, name: string, path: string | null): NameDiff {
  return {
    kind,
    name,
    path,
    status: 'changed',
    links: [],
    aliases: [],
    tags: { added: [], removed: [] },
    description: null,
    type: null,
    versionsLogged: [],
    branch: null,
    additions: [],
    card: null,
  }
}

function manifestDiff(
  kind: EntityKind,
  name: string,
  path: string,
  before: SnapshotManifest | null,
  after: SnapshotManifest | null,
  protectedAliases: readonly string[],
  lookup: VersionLookup,
): NameDiff | null {
  const events = manifestEvents(before?.data ?? null, after?.data ?? null)
  const diff = emptyDiff(kind, name, path)
  diff.status = before === null ? 'added' : after === null ? 'removed' : 'changed'
  if (diff.status === 'removed') return diff
  const target = (side: 'base' | 'head', version: number): AliasTarget | null => {
    const manifest = side === 'base' ? before : after
    return manifest ? aliasTarget(manifest, version, lookup[side], lookup.artifacts[side]) : null
  }
  for (const event of events) applyEvent(diff, event, target, protectedAliases, lookup.head)
  const changed =
    diff.links.length + diff.aliases.length + diff.tags.added.length + diff.tags.removed.length + diff.additions.length > 0 || diff.description || diff.type
  return changed || diff.status === 'added' ? diff : null
}

function applyEvent(
  diff: NameDiff,
  event: ManifestEvent,
  target: (side: 'base' | 'head', version: number) => AliasTarget | null,
  protectedAliases: readonly string[],
  find: (artifact: string, version: number, commit: string) => SnapshotVersion | null,
): void {
  const linkMetadata = (link: ModelLinkYaml) => find(link.artifact, link.artifactVersion, link.commit)?.metadata ?? null
  switch (event.type) {
    case 'linked':
      diff.links.push({ change: 'added', version: event.link.version, link: event.link, metadata: linkMetadata(event.link) })
      return
    case 'unlinked':
      diff.links.push({ change: 'removed', version: event.link.version, link: event.link, metadata: linkMetadata(event.link) })
      return
    case 'link-changed':
      diff.links.push({ change: 'changed', version: event.version, link: event.to, from: event.from, metadata: linkMetadata(event.to) })
      return
    case 'alias-set':
    case 'alias-moved':
    case 'alias-removed': {
      const from = event.type === 'alias-set' ? null : target('base', event.type === 'alias-moved' ? event.from : event.version)
      const to = event.type === 'alias-removed' ? null : target('head', event.type === 'alias-moved' ? event.to : event.version)
      const change = event.type === 'alias-set' ? 'set' : event.type === 'alias-moved' ? 'moved' : 'removed'
      const metadata = from?.metadata && to?.metadata ? metadataChanges(from.metadata, to.metadata) : []
      diff.aliases.push({ alias: event.alias, change, protected: protectedAliases.includes(event.alias), from, to, metadata })
      return
    }
    case 'tag-added':
      diff.tags.added.push(event.tag)
      return
    case 'tag-removed':
      diff.tags.removed.push(event.tag)
      return
    case 'description-changed':
      diff.description = { from: event.from, to: event.to }
      return
    case 'type-changed':
      diff.type = { from: event.from, to: event.to }
      return
    case 'additions-changed': {
      const { type: _type, ...change } = event
      diff.additions.push(change)
      return
    }
    case 'created':
    case 'deleted':
      return
  }
}

/**
 * What an alias names on one side, with the metadata a reader of that side sees: the
 * logged metadata with `gmr meta set` additions merged over it (the version's, then the
 * link's), so an alias move compares what show and resolve print.
 */
function aliasTarget(
  manifest: SnapshotManifest,
  version: number,
  find: (artifact: string, version: number, commit: string | null) => SnapshotVersion | null,
  artifactManifest: (artifact: string) => ArtifactYaml | null,
): AliasTarget {
  if (manifest.kind === 'model') {
    const link = ((manifest.data as ModelYaml).versions ?? []).find((l) => l.version === version)
    if (!link) return { version, artifact: manifest.name, artifactVersion: -1, commit: null, metadata: null }
    const found = find(link.artifact, link.artifactVersion, link.commit)
    const additions = [versionAnnotation(artifactManifest(link.artifact), link.artifactVersion), linkAnnotation(link)]
    const metadata = found ? annotate(found, ...additions).metadata : null
    return { version, artifact: link.artifact, artifactVersion: link.artifactVersion, commit: link.commit, metadata }
  }
  const found = find(manifest.name, version, null)
  const metadata = found ? annotate(found, versionAnnotation(manifest.data as ArtifactYaml, version)).metadata : null
  return { version, artifact: manifest.name, artifactVersion: version, commit: found?.commit ?? null, metadata }
}

interface VersionLookup {
  base: (artifact: string, version: number, commit: string | null) => SnapshotVersion | null
  head: (artifact: string, version: number, commit: string | null) => SnapshotVersion | null
  /** An artifact's manifest on each side (its `additions:`), null when absent or unreadable. */
  artifacts: Record<'base' | 'head', (artifact: string) => ArtifactYaml | null>
}

/** A version by artifact and number on one side, or by commit on either (it is the same object). */
function versionLookup(base: RegistrySnapshot, head: RegistrySnapshot): VersionLookup {
  const byCommit = new Map<string, SnapshotVersion>()
  for (const snapshot of [base, head]) {
    for (const branch of snapshot.branches.values()) for (const v of branch.versions ?? []) byCommit.set(v.commit, v)
  }
  const on = (snapshot: RegistrySnapshot) => (artifact: string, version: number, commit: string | null) => {
    const v = snapshot.branches.get(artifact)?.versions?.[version]
    if (v && (commit === null || v.commit === commit)) return v
    return commit === null ? null : (byCommit.get(commit) ?? null)
  }
  const artifactsOf = (snapshot: RegistrySnapshot) => (artifact: string) =>
    (snapshot.manifests.find((m) => m.kind === 'artifact' && m.name === artifact)?.data as ArtifactYaml | null | undefined) ?? null
  return { base: on(base), head: on(head), artifacts: { base: artifactsOf(base), head: artifactsOf(head) } }
}

interface BranchChange {
  logged: VersionSummary[]
  problem: BranchProblem | null
}

function branchDiff(before: SnapshotBranch | undefined, after: SnapshotBranch | undefined): BranchChange {
  const none: BranchChange = { logged: [], problem: null }
  if (!after) return before ? { logged: [], problem: { state: 'missing', versions: before.versions?.length ?? 0 } } : none
  if (before && before.tip === after.tip) return none
  const summary = (v: SnapshotVersion): VersionSummary => ({
    artifact: after.artifact,
    artifactVersion: v.version,
    commit: v.commit,
    metadata: v.metadata,
    time: v.time,
  })
  const now = after.versions ?? []
  if (!before) return { logged: now.map(summary), problem: null }
  const old = before.versions ?? []
  let common = 0
  while (common < old.length && common < now.length && old[common]!.commit === now[common]!.commit) common++
  if (common === old.length) return { logged: now.slice(common).map(summary), problem: null }
  if (common === now.length) return { logged: [], problem: { state: 'behind', missing: old.length - common } }
  return { logged: now.slice(common).map(summary), problem: { state: 'rewritten', at: common } }
}

function countChanges(changes: readonly NameDiff[]): DiffCounts {
  const counts: DiffCounts = {
    models: { added: 0, removed: 0, changed: 0 },
    artifacts: { added: 0, removed: 0, changed: 0 },
    versionsLogged: 0,
    linksAdded: 0,
    linksRemoved: 0,
    linksChanged: 0,
    aliasesSet: 0,
    aliasesMoved: 0,
    aliasesRemoved: 0,
    tagsAdded: 0,
    tagsRemoved: 0,
    descriptionsChanged: 0,
    typesChanged: 0,
    additionsChanged: 0,
    cardsChanged: 0,
  }
  for (const c of changes) {
    counts[c.kind === 'model' ? 'models' : 'artifacts'][c.status]++
    counts.versionsLogged += c.versionsLogged.length
    counts.linksAdded += c.links.filter((l) => l.change === 'added').length
    counts.linksRemoved += c.links.filter((l) => l.change === 'removed').length
    counts.linksChanged += c.links.filter((l) => l.change === 'changed').length
    counts.aliasesSet += c.aliases.filter((a) => a.change === 'set').length
    counts.aliasesMoved += c.aliases.filter((a) => a.change === 'moved').length
    counts.aliasesRemoved += c.aliases.filter((a) => a.change === 'removed').length
    counts.tagsAdded += c.tags.added.length
    counts.tagsRemoved += c.tags.removed.length
    if (c.description) counts.descriptionsChanged++
    if (c.type) counts.typesChanged++
    counts.additionsChanged += c.additions.length
    if (c.card) counts.cardsChanged++
  }
  return counts
}

/** Alias names in the summary line, at most this many per kind of change. */
const ALIASES_NAMED = 3

function summaryLine(counts: DiffCounts, changes: readonly NameDiff[], unreadable: number): string {
  const things: string[] = []
  for (const status of ['added', 'removed', 'changed'] as const) {
    if (counts.models[status] > 0) things.push(`${plural(counts.models[status], 'model')} ${status}`)
  }
  for (const status of ['added', 'removed', 'changed'] as const) {
    if (counts.artifacts[status] > 0) things.push(`${plural(counts.artifacts[status], 'artifact')} ${status}`)
  }
  const aliasNames = (change: AliasDiff['change']) => {
    const names = [...new Set(changes.flatMap((c) => c.aliases.filter((a) => a.change === change).map((a) => a.alias)))].sort()
    const shown = names.slice(0, ALIASES_NAMED).join(', ')
    return ` (${shown}${names.length > ALIASES_NAMED ? `, +${names.length - ALIASES_NAMED} more` : ''})`
  }
  const parts: string[] = []
  const add = (n: number, one: string, many: string, verb: string, suffix = '') => {
    if (n > 0) parts.push(`${n} ${n === 1 ? one : many} ${verb}${suffix}`)
  }
  add(counts.versionsLogged, 'version', 'versions', 'logged')
  add(counts.linksAdded, 'link', 'links', 'added')
  add(counts.linksRemoved, 'link', 'links', 'removed')
  add(counts.linksChanged, 'link', 'links', 'changed')
  add(counts.aliasesSet, 'alias', 'aliases', 'set', counts.aliasesSet > 0 ? aliasNames('set') : '')
  add(counts.aliasesMoved, 'alias', 'aliases', 'moved', counts.aliasesMoved > 0 ? aliasNames('moved') : '')
  add(counts.aliasesRemoved, 'alias', 'aliases', 'removed', counts.aliasesRemoved > 0 ? aliasNames('removed') : '')
  add(counts.tagsAdded, 'tag', 'tags', 'added')
  add(counts.tagsRemoved, 'tag', 'tags', 'removed')
  add(counts.descriptionsChanged, 'description', 'descriptions', 'changed')
  add(counts.typesChanged, 'type', 'types', 'changed')
  add(counts.additionsChanged, "version's added metadata", "versions' added metadata", 'changed')
  add(counts.cardsChanged, 'model card', 'model cards', 'changed')
  const rewritten = changes.filter((c) => c.branch?.state === 'rewritten').length
  add(rewritten, 'artifact branch', 'artifact branches', 'rewritten')
  const unread = unreadable > 0 ? `${unreadable === 1 ? '1 manifest does' : `${unreadable} manifests do`} not parse (run gmr check)` : ''
  if (things.length === 0) return unread === '' ? 'No registry changes' : `No readable registry changes; ${unread}`
  const line = parts.length > 0 ? `${things.join(', ')}: ${parts.join(', ')}` : things.join(', ')
  return unread === '' ? line : `${line}; ${unread}`
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`
}
