import type { AdditionChange } from '../domain/metadataAdditions.js'
import type { CardDiff } from '../domain/modelCardRules.js'
import type { MetadataChange } from '../domain/metadataDelta.js'
import type { AliasDiff, AliasTarget, LinkDiff, NameDiff, RegistryDiff, VersionSummary } from '../domain/registryDiff.js'
import { inlineMetadata, shortOid } from './render.js'

/** The plain-text diff: summary line, protected alias changes, then one block per name. */
export function renderDiffText(diff: RegistryDiff): string {
  const lines = [diff.summary, `base ${side(diff.base)}, head ${side(diff.head)}`]
  if (diff.protectedAliases.length > 0) {
    lines.push('')
    for (const p of diff.protectedAliases) lines.push(`! protected alias ${p.alias} of ${p.name} ${protectedChange(p)}`)
  }
  for (const change of diff.changes) {
    lines.push('', `${kindWord(change)} ${change.name} (${change.status})`)
    for (const line of changeLines(change)) lines.push(`  ${line}`)
  }
  for (const u of diff.unreadable) lines.push('', `? ${u.path} does not parse in the ${u.side}; run "gmr check" to see why`)
  return lines.join('\n') + '\n'
}

function side(s: RegistryDiff['base']): string {
  return s.commit === null ? s.label : `${s.label} ${shortOid(s.commit)}`
}

function kindWord(change: NameDiff): string {
  return change.kind === 'model' ? 'model' : 'artifact'
}

export function protectedChange(p: RegistryDiff['protectedAliases'][number]): string {
  if (p.change === 'moved') return `moves v${p.from} -> v${p.to}`
  if (p.change === 'set') return `is set to v${p.to}`
  return `is removed (was v${p.from})`
}

/** Every change of one name, one line each, marked + added, - removed, ~ changed, ! attention. */
function changeLines(change: NameDiff): string[] {
  const lines: string[] = []
  if (change.branch?.state === 'rewritten') lines.push(`! artifacts/${change.name} was rewritten from v${change.branch.at} on`)
  if (change.branch?.state === 'behind') lines.push(`! artifacts/${change.name} lacks ${change.branch.missing} version(s) the base has (fetch it)`)
  if (change.branch?.state === 'missing') lines.push(`! artifacts/${change.name} is not here (the base has ${change.branch.versions} version(s))`)
  for (const v of change.versionsLogged) lines.push(`+ ${versionLine(v)}`)
  for (const a of change.aliases) lines.push(aliasLine(a))
  for (const l of change.links) lines.push(linkLine(l))
  for (const tag of change.tags.added) lines.push(`+ tag ${tag}`)
  for (const tag of change.tags.removed) lines.push(`- tag ${tag}`)
  if (change.description) lines.push(`~ description: ${JSON.stringify(change.description.from)} -> ${JSON.stringify(change.description.to)}`)
  if (change.type) lines.push(`~ type: ${change.type.from} -> ${change.type.to}`)
  for (const a of change.additions) lines.push(additionLine(a))
  if (change.card) lines.push(cardLine(change.card))
  return lines
}

function versionLine(v: VersionSummary): string {
  const metadata = v.metadata ? inlineMetadata(v.metadata) : ''
  return `v${v.artifactVersion} logged (${shortOid(v.commit)})${metadata ? ` ${metadata}` : ''}`
}

function aliasLine(a: AliasDiff): string {
  const mark = a.protected ? ' [protected]' : ''
  if (a.change === 'set') return `+ alias ${a.alias}${mark}: v${a.to!.version} (${targetText(a.to!)})`
  if (a.change === 'removed') return `- alias ${a.alias}${mark}: was v${a.from!.version} (${targetText(a.from!)})`
  const metrics = a.metadata.length > 0 ? `: ${a.metadata.map(metadataChangeText).join(', ')}` : ''
  return `~ alias ${a.alias}${mark}: v${a.from!.version} -> v${a.to!.version} (${targetText(a.from!)} -> ${targetText(a.to!)})${metrics}`
}

function linkLine(l: LinkDiff): string {
  const mark = l.change === 'added' ? '+' : l.change === 'removed' ? '-' : '~'
  const target = `${l.link.artifact}:v${l.link.artifactVersion} (${shortOid(l.link.commit)})`
  if (l.change === 'changed') {
    return `~ link v${l.version}: ${l.from!.artifact}:v${l.from!.artifactVersion} (${shortOid(l.from!.commit)}) -> ${target}`
  }
  const metadata = l.change === 'added' && l.metadata ? inlineMetadata(l.metadata) : ''
  return `${mark} link v${l.version}: ${target}${metadata ? ` ${metadata}` : ''}`
}

/** `churn:v3`, or what is known of a version that is not there. */
export function targetName(t: AliasTarget): string {
  return t.artifactVersion < 0 ? 'no such link' : `${t.artifact}:v${t.artifactVersion}`
}

/** `churn:v3 0a1b2c3d4e`: the version and its commit. */
function targetText(t: AliasTarget): string {
  return t.commit === null ? targetName(t) : `${targetName(t)} ${shortOid(t.commit)}`
}

/** `accuracy 0.91 -> 0.93 (+0.02)`, `framework torch -> jax`, `epochs new: 10`. */
function metadataChangeText(c: MetadataChange): string {
  if (c.direction === 'added') return `${c.key} new: ${value(c.to)}`
  if (c.direction === 'removed') return `${c.key} removed (was ${value(c.from)})`
  const delta = c.delta !== undefined && c.delta !== 0 ? ` (${c.delta > 0 ? '+' : ''}${c.delta})` : ''
  return `${c.key} ${value(c.from)} -> ${value(c.to)}${delta}`
}

export function value(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? 'null'
}

/** `~ v3 added metadata: reviewed new: true, description "…"`: what `gmr meta` changed. */
function additionLine(a: AdditionChange): string {
  const parts = a.metadata.map(metadataChangeText)
  if (a.description) parts.push(a.description.to === null ? 'description removed' : `description ${JSON.stringify(a.description.to)}`)
  return `~ ${a.target === 'link' ? 'link ' : ''}v${a.version} added metadata: ${parts.join(', ')}`
}

/** `~ model card: license mit -> apache-2.0, body changed`. */
function cardLine(card: CardDiff): string {
  const mark = card.change === 'added' ? '+' : card.change === 'removed' ? '-' : '~'
  if (card.change === 'removed') return `${mark} model card removed`
  const parts = card.frontMatter.map(metadataChangeText)
  if (card.unreadable) parts.push('front matter does not parse (run gmr check)')
  if (card.bodyChanged && card.change === 'changed') parts.push('text changed')
  return `${mark} model card ${card.change}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`
}
