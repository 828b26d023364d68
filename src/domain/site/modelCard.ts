import MarkdownIt from 'markdown-it'
import { parse as parseYaml } from 'yaml'
import { validateModelCard } from '../generated/validators.js'
import { cardMetric, splitFrontMatter } from '../modelCard.js'
import { displayValue, escapeHtml } from './html.js'

type Markdown = InstanceType<typeof MarkdownIt>

/** A model card (`registry/models/<model>.md`) ready for a page. */
export interface RenderedCard {
  /** Front-matter keys and their values as display text, in file order. */
  fields: Array<[string, string]>
  /** Why the front matter could not be read, when it could not. */
  frontMatterProblem: string | null
  /** The metadata key the model page charts: the front matter's `metric`, else its first `metrics` entry's name. */
  metric: string | null
  /** The body after the front matter, rendered: safe HTML. */
  html: string
}

// Kept importable from here: the site's tests and callers read cards through this module.
export { splitFrontMatter }

/** Only http(s) and relative targets survive; `javascript:`, `data:`, `vbscript:`, `file:`, … do not. */
export function isSafeLink(url: string): boolean {
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  const compact = url.replace(/[\u0000-\u0020\u007f]/g, '')
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact)
  // Without a scheme the URL is relative (or protocol-relative, inheriting http(s) from the page).
  return scheme ? ['http', 'https'].includes(scheme[1]!.toLowerCase()) : true
}

let markdown: Markdown | undefined

function demoteHeading(tag: string): string {
  return `h${Math.min(6, Number(tag.slice(1)) + 2)}`
}

/** markdown-it with raw HTML off and only safe link targets: card text can never become markup. */
function renderer(): Markdown {
  if (markdown) return markdown
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false })
  md.validateLink = isSafeLink
  const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options))
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx]!.attrSet('rel', 'nofollow noopener noreferrer')
    return defaultLinkOpen(tokens, idx, options, env, self)
  }
  // The page owns h1 and h2: a card's headings sit below them, so `# Title` becomes an h3.
  md.renderer.rules.heading_open = (tokens, idx, options, _env, self) => {
    tokens[idx]!.tag = demoteHeading(tokens[idx]!.tag)
    return self.renderToken(tokens, idx, options)
  }
  md.renderer.rules.heading_close = md.renderer.rules.heading_open
  markdown = md
  return md
}

export function renderModelCard(text: string): RenderedCard {
  const { yaml, body } = splitFrontMatter(text)
  let fields: Array<[string, string]> = []
  let frontMatterProblem: string | null = null
  let metric: string | null = null
  if (yaml !== null) {
    try {
      const data: unknown = parseYaml(yaml, { maxAliasCount: 100 })
      if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
        const map = data as Record<string, unknown>
        fields = Object.entries(map).map(([k, v]) => [k, displayValue(v)])
        metric = validateModelCard(map) ? cardMetric(map) : typeof map.metric === 'string' ? map.metric : null
      } else if (data !== null) frontMatterProblem = 'the front matter is not a map of keys to values'
    } catch (err) {
      frontMatterProblem = `the front matter is not valid YAML: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`
    }
  }
  return { fields, frontMatterProblem, metric, html: renderer().render(body) }
}

/** The card's front matter as a two-column table and its body, for the model page. */
export function cardSection(card: RenderedCard): string {
  const rows = card.fields.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
  return [
    rows.length > 0 ? `<table class="card-fields"><tbody>\n${rows.join('\n')}\n</tbody></table>` : '',
    card.frontMatterProblem ? `<p class="note">${escapeHtml(card.frontMatterProblem)}</p>` : '',
    `<div class="card-body">${card.html}</div>`,
  ].join('\n')
}
