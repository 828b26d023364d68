import { parseGitPattern, toBytes, type GitPattern } from './glob.js'

/**
 * The `.gitattributes` files of a tree, read the way git reads them (gitattributes(5),
 * git's attr.c and wildmatch.c): enough to answer "what is attribute X of path P",
 * which gmr needs to know which files git and git-lfs will treat as `filter=lfs`.
 * Patterns are read by the one glob engine, domain/glob.ts.
 * Covers quoting, `-attr` / `!attr` / `attr=value`, macros defined in the top-level
 * file (and the built-in `binary`), and precedence: a deeper file over a shallower one,
 * a later line over an earlier one. The repository's own `.git/info/attributes` and the
 * user's global attributes are not part of a tree and are not considered.
 */

/** `true` set, `false` unset (`-attr`), a string value, or `undefined` (unspecified). */
export type AttributeState = true | false | string | undefined

export interface AttributesFile {
  /** The folder holding the file, relative to the tree's top: '' for the top itself. */
  dir: string
  text: string
}

interface Assignment {
  name: string
  state: AttributeState
}

interface Rule {
  /** Matches a path relative to the top, as latin1 bytes. */
  matches(path: string): boolean
  literal: GitPattern['literal']
  assignments: Assignment[]
}

/**
 * One file's rules, indexed: gmr writes one exact (escaped) path per LFS file, so a
 * `.gitattributes` may hold thousands of wildcard-free lines. Those are found by path or
 * base name; only the patterns with wildcards are run against every path.
 */
interface ParsedFile {
  dir: string
  rules: Rule[]
  /** Line numbers (ascending) of wildcard-free anchored patterns, by whole path as bytes. */
  byPath: Map<string, number[]>
  /** Line numbers (ascending) of wildcard-free patterns without a slash, by base name as bytes. */
  byName: Map<string, number[]>
  /** Line numbers (ascending) of the patterns with wildcards. */
  globs: number[]
}

// git ignores attribute lines at least this long (attr.c, ATTR_MAX_LINE_LENGTH).
export const ATTR_MAX_LINE_LENGTH = 2048
const BLANK = ' \t\r\n'
const MACRO_PREFIX = '[attr]'
const BUILTIN_MACROS: ReadonlyArray<[string, Assignment[]]> = [
  [
    'binary',
    [
      { name: 'diff', state: false },
      { name: 'merge', state: false },
      { name: 'text', state: false },
    ],
  ],
]

export class GitAttributes {
  private readonly files: ParsedFile[]
  private readonly macros = new Map<string, Assignment[]>(BUILTIN_MACROS)

  constructor(files: readonly AttributesFile[]) {
    this.files = files
      .map((file) => indexRules(file.dir, this.parseFile(file)))
      // Deepest first: git consults the most specific file first.
      .sort((a, b) => depth(b.dir) - depth(a.dir) || (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0))
  }

  /** The state of attribute `name` for the file at `path` (slash-separated, relative to the top). */
  get(path: string, name: string): AttributeState {
    const bytes = toBytes(path)
    const baseName = bytes.slice(bytes.lastIndexOf('/') + 1)
    const decided = new Set<string>()
    for (const file of this.files) {
      if (file.dir !== '' && !path.startsWith(`${file.dir}/`)) continue
      // The last matching line first: the three ascending lists merged from their ends.
      const exact = file.byPath.get(bytes) ?? NONE
      const named = file.byName.get(baseName) ?? NONE
      const { globs } = file
      for (let a = exact.length - 1, b = named.length - 1, c = globs.length - 1; a >= 0 || b >= 0 || c >= 0; ) {
        const la = a >= 0 ? exact[a]! : -1
        const lb = b >= 0 ? named[b]! : -1
        const lc = c >= 0 ? globs[c]! : -1
        const line = Math.max(la, lb, lc)
        if (line === la) a--
        else if (line === lb) b--
        else c--
        const rule = file.rules[line]!
        if (line === lc && !rule.matches(bytes)) continue
        const found = this.fill(rule.assignments, name, decided)
        if (found !== NOT_FOUND) return found as AttributeState
      }
    }
    return undefined
  }

  // git fills a line's attributes from the last to the first; a macro set to true
  // fills its own attributes where nothing more specific decided them yet.
  private fill(assignments: readonly Assignment[], name: string, decided: Set<string>): AttributeState | typeof NOT_FOUND {
    for (let i = assignments.length - 1; i >= 0; i--) {
      const { name: attr, state } = assignments[i]!
      if (decided.has(attr)) continue
      decided.add(attr)
      if (attr === name) return state
      const macro = this.macros.get(attr)
      if (macro && state === true) {
        const found = this.fill(macro, name, decided)
        if (found !== NOT_FOUND) return found
      }
    }
    return NOT_FOUND
  }

  private parseFile(file: AttributesFile): Rule[] {
    const rules: Rule[] = []
    for (const line of file.text.replace(/^\uFEFF/, '').split('\n')) {
      const parsed = parseLine(line)
      if (parsed === null) continue
      if (parsed.macro !== undefined) {
        // Macros may be defined only at the top (git says "not allowed" elsewhere).
        if (file.dir === '') this.macros.set(parsed.macro, parsed.assignments)
        continue
      }
      const pattern = compilePattern(parsed.pattern, file.dir)
      if (pattern !== null) rules.push({ matches: pattern.matches, literal: pattern.literal, assignments: parsed.assignments })
    }
    return rules
  }
}

const NOT_FOUND = Symbol('not found')
const NONE: readonly number[] = []

function indexRules(dir: string, rules: Rule[]): ParsedFile {
  const byPath = new Map<string, number[]>()
  const byName = new Map<string, number[]>()
  const globs: number[] = []
  rules.forEach(({ literal }, line) => {
    if (literal === null) return globs.push(line)
    const index = literal.anchored ? byPath : byName
    const lines = index.get(literal.text)
    if (lines) lines.push(line)
    else index.set(literal.text, [line])
  })
  return { dir, rules, byPath, byName, globs }
}

function depth(dir: string): number {
  return dir === '' ? 0 : dir.split('/').length
}

interface ParsedLine {
  pattern: string
  macro?: string
  assignments: Assignment[]
}

function parseLine(line: string): ParsedLine | null {
  if (Buffer.byteLength(line) >= ATTR_MAX_LINE_LENGTH) return null
  let rest = skipBlank(line, 0)
  if (rest >= line.length || line[rest] === '#') return null
  let pattern: string
  const quoted = line[rest] === '"' ? unquoteC(line, rest) : null
  if (quoted) {
    pattern = quoted.value
    rest = quoted.end
  } else {
    const end = nextBlank(line, rest)
    pattern = line.slice(rest, end)
    rest = end
  }
  let macro: string | undefined
  if (pattern.startsWith(MACRO_PREFIX) && pattern.length > MACRO_PREFIX.length) {
    macro = pattern.slice(MACRO_PREFIX.length)
    if (!validAttributeName(macro)) return null
  }
  const assignments: Assignment[] = []
  for (let pos = skipBlank(line, rest); pos < line.length; pos = skipBlank(line, pos)) {
    const end = nextBlank(line, pos)
    const word = line.slice(pos, end)
    pos = end
    const assignment = parseAssignment(word)
    // One invalid attribute name makes git drop the whole line.
    if (assignment === null) return null
    assignments.push(assignment)
  }
  return { pattern, ...(macro !== undefined && { macro }), assignments }
}

function parseAssignment(word: string): Assignment | null {
  const equals = word.indexOf('=')
  const key = equals < 0 ? word : word.slice(0, equals)
  if (key.startsWith('-') || key.startsWith('!')) {
    const name = key.slice(1)
    return validAttributeName(name) ? { name, state: key[0] === '-' ? false : undefined } : null
  }
  if (!validAttributeName(key)) return null
  return { name: key, state: equals < 0 ? true : word.slice(equals + 1) }
}

function validAttributeName(name: string): boolean {
  return /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(name)
}

function skipBlank(line: string, pos: number): number {
  while (pos < line.length && BLANK.includes(line[pos]!)) pos++
  return pos
}

function nextBlank(line: string, pos: number): number {
  while (pos < line.length && !BLANK.includes(line[pos]!)) pos++
  return pos
}

const C_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' }

/** git's unquote_c_style: `"…"` with C escapes and octal bytes; null when malformed. */
function unquoteC(line: string, start: number): { value: string; end: number } | null {
  const bytes: number[] = []
  for (let i = start + 1; i < line.length; i++) {
    const c = line[i]!
    if (c === '"') return { value: Buffer.from(bytes).toString('utf8'), end: i + 1 }
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'))
      continue
    }
    const next = line[++i]
    if (next === undefined) return null
    if (C_ESCAPES[next] !== undefined) bytes.push(C_ESCAPES[next]!.charCodeAt(0))
    else if (/^[0-3][0-7][0-7]$/.test(line.slice(i, i + 3))) {
      bytes.push(parseInt(line.slice(i, i + 3), 8))
      i += 2
    } else return null
  }
  return null
}

/**
 * A matcher for one attribute pattern read from the file in folder `base`, or null when
 * git would never match it: negative patterns (git ignores them in attributes),
 * folder-only patterns (attributes apply to files), malformed globs.
 */
function compilePattern(rawPattern: string, base: string): GitPattern | null {
  const pattern = parseGitPattern(rawPattern, base)
  return pattern === null || pattern.negative || pattern.mustBeDir ? null : pattern
}
