/**
 * A reader for the plain subset of YAML that manifests are written in: block maps,
 * block lists, `[]` and `{}`, short flow lists of plain words, plain and quoted
 * one-line scalars, comments. The yaml library takes ~6 ms for a model with fifty
 * links, so a fresh clone's `gmr check` over a thousand models would take six seconds;
 * this reads the same file in a fraction of a millisecond. It answers only when it is
 * sure: anything outside the subset (anchors, tags, multi-line scalars, escapes,
 * ambiguous plain scalars, odd indentation) returns `undefined`, and the caller uses the
 * yaml library, which also produces the error positions. A test compares the two on
 * generated and hand-written documents.
 */
export function parsePlainYaml(text: string): unknown | undefined {
  const lines: Line[] = []
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    const indent = line.length - line.trimStart().length
    if (indent === line.length || line.charCodeAt(indent) === HASH) continue
    if (line.includes('\t')) return undefined
    lines.push({ indent, text: line.slice(indent) })
  }
  if (lines.length === 0) return null
  if (lines[0]!.indent !== 0 || lines[0]!.text.startsWith('- ') || lines[0]!.text.startsWith('---')) return undefined
  const state = { lines, pos: 0 }
  const value = parseMap(state, 0)
  return state.pos === lines.length ? value : undefined
}

interface Line {
  indent: number
  text: string
}

interface State {
  lines: Line[]
  pos: number
}

/** Thrown inside the reader to say "not sure": caught at the top, never escapes. */
const BAIL = Symbol('bail')
const HASH = 0x23

function parseMap(state: State, indent: number): Record<string, unknown> | undefined {
  try {
    return readMap(state, indent)
  } catch (err) {
    if (err === BAIL) return undefined
    throw err
  }
}

function readMap(state: State, indent: number, first?: string): Record<string, unknown> {
  const map: Record<string, unknown> = {}
  let text = first
  for (;;) {
    if (text === undefined) {
      const line = state.lines[state.pos]
      if (!line || line.indent < indent) break
      if (line.indent > indent) throw BAIL
      text = line.text
      state.pos++
    }
    const [key, rest] = entryOf(text)
    if (Object.hasOwn(map, key)) throw BAIL
    map[key] = rest === '' ? readNested(state, indent) : scalarOrFlow(rest)
    text = undefined
  }
  return map
}

/** The block value below `key:` — a deeper map, a list (at the same or deeper indent), or null. */
function readNested(state: State, indent: number): unknown {
  const next = state.lines[state.pos]
  if (!next) return null
  if (next.text.startsWith('- ') || next.text === '-') {
    if (next.indent < indent) return null
    return readSeq(state, next.indent)
  }
  if (next.indent <= indent) return null
  return readMap(state, next.indent)
}

function readSeq(state: State, indent: number): unknown[] {
  const items: unknown[] = []
  for (;;) {
    const line = state.lines[state.pos]
    if (!line || line.indent !== indent || !(line.text.startsWith('- ') || line.text === '-')) {
      if (line && line.indent > indent) throw BAIL
      break
    }
    state.pos++
    const rest = stripComment(line.text.slice(1)).trim()
    if (rest === '') throw BAIL
    if (/^[A-Za-z_][A-Za-z0-9_.-]*:( |$)/.test(rest)) {
      // "- key: value" starts a map whose keys line up two columns in.
      const offset = line.text.length - line.text.slice(1).trimStart().length
      items.push(readMap(state, indent + offset, rest))
    } else {
      items.push(scalarOrFlow(rest))
    }
  }
  return items
}

function scalarOrFlow(text: string): unknown {
  const value = stripComment(text).trim()
  if (value === '[]') return []
  if (value === '{}') return {}
  if (value.startsWith('[') && value.endsWith(']')) {
    const inner = value.slice(1, -1).trim()
    if (inner === '') return []
    return inner.split(',').map((item) => {
      const word = item.trim()
      if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(word) || word.endsWith(':')) throw BAIL
      return scalar(word)
    })
  }
  return scalar(value)
}

/**
 * Lines and scalars repeat across manifests (field names, commit ids, timestamps): each
 * distinct text is read once per process. Results are immutable (strings, numbers, null),
 * so sharing them is safe; the memo is emptied when it grows large.
 */
const MEMO_LIMIT = 100_000
const entries = new Map<string, readonly [string, string] | typeof BAIL>()
const scalars = new Map<string, unknown>()

function remember<T>(memo: Map<string, T>, text: string, value: T): T {
  if (memo.size >= MEMO_LIMIT) memo.clear()
  memo.set(text, value)
  return value
}

/** `key: rest` as its key and trimmed rest (comment dropped); bails on anything else. */
function entryOf(text: string): readonly [string, string] {
  let known = entries.get(text)
  if (known === undefined) {
    let value: readonly [string, string] | typeof BAIL = BAIL
    try {
      const match = /^([A-Za-z_][A-Za-z0-9_.-]*):(?: (.*))?$/.exec(stripComment(text))
      if (match) value = [match[1]!, (match[2] ?? '').trim()]
    } catch (err) {
      if (err !== BAIL) throw err
    }
    known = remember(entries, text, value)
  }
  if (known === BAIL) throw BAIL
  return known
}

function scalar(text: string): unknown {
  let known = scalars.get(text)
  if (known === undefined && !scalars.has(text)) {
    try {
      known = remember(scalars, text, readScalar(text))
    } catch (err) {
      if (err !== BAIL) throw err
      known = remember(scalars, text, BAIL)
    }
  }
  if (known === BAIL) throw BAIL
  return known
}

function readScalar(text: string): unknown {
  if (text.startsWith("'")) {
    if (!/^'[^']*'$/.test(text)) throw BAIL
    return text.slice(1, -1)
  }
  if (text.startsWith('"')) {
    if (!/^"[^"\\]*"$/.test(text)) throw BAIL
    return text.slice(1, -1)
  }
  if (/^(0|-?[1-9][0-9]{0,14})$/.test(text)) return Number(text)
  // Decimals (metrics): the core schema's float, read exactly as the yaml library reads it.
  if (/^-?(0|[1-9][0-9]{0,14})\.[0-9]{1,17}$/.test(text)) return Number(text)
  if (text === 'true' || text === 'false') return text === 'true'
  if (text === 'null' || text === '~') return null
  // A plain string only when YAML could not read it as anything else.
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(text)) throw BAIL
  if (/: |:$| #/.test(text)) throw BAIL
  if (/^[-+.]?[0-9]/.test(text) && !isPlainStringStartingWithDigit(text)) throw BAIL
  if (/^(true|false|null|yes|no|on|off|y|n|~|\.inf|\.nan)$/i.test(text)) throw BAIL
  return text
}

/** Commit ids and UTC timestamps: strings in YAML 1.2's core schema, unless all digits or float-shaped. */
function isPlainStringStartingWithDigit(text: string): boolean {
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text)) return true
  if (!/^[0-9a-f]+$/.test(text)) return false
  return !/^[0-9]+$/.test(text) && !/^[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+$/.test(text)
}

/** Drop a trailing ` # comment`, but only outside quotes. */
function stripComment(text: string): string {
  const hash = text.indexOf(' #')
  if (hash < 0) return text
  const before = text.slice(0, hash)
  if (before.includes("'") || before.includes('"')) throw BAIL
  return before
}

/** A node of a plain document with where it starts: a map (by key), a list, or a scalar. */
interface PlacedNode {
  start: number
  map?: Map<string, { key: number; value: PlacedNode | undefined }>
  seq?: Array<PlacedNode | undefined>
}

interface PlacedLine {
  indent: number
  text: string
  /** Offset of the line's first non-blank character in the document. */
  at: number
}

/**
 * Where each target is in `text`, as offsets, when the text is in the plain subset
 * `parsePlainYaml` reads; undefined otherwise (the caller asks the yaml library). The
 * same answers as yamlPosition.ts's token walk: a key's offset, its value's, a missing
 * path's deepest existing part; a test compares the two.
 */
export function plainYamlOffsets(text: string, targets: ReadonlyArray<{ path: ReadonlyArray<string | number>; at?: 'key' | 'value' }>): number[] | undefined {
  if (parsePlainYaml(text) === undefined || text.includes('\r')) return undefined
  const lines: PlacedLine[] = []
  let offset = 0
  for (const raw of text.split('\n')) {
    const indent = raw.length - raw.trimStart().length
    if (!/^\s*(#.*)?$/.test(raw)) lines.push({ indent, text: raw.slice(indent), at: offset + indent })
    offset += raw.length + 1
  }
  if (lines.length === 0) return targets.map(() => 0)
  const root = placeMap({ lines, pos: 0 }, 0)
  return targets.map((target) => placedOffset(root, target.path, target.at ?? 'value'))
}

function placedOffset(root: PlacedNode, path: ReadonlyArray<string | number>, at: 'key' | 'value'): number {
  let node: PlacedNode | undefined = root
  let found = root.start
  for (const [i, segment] of path.entries()) {
    let key: number | undefined
    let value: PlacedNode | undefined
    if (node?.seq) {
      if (typeof segment !== 'number' || segment >= node.seq.length) break
      value = node.seq[segment]
    } else if (node?.map) {
      const entry = node.map.get(String(segment))
      if (!entry) break
      key = entry.key
      value = entry.value
    } else break
    if (i === path.length - 1 && at === 'key' && key !== undefined) return key
    found = value?.start ?? key ?? found
    node = value
  }
  return found
}

function placeMap(state: { lines: PlacedLine[]; pos: number }, indent: number, first?: { text: string; at: number }): PlacedNode {
  const map = new Map<string, { key: number; value: PlacedNode | undefined }>()
  let line: { text: string; at: number } | undefined = first
  const start = first?.at ?? state.lines[state.pos]!.at
  for (;;) {
    if (line === undefined) {
      const next = state.lines[state.pos]
      if (!next || next.indent !== indent) break
      line = next
      state.pos++
    }
    const colon = line.text.indexOf(':')
    const rest = stripComment(line.text.slice(colon + 1))
    const skipped = rest.length - rest.trimStart().length
    const valueText = rest.trim()
    const value = valueText === '' ? placeNested(state, indent) : placeFlow(valueText, line.at + colon + 1 + skipped)
    map.set(line.text.slice(0, colon), { key: line.at, value })
    line = undefined
  }
  return { start, map }
}

function placeNested(state: { lines: PlacedLine[]; pos: number }, indent: number): PlacedNode | undefined {
  const next = state.lines[state.pos]
  if (!next) return undefined
  if (next.text.startsWith('- ') || next.text === '-') return next.indent < indent ? undefined : placeSeq(state, next.indent)
  return next.indent <= indent ? undefined : placeMap(state, next.indent)
}

function placeSeq(state: { lines: PlacedLine[]; pos: number }, indent: number): PlacedNode {
  const items: Array<PlacedNode | undefined> = []
  const start = state.lines[state.pos]!.at
  for (;;) {
    const line = state.lines[state.pos]
    if (!line || line.indent !== indent || !(line.text.startsWith('- ') || line.text === '-')) break
    state.pos++
    const after = line.text.slice(1)
    const skipped = after.length - after.trimStart().length
    const rest = stripComment(after).trim()
    const at = line.at + 1 + skipped
    items.push(/^[A-Za-z_][A-Za-z0-9_.-]*:( |$)/.test(rest) ? placeMap(state, indent + 1 + skipped, { text: rest, at }) : placeFlow(rest, at))
  }
  return { start, seq: items }
}

/** A one-line value: a flow list's items (plain words, as parsePlainYaml reads them), or a scalar. */
function placeFlow(text: string, at: number): PlacedNode {
  if (!text.startsWith('[') || text === '[]') return { start: at }
  const items: PlacedNode[] = []
  let from = 1
  for (const item of text.slice(1, -1).split(',')) {
    const word = item.trim()
    if (word !== '') items.push({ start: at + from + item.indexOf(word) })
    from += item.length + 1
  }
  return { start: at, seq: items }
}
