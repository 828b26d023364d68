import {
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type ToStringOptions,
  type YAMLError,
} from 'yaml'
import { ManifestError } from './errors.js'
import type { ValidateFunction } from './generated/validators.js'
import { describeSchemaErrors, type SchemaProblem } from './schemaErrors.js'

/** Manifests are small; the limit keeps a hostile or mistaken file from costing much. */
export const MAX_MANIFEST_BYTES = 1024 * 1024

export interface ParseYamlFileOptions {
  maxBytes?: number
}

export interface ParsedYamlFile<T> {
  data: T
  /** The parsed document, so an edit can keep the file's comments and key order. */
  doc: Document.Parsed
}

/** One problem found in a file; line and col are 1-based. */
export interface ManifestProblem {
  line: number
  col: number
  message: string
}

/**
 * Parses and validates one YAML manifest. Throws ManifestError with every problem
 * found (in `data.problems`, in file order) and a message naming the first as
 * `<file>:<line>:<col>: <problem>`, the form editors and CI annotations understand.
 */
export function parseYamlFile<T>(
  text: string,
  file: string,
  validate: ValidateFunction<T>,
  options: ParseYamlFileOptions = {},
): ParsedYamlFile<T> {
  const maxBytes = options.maxBytes ?? MAX_MANIFEST_BYTES
  const size = utf8Length(text, maxBytes)
  if (size > maxBytes) {
    fail(file, [{ line: 1, col: 1, message: `file is larger than ${maxBytes} bytes, the most a manifest may be` }])
  }

  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false })
  const at = (offset: number): { line: number; col: number } => lineCounter.linePos(offset)

  const syntax = [...doc.errors, ...doc.warnings].map((error) => ({ ...at(error.pos[0]), message: yamlMessage(error, doc) }))
  if (syntax.length) fail(file, syntax)

  // Anchors and aliases are refused outright rather than expanded: manifests are
  // reviewed line by line, and expansion is how a small file becomes a huge one.
  if (hasAnchorsOrAliases(doc)) {
    fail(
      file,
      anchorAndAliasTokens(text).map((token) => ({
        ...at(token.offset),
        message:
          token.type === 'alias'
            ? `YAML aliases (${token.source}) are not allowed in manifests; write the value out in full`
            : `YAML anchors (${token.source}) are not allowed in manifests; remove the anchor`,
      })),
    )
  }

  const data: unknown = doc.toJS()
  if (!validate(data)) {
    const problems = describeSchemaErrors(validate.errors ?? [], data).map((problem) => ({
      ...at(offsetOf(doc, problem)),
      message: problem.message,
    }))
    fail(file, problems)
  }
  return { data, doc }
}

/** The first line of every manifest gmr writes: editors then validate it as you type. */
export function manifestHeader(schemaId: string): string {
  return `${HEADER_PREFIX}${schemaId}\n`
}

const HEADER_PREFIX = '# yaml-language-server: $schema='

/** One formatting for every manifest, so rewriting an unchanged document changes no byte. */
const TO_STRING_OPTIONS: ToStringOptions = { lineWidth: 0, flowCollectionPadding: false }

/**
 * The document as gmr writes it: starting with the schema header (replacing an
 * existing `yaml-language-server` line when `schemaId` is given, adding one when
 * there is none), otherwise exactly as the document's own nodes and comments say.
 */
export function stringifyManifest(doc: Document, schemaId?: string): string {
  const body = doc.toString(TO_STRING_OPTIONS)
  const firstLineEnd = body.indexOf('\n') + 1
  if (body.startsWith(HEADER_PREFIX)) {
    return schemaId === undefined ? body : manifestHeader(schemaId) + body.slice(firstLineEnd)
  }
  if (schemaId === undefined) return body
  return manifestHeader(schemaId) + body
}

function fail(file: string, problems: ManifestProblem[]): never {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.col - b.col)
  const first = sorted[0] ?? { line: 1, col: 1, message: 'invalid manifest' }
  const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more problem${sorted.length > 2 ? 's' : ''})` : ''
  throw new ManifestError(`${file}:${first.line}:${first.col}: ${first.message}${more}`, {
    file,
    line: first.line,
    col: first.col,
    problems: sorted,
  })
}

/** UTF-8 length of `text`, giving up early once it passes `limit`. */
function utf8Length(text: string, limit: number): number {
  // Each UTF-16 unit is at least one UTF-8 byte, so a long string is over at once.
  if (text.length > limit) return text.length
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4
      i++
    } else bytes += 3
    if (bytes > limit) return bytes
  }
  return bytes
}

function yamlMessage(error: YAMLError, doc: Document): string {
  if (error.code === 'DUPLICATE_KEY') {
    const key = keyAt(doc, error.pos[0])
    return `duplicate key${key === undefined ? '' : ` ${JSON.stringify(key)}`}; each key may appear only once in a map`
  }
  if (error.code === 'MULTIPLE_DOCS') return 'a manifest holds one YAML document; remove the "---" and what follows it'
  const text = error.message.split('\n')[0]!
  return `invalid YAML: ${text.charAt(0).toLowerCase()}${text.slice(1)}`
}

function keyAt(doc: Document, offset: number): string | undefined {
  let found: string | undefined
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value)
        return visit.BREAK
      }
      return undefined
    },
  })
  return found
}

/** Whether a document uses YAML anchors or aliases (which gmr never expands). */
export function hasAnchorsOrAliases(doc: Document): boolean {
  let found = false
  visit(doc, {
    Alias() {
      found = true
      return visit.BREAK
    },
    Node(_, node) {
      if (node.anchor) {
        found = true
        return visit.BREAK
      }
      return undefined
    },
  })
  return found
}

interface AnchorToken {
  type: 'anchor' | 'alias'
  offset: number
  source: string
}

/**
 * Anchors and aliases with the offset of their `&`/`*` in the source: the composed
 * Document only knows where the anchored value starts, so read them from the CST.
 */
function anchorAndAliasTokens(text: string): AnchorToken[] {
  const found: AnchorToken[] = []
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item)
      return
    }
    if (value === null || typeof value !== 'object') return
    const token = value as Partial<AnchorToken>
    if ((token.type === 'anchor' || token.type === 'alias') && typeof token.offset === 'number') {
      found.push({ type: token.type, offset: token.offset, source: String(token.source) })
    }
    for (const child of Object.values(value)) walk(child)
  }
  for (const token of new Parser().parse(text)) walk(token)
  return found
}

/** Where a schema problem is in the source: the key it names, or its value. */
function offsetOf(doc: Document, problem: SchemaProblem): number {
  let node: unknown = doc.contents
  let pair: Pair | undefined
  let fallback = rangeStart(node) ?? 0
  for (const [index, segment] of problem.path.entries()) {
    pair = undefined
    if (isMap(node)) {
      pair = node.items.find((item) => isPair(item) && keyText(item.key) === segment)
      node = pair?.value
    } else if (isSeq(node)) {
      node = node.items[Number(segment)]
    } else {
      node = undefined
    }
    const onKey = problem.at === 'key' && index === problem.path.length - 1
    const start = onKey && pair ? rangeStart(pair.key) : rangeStart(node)
    if (start === undefined) break
    fallback = start
  }
  // An empty value (`description:`) has a zero-width range after the colon; its key is clearer.
  if (problem.at === 'value' && pair && isNode(node) && node.range && node.range[0] === node.range[1]) {
    return rangeStart(pair.key) ?? fallback
  }
  return fallback
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value)
  return isNode(key) ? String(key) : key === null || key === undefined ? undefined : String(key)
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) && (node as Node).range ? (node as Node).range![0] : undefined
}
