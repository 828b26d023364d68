import { GmrError, ModelCardError } from './errors.js'
import { validateModelCard, type ModelCardYaml } from './generated/validators.js'
import { manifestDir } from './layout.js'
import { MAX_MANIFEST_BYTES, parseYamlFile, type ManifestProblem } from './yamlFile.js'

export type { ModelCardYaml }

/**
 * A model card: `registry/models/<model>.md`, markdown with optional YAML front matter
 * between two `---` lines, validated by schemas/modelCard.schema.json (license,
 * datasets, metrics, intendedUse, limitations, language, baseModel, tags, and the key
 * the web view charts, `metric`; other keys are allowed and kept). Pure.
 */
export interface ModelCard {
  /** The front matter; {} when the card has none. */
  frontMatter: ModelCardYaml
  /** The markdown after the front matter. */
  body: string
}

export function cardPath(model: string): string {
  return `${manifestDir('model')}/${model}.md`
}

/** The model a card path belongs to, or null when the path is not a card's. */
export function cardModel(path: string): string | null {
  const prefix = `${manifestDir('model')}/`
  if (!path.startsWith(prefix) || !path.endsWith('.md')) return null
  const name = path.slice(prefix.length, -'.md'.length)
  return name.includes('/') || name === '' ? null : name
}

const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/

/** Split `---\n<yaml>\n---\n<body>`; a card without front matter is all body. */
export function splitFrontMatter(text: string): { yaml: string | null; body: string } {
  const source = text.replace(/^\uFEFF/, '')
  const match = FRONT_MATTER.exec(source)
  if (!match) return { yaml: null, body: source }
  return { yaml: match[1]!, body: source.slice(match[0].length) }
}

/**
 * Read and validate a card. Throws ModelCardError naming the first problem as
 * `<file>:<line>:<col>: …` (lines counted in the card, not in its front matter), with
 * every problem in `data.problems`.
 */
export function parseModelCard(text: string, file: string): ModelCard {
  const { card, problems } = readModelCard(text)
  if (card === null) {
    const first = problems[0]!
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''
    throw new ModelCardError(`${file}:${first.line}:${first.col}: ${first.message}${more}; see schemas/modelCard.schema.json`, {
      file,
      line: first.line,
      col: first.col,
      problems,
    })
  }
  return card
}

/** A card and no problems, or no card and the problems (with card line numbers); never throws. */
export function readModelCard(text: string): { card: ModelCard | null; problems: ManifestProblem[] } {
  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    return { card: null, problems: [{ line: 1, col: 1, message: `a model card may be at most ${MAX_MANIFEST_BYTES} bytes; link to longer documents` }] }
  }
  const { yaml, body } = splitFrontMatter(text)
  if (yaml === null || yaml.trim() === '') return { card: { frontMatter: {}, body }, problems: [] }
  try {
    const { data } = parseYamlFile(yaml, 'front matter', validateModelCard)
    return { card: { frontMatter: data ?? {}, body }, problems: [] }
  } catch (err) {
    // The front matter starts on the card's second line (after `---`).
    const problems = err instanceof GmrError ? ((err.data.problems as ManifestProblem[] | undefined) ?? []) : []
    const found = problems.length > 0 ? problems : [{ line: 1, col: 1, message: err instanceof Error ? err.message : String(err) }]
    return { card: null, problems: found.map((p) => ({ ...p, line: p.line + 1 })) }
  }
}

/** The metadata key the web view charts: the card's `metric`, else its first `metrics` entry. */
export function cardMetric(frontMatter: ModelCardYaml): string | null {
  return frontMatter.metric ?? frontMatter.metrics?.[0]?.name ?? null
}
