import type { MetadataChange } from '../domain/metadataDelta.js'
import type { CardDiff } from '../domain/modelCardRules.js'
import { flatten } from '../domain/metadataDelta.js'
import type { AliasDiff, AliasTarget, LinkDiff, NameDiff, RegistryDiff, VersionSummary } from '../domain/registryDiff.js'
import { shortOid } from './render.js'
import { protectedChange, targetName, value } from './renderDiff.js'

/** GitHub takes comments up to 65,536 characters; stay well inside with room for a footer. */
export const MARKDOWN_LIMIT = 60 * 1024

/** Alias changes drawn in the diagram at most; the tables list every one. */
const DIAGRAM_MAX_CHANGES = 40

/** Protected alias changes listed by name at the top at most. */
const PROTECTED_LISTED = 50

type Detail = 'full' | 'tables' | 'overview'

/**
 * The diff as GitHub-flavoured markdown, for a pull-request comment or
 * `$GITHUB_STEP_SUMMARY`: the summary line, protected alias changes first, an overview
 * table, a Mermaid diagram of the alias moves, then per name a table of its changes with
 * versions and metrics in a `<details>` block. When that passes `limit` bytes it is
 * summarised step by step: without the details, then the overview alone, then the
 * overview's first rows; the text always says so and how to see everything.
 */
export function renderDiffMarkdown(diff: RegistryDiff, limit = MARKDOWN_LIMIT): string {
  for (const detail of ['full', 'tables', 'overview'] as const) {
    const text = render(diff, detail, diff.changes.length)
    if (byteLength(text) <= limit) return text
  }
  // Keep as many overview rows as fit (halving, then growing back), diagram left out.
  let low = 0
  let high = diff.changes.length
  while (low < high) {
    const mid = Math.ceil((low + high) / 2)
    if (byteLength(render(diff, 'overview', mid, false)) <= limit) low = mid
    else high = mid - 1
  }
  return render(diff, 'overview', low, false)
}

function render(diff: RegistryDiff, detail: Detail, rows: number, diagram = true): string {
  const out: string[] = []
  out.push('### Registry changes', '', `**${md(diff.summary)}**`, '')
  out.push(`Base ${sideText(diff.base)} → head ${sideText(diff.head)}.`, '')
  if (diff.protectedAliases.length > 0) out.push(...protectedBlock(diff), '')
  if (diff.changes.length === 0 && diff.unreadable.length === 0) return out.join('\n')
  if (detail !== 'full' || rows < diff.changes.length) out.push(...summarisedNote(diff, detail, rows), '')
  out.push(...overviewTable(diff.changes.slice(0, rows)))
  if (rows < diff.changes.length) out.push(`| | … and ${diff.changes.length - rows} more | | | | | |`)
  out.push('')
  if (diagram) out.push(...aliasDiagram(diff))
  if (detail !== 'overview') {
    for (const change of diff.changes) out.push(...section(change, detail === 'full'))
  }
  for (const u of diff.unreadable) out.push(`- :question: \`${u.path}\` does not parse in the ${u.side}; \`gmr check\` says why.`)
  if (diff.unreadable.length > 0) out.push('')
  return out.join('\n')
}

function summarisedNote(diff: RegistryDiff, detail: Detail, rows: number): string[] {
  const what =
    rows < diff.changes.length
      ? `the first ${rows} of ${diff.changes.length} changed names`
      : detail === 'tables'
        ? 'the tables without versions and metrics'
        : 'the overview'
  const limit = Math.round(MARKDOWN_LIMIT / 1024)
  return ['> [!NOTE]', `> Summarised to stay under ${limit} KB: this shows ${what}. Run \`gmr diff ${cliArgs(diff)}\` (or \`--format json\`) for everything.`]
}

function sideText(s: RegistryDiff['base']): string {
  return s.commit === null ? md(s.label) : `${md(s.label)} (\`${shortOid(s.commit)}\`)`
}

function cliArgs(diff: RegistryDiff): string {
  const name = (s: RegistryDiff['base']) => (s.commit === null ? '' : s.commit.slice(0, 12))
  return [name(diff.base), name(diff.head)].filter(Boolean).join(' ')
}

function protectedBlock(diff: RegistryDiff): string[] {
  const lines = ['> [!WARNING]', '> **Protected aliases change.** Once this is merged and `gmr sync` runs, whatever deploys them gets another version:']
  for (const p of diff.protectedAliases.slice(0, PROTECTED_LISTED)) {
    const change = diff.changes.find((c) => c.kind === p.kind && c.name === p.name)?.aliases.find((a) => a.alias === p.alias)
    const targets = change ? ` (${[change.from, change.to].filter((t): t is AliasTarget => t !== null).map((t) => `\`${targetName(t)}\``).join(' → ')})` : ''
    lines.push(`> - \`${p.name}:${p.alias}\` ${protectedChange(p).replace('->', '→')}${targets}`)
  }
  const more = diff.protectedAliases.length - PROTECTED_LISTED
  if (more > 0) lines.push(`> - … and ${more} more (every one is in the tables below, or in \`gmr diff --format json\`)`)
  return lines
}

function overviewTable(changes: readonly NameDiff[]): string[] {
  const lines = ['| | Name | Status | Versions | Links | Aliases | Tags, description |', '|---|---|---|---|---|---|---|']
  for (const c of changes) {
    const links = [count(c.links, 'added', '+'), count(c.links, 'removed', '−'), count(c.links, 'changed', '~')].filter(Boolean).join(' ')
    const aliases = c.aliases.map((a) => `${a.protected ? ':warning: ' : ''}\`${a.alias}\` ${aliasShort(a)}`).join('<br>')
    const other = [
      ...c.tags.added.map((t) => `+\`${t}\``),
      ...c.tags.removed.map((t) => `−\`${t}\``),
      ...(c.description ? ['description'] : []),
      ...(c.type ? [`type → ${md(c.type.to)}`] : []),
      ...(c.additions.length > 0 ? [`metadata of ${c.additions.map((a) => `v${a.version}`).join(', ')}`] : []),
      ...(c.card ? [`card ${c.card.change}`] : []),
    ].join(' ')
    const versions = [c.versionsLogged.length > 0 ? `+${c.versionsLogged.length}` : '', c.branch ? `:warning: ${c.branch.state}` : ''].filter(Boolean).join(' ')
    lines.push(`| ${c.kind} | \`${c.name}\` | ${c.status} | ${versions} | ${links} | ${aliases} | ${other} |`)
  }
  return lines
}

function count(links: readonly LinkDiff[], change: LinkDiff['change'], sign: string): string {
  const n = links.filter((l) => l.change === change).length
  return n === 0 ? '' : `${sign}${n}`
}

function aliasShort(a: AliasDiff): string {
  if (a.change === 'set') return `→ v${a.to!.version}`
  if (a.change === 'removed') return `removed (v${a.from!.version})`
  return `v${a.from!.version} → v${a.to!.version}`
}

/** Versions as nodes; each changed alias points (dotted) where it was and (bold) where it is now. */
function aliasDiagram(diff: RegistryDiff): string[] {
  const moves = diff.changes.flatMap((c) => c.aliases.map((a) => ({ change: c, alias: a })))
  if (moves.length === 0) return []
  const shown = moves.slice(0, DIAGRAM_MAX_CHANGES)
  const lines = ['#### Alias moves', '', '```mermaid', 'flowchart LR']
  const groups = new Map<NameDiff, AliasDiff[]>()
  for (const { change, alias } of shown) groups.set(change, [...(groups.get(change) ?? []), alias])
  const protectedNodes: string[] = []
  let g = 0
  for (const [change, aliases] of groups) {
    const id = `n${g++}`
    lines.push(`  subgraph ${id}["${change.kind} ${change.name}"]`)
    const versions = new Map<number, AliasTarget>()
    for (const a of aliases) for (const t of [a.from, a.to]) if (t) versions.set(t.version, t)
    for (const [v, t] of [...versions].sort(([a], [b]) => a - b)) lines.push(`    ${id}v${v}["v${v} · ${targetName(t)}"]`)
    aliases.forEach((a, i) => {
      const node = `${id}a${i}`
      lines.push(`    ${node}(["${a.alias}"])`)
      if (a.from) lines.push(`    ${node} -. ${a.change === 'removed' ? 'was (removed)' : 'was'} .-> ${id}v${a.from.version}`)
      if (a.to) lines.push(`    ${node} == now ==> ${id}v${a.to.version}`)
      if (a.protected) protectedNodes.push(node)
    })
    lines.push('  end')
  }
  if (protectedNodes.length > 0) {
    lines.push('  classDef protected stroke:#d1242f,stroke-width:3px', `  class ${protectedNodes.join(',')} protected`)
  }
  lines.push('```', '')
  if (moves.length > shown.length) lines.push(`_The diagram shows ${shown.length} of ${moves.length} alias changes; the tables list all._`, '')
  return lines
}

function section(change: NameDiff, withDetails: boolean): string[] {
  const title = change.kind === 'model' ? 'Model' : 'Artifact'
  const lines = [`#### ${title} \`${change.name}\` (${change.status})`, '']
  const rows = changeRows(change)
  if (rows.length > 0) lines.push('| Change | What | Detail |', '|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`), '')
  else if (change.status === 'removed') lines.push(`\`${change.path ?? change.name}\` is deleted.`, '')
  if (withDetails) {
    const details = detailBlocks(change)
    if (details.length > 0) lines.push('<details><summary>Versions and metrics</summary>', '', ...details, '</details>', '')
  }
  return lines
}

function changeRows(c: NameDiff): string[][] {
  const rows: string[][] = []
  if (c.branch?.state === 'rewritten') rows.push([':warning: branch rewritten', `\`artifacts/${c.name}\``, `from v${c.branch.at} on`])
  if (c.branch?.state === 'behind') rows.push([':warning: branch behind', `\`artifacts/${c.name}\``, `${c.branch.missing} version(s) of the base are not here`])
  if (c.branch?.state === 'missing') rows.push([':warning: branch missing', `\`artifacts/${c.name}\``, `the base has ${c.branch.versions} version(s)`])
  for (const v of c.versionsLogged) rows.push(['version logged', `v${v.artifactVersion}`, `\`${shortOid(v.commit)}\`${v.metadata ? ` ${inlineMd(v.metadata)}` : ''}`])
  for (const a of c.aliases) {
    const what = `\`${a.alias}\`${a.protected ? ' (protected)' : ''}`
    const mark = a.protected ? ':warning: ' : ''
    if (a.change === 'set') rows.push([`${mark}alias set`, what, `v${a.to!.version} (\`${targetName(a.to!)}\`)`])
    else if (a.change === 'removed') rows.push([`${mark}alias removed`, what, `was v${a.from!.version} (\`${targetName(a.from!)}\`)`])
    else {
      const metrics = a.metadata.filter((m) => m.direction === 'up' || m.direction === 'down').map(metricShort).join(', ')
      const versions = `v${a.from!.version} → v${a.to!.version} (\`${targetName(a.from!)}\` → \`${targetName(a.to!)}\`)`
      rows.push([`${mark}alias moved`, what, `${versions}${metrics ? `: ${metrics}` : ''}`])
    }
  }
  for (const l of c.links) {
    const target = `\`${l.link.artifact}:v${l.link.artifactVersion}\` \`${shortOid(l.link.commit)}\``
    if (l.change === 'changed') rows.push([':warning: link changed', `v${l.version}`, `\`${l.from!.artifact}:v${l.from!.artifactVersion}\` → ${target}`])
    else rows.push([`link ${l.change}`, `v${l.version}`, target])
  }
  for (const t of c.tags.added) rows.push(['tag added', `\`${t}\``, ''])
  for (const t of c.tags.removed) rows.push(['tag removed', `\`${t}\``, ''])
  if (c.description) rows.push(['description', '', `${md(c.description.from) || '_(empty)_'} → ${md(c.description.to) || '_(empty)_'}`])
  if (c.type) rows.push(['type', '', `${md(c.type.from)} → ${md(c.type.to)}`])
  for (const a of c.additions) {
    const parts = a.metadata.map((m) => (m.direction === 'up' || m.direction === 'down' ? metricShort(m) : additionShort(m)))
    if (a.description) parts.push(a.description.to === null ? 'description removed' : `description: ${md(a.description.to)}`)
    rows.push(['metadata added after logging', `${a.target === 'link' ? 'link ' : ''}v${a.version}`, parts.join(', ')])
  }
  if (c.card) rows.push(...cardRows(c.card, c.name))
  return rows
}

function detailBlocks(c: NameDiff): string[] {
  const out: string[] = []
  for (const a of c.aliases) {
    if (a.change !== 'moved' || !a.from!.metadata || !a.to!.metadata) continue
    const commits = `\`${targetName(a.from!)}\` ${commitCode(a.from!)} → \`${targetName(a.to!)}\` ${commitCode(a.to!)}`
    out.push(`**Alias \`${a.alias}\`: v${a.from!.version} → v${a.to!.version}** (${commits})`, '')
    out.push(...comparisonTable(a.from!, a.to!, a.metadata), '')
  }
  for (const l of c.links) {
    if (l.change === 'removed') continue
    out.push(`**Link v${l.version}** → \`${l.link.artifact}:v${l.link.artifactVersion}\`, commit \`${l.link.commit}\`, linked ${md(l.link.linkedAt)}`, '')
    if (l.metadata && Object.keys(l.metadata).length > 0) out.push(...metadataTable(l.metadata), '')
  }
  for (const v of c.versionsLogged) out.push(...versionBlock(v))
  return out
}

function comparisonTable(from: AliasTarget, to: AliasTarget, changes: readonly MetadataChange[]): string[] {
  const lines = [`| Metadata | v${from.version} (\`${targetName(from)}\`) | v${to.version} (\`${targetName(to)}\`) | Change |`, '|---|---|---|---|']
  const changed = new Map(changes.map((c) => [c.key, c]))
  const keys = [...new Set([...flatten(to.metadata ?? {}).keys(), ...flatten(from.metadata ?? {}).keys()])]
  const [old, now] = [flatten(from.metadata ?? {}), flatten(to.metadata ?? {})]
  for (const key of keys) {
    const c = changed.get(key)
    const cell = (m: Map<string, unknown>) => (m.has(key) ? md(value(m.get(key))) : '')
    lines.push(`| ${md(key)} | ${cell(old)} | ${cell(now)} | ${c ? changeWord(c) : 'same'} |`)
  }
  return lines
}

function commitCode(t: AliasTarget): string {
  return t.commit === null ? '(commit unknown)' : `\`${shortOid(t.commit)}\``
}

function versionBlock(v: VersionSummary): string[] {
  const out = [`**Version v${v.artifactVersion}** of \`${v.artifact}\`, commit \`${v.commit}\``, '']
  if (v.metadata && Object.keys(v.metadata).length > 0) out.push(...metadataTable(v.metadata), '')
  return out
}

function metadataTable(metadata: Record<string, unknown>): string[] {
  return ['| Metadata | Value |', '|---|---|', ...[...flatten(metadata)].map(([k, v]) => `| ${md(k)} | ${md(value(v))} |`)]
}

function changeWord(c: MetadataChange): string {
  if (c.direction === 'up') return `▲ +${c.delta}`
  if (c.direction === 'down') return `▼ ${c.delta}`
  return c.direction
}

function metricShort(c: MetadataChange): string {
  return `${md(c.key)} ${md(value(c.from))} → ${md(value(c.to))} ${c.direction === 'up' ? '▲' : '▼'}`
}

/** One row per front-matter key that changed, and one for the text. */
function cardRows(card: CardDiff, model: string): string[][] {
  const what = `\`registry/models/${model}.md\``
  if (card.change === 'removed') return [['model card removed', what, '']]
  const rows = card.frontMatter.map((m) => [`model card ${card.change}`, md(m.key), additionShort(m)])
  if (card.unreadable) rows.push([':warning: model card', what, 'the front matter does not parse; `gmr check` says why'])
  if (card.change === 'added' && rows.length === 0) rows.push(['model card added', what, ''])
  if (card.change === 'changed' && card.bodyChanged) rows.push(['model card changed', what, 'text changed'])
  return rows
}

function additionShort(c: MetadataChange): string {
  if (c.direction === 'added') return `${md(c.key)} = ${md(value(c.to))}`
  if (c.direction === 'removed') return `${md(c.key)} removed`
  return `${md(c.key)} ${md(value(c.from))} → ${md(value(c.to))}`
}

function inlineMd(metadata: Record<string, unknown>): string {
  return [...flatten(metadata)].map(([k, v]) => `${md(k)}=${md(value(v))}`).join(' ')
}

/**
 * Text from manifests and metadata as inert markdown: HTML and markdown punctuation
 * escaped (so no `<details>`, link or table cell can be opened from it), `@` kept from
 * mentioning anyone, line breaks as `<br>`.
 */
export function md(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#!])/g, '\\$1')
    .replace(/@/g, '&#64;')
    .replace(/\r?\n/g, '<br>')
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}
