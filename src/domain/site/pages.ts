import { SITE_CSS, SITE_ICON, SITE_JS } from './assets.js'
import { metricChart, formatNumber } from './chart.js'
import { displaySize, displayTime, displayValue, escapeHtml as e, htmlTable } from './html.js'
import { cardSection } from './modelCard.js'
import { isFiniteNumber, metadataColumns } from './metrics.js'
import type { SiteArtifact, SiteData, SiteHistoryEntry, SiteLink, SiteModel } from './siteData.js'

/** One file of the site: its path under the output folder and its content. */
export interface SitePage {
  path: string
  content: string
}

/** A version's files listed on its artifact page, at most this many (the rest are counted). */
const FILES_SHOWN_PER_VERSION = 200

/** Where each page lives: stable, relative, and the same for `gmr site` and `gmr serve`. */
export const sitePaths = {
  models: 'index.html',
  artifacts: 'artifacts.html',
  history: 'history.html',
  model: (name: string) => `models/${name}.html`,
  artifact: (name: string) => `artifacts/${name}.html`,
  css: 'assets/site.css',
  js: 'assets/site.js',
  icon: 'assets/icon.svg',
  /** Marks a folder as a gmr site, so a later build may replace it. */
  marker: '.gmr-site',
}

/** No inline script or style, nothing from elsewhere except card images over http(s). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; base-uri 'none'; form-action 'none'"

/** Every page and asset of the site. */
export function renderSite(data: SiteData): SitePage[] {
  const pages: SitePage[] = [
    { path: sitePaths.css, content: SITE_CSS },
    { path: sitePaths.js, content: SITE_JS },
    { path: sitePaths.icon, content: SITE_ICON },
    { path: sitePaths.marker, content: 'built by gmr site; a later "gmr site --out" to this folder replaces it\n' },
    { path: sitePaths.models, content: modelsPage(data) },
    { path: sitePaths.artifacts, content: artifactsPage(data) },
    { path: sitePaths.history, content: historyPage(data) },
  ]
  for (const model of data.models) pages.push({ path: sitePaths.model(model.name), content: modelPage(data, model) })
  for (const artifact of data.artifacts) pages.push({ path: sitePaths.artifact(artifact.name), content: artifactPage(data, artifact) })
  return pages
}

type Section = 'models' | 'artifacts' | 'history'

/** The frame every page shares; `root` is the relative way back to the site's top. */
function layout(data: SiteData, options: { title: string; root: string; section: Section; body: string }): string {
  const { root } = options
  const nav = (section: Section, path: string, label: string) =>
    `<a href="${root}${path}"${section === options.section ? ' aria-current="page"' : ''}>${label}</a>`
  const { branch, commit, registryBranch } = data.source
  const built = `${branch ? `branch ${e(branch)}` : 'a detached HEAD'}${commit ? ` at <code>${e(commit.slice(0, 10))}</code>` : ''}`
  const proposal = branch !== null && branch !== registryBranch ? ` (the registry branch is ${e(registryBranch)})` : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<title>${e(options.title)} · gmr registry</title>
<link rel="icon" href="${root}${sitePaths.icon}" type="image/svg+xml">
<link rel="stylesheet" href="${root}${sitePaths.css}">
<script src="${root}${sitePaths.js}" defer></script>
</head>
<body>
<header><nav><strong>gmr registry</strong> ${nav('models', sitePaths.models, 'Models')} ${nav('artifacts', sitePaths.artifacts, 'Artifacts')} ${nav('history', sitePaths.history, 'History')}</nav></header>
<main>
${options.body}
</main>
<footer>Built by <code>gmr site</code> from ${built}${proposal}.</footer>
</body>
</html>
`
}

const code = (text: string) => `<code>${e(text)}</code>`
const link = (href: string, text: string) => `<a href="${e(href)}">${e(text)}</a>`
const empty = (text: string) => `<p class="note">${e(text)}</p>`

function tagList(tags: readonly string[], root: string): string {
  return tags.map((tag) => `<a class="tag" href="${root}${sitePaths.models}?tag=${encodeURIComponent(tag)}">${e(tag)}</a>`).join(' ')
}

function aliasSummary(aliases: Record<string, number>): string {
  return Object.entries(aliases)
    .map(([alias, version]) => `<span class="alias">${e(alias)}</span>&nbsp;v${version}`)
    .join(' ')
}

function modelsPage(data: SiteData): string {
  const tags = [...new Set(data.models.flatMap((m) => m.tags))].sort()
  const rows = data.models.map((model) => {
    const search = `${model.name}\n${model.description}\n${model.tags.join(' ')}`.toLowerCase()
    const latest = model.links.length === 0 ? '' : `v${Math.max(...model.links.map((l) => l.version))}`
    const aliases = Object.fromEntries(model.aliases.map((a) => [a.alias, a.version]))
    return `<tr data-search="${e(search)}" data-tags="${e(model.tags.join(' '))}"><td>${link(sitePaths.model(model.name), model.name)}</td><td>${e(model.description)}</td><td>${aliasSummary(aliases)}</td><td class="num">${model.links.length}</td><td>${latest}</td><td>${tagList(model.tags, '')}</td></tr>`
  })
  const filters = `<form id="filters" class="filters" hidden role="search">
<label>Search <input id="q" type="search" placeholder="name, description or tag" autocomplete="off"></label>
<label>Tag <select id="tag"><option value="">any tag</option>${tags.map((t) => `<option value="${e(t)}">${e(t)}</option>`).join('')}</select></label>
<output id="count" aria-live="polite"></output>
</form>`
  const body =
    data.models.length === 0
      ? empty('No registered models yet: gmr model create <model>, then gmr link <artifact>:<version> <model>.')
      : `${filters}\n<table id="models"><thead><tr><th scope="col">Model</th><th scope="col">Description</th><th scope="col">Aliases</th><th scope="col">Links</th><th scope="col">Latest</th><th scope="col">Tags</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`
  return layout(data, { title: 'Models', root: '', section: 'models', body: `<h1>Registered models</h1>\n${body}` })
}

function metricCell(metadata: ReadonlyMap<string, unknown> | null, key: string): string {
  const value = metadata?.get(key)
  if (value === undefined) return ''
  return isFiniteNumber(value) ? `<span class="num">${e(formatNumber(value))}</span>` : e(displayValue(value))
}

function linkTarget(root: string, l: SiteLink): string {
  return `<a href="${root}${e(sitePaths.artifact(l.artifact))}#v${l.artifactVersion}">${e(`${l.artifact}:v${l.artifactVersion}`)}</a>`
}

function modelPage(data: SiteData, model: SiteModel): string {
  const root = '../'
  const byNumber = new Map(model.links.map((l) => [l.version, l]))
  const columns = metadataColumns(model.links.flatMap((l) => (l.metadata ? [l.metadata] : [])))
  const metric = model.metric
  const aliasRows = model.aliases.map(({ alias, version, ref }) => {
    const l = byNumber.get(version)
    const state = l === undefined ? 'names no link' : ref === null ? 'no ref yet (gmr sync)' : ref === l.commit ? 'ref in sync' : `ref at ${ref.slice(0, 10)} (gmr sync)`
    return [
      `<strong class="alias">${e(alias)}</strong>`,
      `v${version}`,
      l ? linkTarget(root, l) : '',
      ...(metric ? [l ? metricCell(l.metadata, metric) : ''] : []),
      l ? e(l.linkedAt) : '',
      l ? code(l.commit.slice(0, 10)) : '',
      e(state),
    ]
  })
  const aliases =
    aliasRows.length === 0
      ? empty(`No aliases yet: gmr alias set ${model.name} <alias> v<N>.`)
      : htmlTable(['Alias', 'Link', 'Version', ...(metric ? [metric] : []), 'Linked', 'Commit', 'Ref'], aliasRows, ' id="alias-table"')
  const points = metric
    ? model.links.flatMap((l) => {
        const value = l.metadata?.get(metric)
        return isFiniteNumber(value) ? [{ label: `v${l.version}`, value, marks: l.aliases }] : []
      })
    : []
  const chart = metric
    ? `<section id="chart"><h2>${e(metric)} across versions</h2>\n<figure>${metricChart(metric, points)}</figure></section>`
    : `<section id="chart"><h2>Metric</h2>${empty('No linked version has numeric metadata to chart.')}</section>`
  const versionRows = [...model.links].reverse().map((l) => [
    `<span id="v${l.version}">v${l.version}</span>`,
    linkTarget(root, l),
    l.aliases.map((a) => `<span class="alias">${e(a)}</span>`).join(' '),
    e(l.linkedAt),
    code(l.commit.slice(0, 10)),
    ...columns.map((key) => metricCell(l.metadata, key)),
  ])
  const versions =
    versionRows.length === 0
      ? empty(`No links yet: gmr link <artifact>:<version> ${model.name}.`)
      : htmlTable(['Link', 'Version', 'Aliases', 'Linked', 'Commit', ...columns], versionRows, ' id="version-table"')
  const card = model.card
    ? `<section id="card"><h2>Model card</h2>\n${cardSection(model.card)}</section>`
    : `<section id="card"><h2>Model card</h2>${empty(`No model card: write registry/models/${model.name}.md (markdown, optional YAML front matter).`)}</section>`
  const body = `<h1>${e(model.name)}</h1>
${model.description ? `<p class="lead">${e(model.description)}</p>` : ''}
${model.tags.length > 0 ? `<p>${tagList(model.tags, root)}</p>` : ''}
<section id="aliases"><h2>Aliases</h2>
${aliases}</section>
${chart}
<section id="versions"><h2>Versions</h2>
${versions}</section>
${card}`
  return layout(data, { title: model.name, root, section: 'models', body })
}

function artifactsPage(data: SiteData): string {
  const rows = data.artifacts.map((a) => {
    const last = a.versions[a.versions.length - 1]
    return [link(sitePaths.artifact(a.name), a.name), e(a.type), e(a.description), `<span class="num">${a.versions.length}</span>`, last ? `v${last.version}, ${e(displayTime(last.time))}` : '', aliasSummary(a.aliases)]
  })
  const body =
    rows.length === 0
      ? empty('No artifacts yet: gmr log <artifact> <path>.')
      : htmlTable(['Artifact', 'Type', 'Description', 'Versions', 'Latest', 'Aliases'], rows, ' id="artifacts"')
  return layout(data, { title: 'Artifacts', root: '', section: 'artifacts', body: `<h1>Artifacts</h1>\n${body}` })
}

function artifactPage(data: SiteData, artifact: SiteArtifact): string {
  const root = '../'
  const columns = metadataColumns(artifact.versions.map((v) => v.metadata))
  const aliasesOn = (version: number) => Object.entries(artifact.aliases).filter(([, v]) => v === version).map(([a]) => a)
  const newestFirst = [...artifact.versions].reverse()
  const rows = newestFirst.map((v) => [
    `<a href="#v${v.version}">v${v.version}</a>`,
    aliasesOn(v.version).map((a) => `<span class="alias">${e(a)}</span>`).join(' '),
    e(displayTime(v.time)),
    e(v.author),
    code(v.commit.slice(0, 10)),
    `<span class="num">${v.files.length}</span>`,
    `<span class="num">${e(displaySize(v.files.reduce((n, f) => n + f.size, 0)))}</span>`,
    (artifact.linkedFrom.get(v.version) ?? []).map((ref) => link(`${root}${sitePaths.model(ref.slice(0, ref.lastIndexOf(':')))}`, ref)).join(' '),
    ...columns.map((key) => metricCell(v.metadata, key)),
  ])
  const table =
    rows.length === 0
      ? empty(`No versions yet: gmr log ${artifact.name} <path>.`)
      : htmlTable(['Version', 'Aliases', 'Logged', 'Author', 'Commit', 'Files', 'Size', 'Linked as', ...columns], rows, ' id="version-table"')
  const files = newestFirst.map((v) => {
    const shown = v.files.slice(0, FILES_SHOWN_PER_VERSION)
    const more = v.files.length - shown.length
    const fileRows = shown.map((f) => [code(f.path), `<span class="num">${e(displaySize(f.size))}</span>`, e(f.kind), f.lfs ? 'large file (Git LFS)' : ''])
    return `<details id="v${v.version}"${v === newestFirst[0] ? ' open' : ''}><summary>v${v.version}: ${v.files.length} file${v.files.length === 1 ? '' : 's'}, commit ${code(v.commit.slice(0, 10))}</summary>
${htmlTable(['Path', 'Size', 'Kind', 'Storage'], fileRows)}${more > 0 ? empty(`and ${more} more files: gmr show ${artifact.name}:v${v.version}`) : ''}</details>`
  })
  const body = `<h1>${e(artifact.name)}</h1>
<p class="lead">${e(artifact.type)}${artifact.description ? ` · ${e(artifact.description)}` : ''}</p>
<section id="versions"><h2>Versions</h2>
${table}</section>
<section id="files"><h2>Files</h2>
${files.join('\n')}</section>`
  return layout(data, { title: artifact.name, root, section: 'artifacts', body })
}

function changedLinks(entry: SiteHistoryEntry): string {
  return entry.changed
    .map((c) => {
      const label = `${c.name}${c.removed ? ' (removed)' : ''}`
      return c.removed ? e(label) : link(c.kind === 'model' ? sitePaths.model(c.name) : sitePaths.artifact(c.name), label)
    })
    .join(', ')
}

function historyPage(data: SiteData): string {
  const rows = data.history.map((h) => [e(displayTime(h.time)), code(h.commit.slice(0, 10)), e(h.author), e(h.subject), changedLinks(h)])
  const more = data.historyTotal - data.history.length
  const body =
    rows.length === 0
      ? empty(`No registry changes on ${data.source.registryBranch} yet.`)
      : `${htmlTable(['Date', 'Commit', 'Author', 'Change', 'Manifests'], rows, ' id="history"')}${more > 0 ? empty(`and ${more} older changes: gmr history <name>, or git log ${data.source.registryBranch} -- registry/`) : ''}`
  return layout(data, {
    title: 'History',
    root: '',
    section: 'history',
    body: `<h1>Registry history</h1>\n<p class="lead">Every commit on ${e(data.source.registryBranch)} that changed a manifest, newest first.</p>\n${body}`,
  })
}
