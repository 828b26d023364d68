/**
 * gmr's one glob engine, git's: wildmatch (git's wildmatch.c with WM_PATHNAME) and the
 * way gitignore(5) and gitattributes(5) read a pattern line (git's dir.c). `*` and `?`
 * stay inside one path segment, `**` crosses segments, `[...]` is a class (with
 * `[:digit:]` and the like), a backslash makes the next character literal. A pattern
 * without a slash matches a name at any depth; one with a slash (a leading one included)
 * is anchored at its folder; a trailing slash matches folders only. Paths and patterns
 * are compared as bytes, as git does: `?` is one byte, not one character.
 *
 * `--include` (pathFilter) and `.gitattributes` (domain/gitattributes.ts) both read
 * their patterns here; test/domain/glob.test.ts checks the result against
 * `git check-ignore` and `git check-attr` on one table.
 */

/** A path or pattern as latin1 "bytes", the form every matcher here compares. */
export function toBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

/** One pattern line, read as git reads it; `matches` takes a path relative to the top, as bytes. */
export interface GitPattern {
  /** `!pattern`: a match takes back what an earlier pattern said. */
  negative: boolean
  /** `pattern/`: matches folders only. */
  mustBeDir: boolean
  matches(path: string): boolean
  /**
   * A pattern without wildcards matches one thing, which `matches` compares: the whole
   * path from the top (`anchored`, as bytes), or a base name under the pattern's folder.
   * Null for a pattern with `*`, `?` or `[`. Lets a caller index thousands of exact lines.
   */
  literal: { anchored: boolean; text: string } | null
}

/**
 * A pattern line from the file (or list) in folder `base` (relative to the top, '' for
 * the top), or null when git would never match it (empty, malformed).
 */
export function parseGitPattern(rawPattern: string, base = ''): GitPattern | null {
  let pattern = toBytes(rawPattern)
  const negative = pattern.startsWith('!')
  if (negative) pattern = pattern.slice(1)
  const mustBeDir = pattern.endsWith('/')
  if (mustBeDir) pattern = pattern.slice(0, -1)
  if (pattern === '') return null
  if (!pattern.includes('/')) {
    // No slash: matches the base name at any depth below the pattern's folder.
    const test = nameTest(pattern)
    if (test === null) return null
    const prefix = base === '' ? '' : `${toBytes(base)}/`
    const name = literalText(pattern)
    return {
      negative,
      mustBeDir,
      matches: (path) => path.startsWith(prefix) && test(path.slice(path.lastIndexOf('/') + 1)),
      literal: name === null ? null : { anchored: false, text: name },
    }
  }
  if (pattern.startsWith('/')) pattern = pattern.slice(1)
  const test = nameTest(pattern)
  if (test === null) return null
  const prefix = base === '' ? '' : `${toBytes(base)}/`
  const text = literalText(pattern)
  return {
    negative,
    mustBeDir,
    matches: (path) => path.startsWith(prefix) && test(path.slice(prefix.length)),
    literal: text === null ? null : { anchored: true, text: prefix + text },
  }
}

/** The wildmatch of `pattern` as a test; a wildcard-free one compares strings (no RegExp to build). */
function nameTest(pattern: string): ((text: string) => boolean) | null {
  const literal = literalText(pattern)
  if (literal !== null) return (text) => text === literal
  const re = wildmatchRegExp(pattern)
  return re === null ? null : (text) => re.test(text)
}

/** What a wildcard-free pattern matches, its backslashes taken out; null if it has a wildcard. */
function literalText(pattern: string): string | null {
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*' || c === '?' || c === '[') return null
    if (c === '\\') {
      if (i + 1 >= pattern.length) return null
      out += pattern[++i]!
    } else out += c
  }
  return out
}

/**
 * A predicate for `--include`'s list of patterns, read as one `.gitignore` at the top:
 * a file is picked when the last pattern matching it (or one of the folders above it)
 * is not negative. No patterns means every file.
 */
export function pathFilter(patterns: readonly string[]): (path: string) => boolean {
  if (patterns.length === 0) return () => true
  const compiled = patterns.flatMap((p) => parseGitPattern(p.replace(/^\.\//, '')) ?? [])
  const last = (path: string, isDir: boolean) => {
    for (let i = compiled.length - 1; i >= 0; i--) {
      const pattern = compiled[i]!
      if ((isDir || !pattern.mustBeDir) && pattern.matches(path)) return pattern
    }
    return null
  }
  return (path) => {
    const bytes = toBytes(path)
    // A folder a pattern picks brings everything below it, as an ignored folder does in git.
    for (let slash = bytes.indexOf('/'); slash >= 0; slash = bytes.indexOf('/', slash + 1)) {
      const folder = last(bytes.slice(0, slash), true)
      if (folder !== null && !folder.negative) return true
    }
    const file = last(bytes, false)
    return file !== null && !file.negative
  }
}

const CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '!-\\/:-@\\[-`{-~',
  // git's own isspace: tab, newline, carriage return and space (not \v or \f).
  space: '\\t\\n\\r ',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
}

function byteRe(ch: string): string {
  return /[A-Za-z0-9]/.test(ch) ? ch : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`
}

/** git's wildmatch with WM_PATHNAME, as an anchored RegExp over latin1 bytes; null if malformed. */
export function wildmatchRegExp(pattern: string): RegExp | null {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '\\') {
      // A trailing backslash never matches anything.
      if (i + 1 >= pattern.length) return null
      source += byteRe(pattern[++i]!)
    } else if (c === '?') {
      source += '[^/]'
    } else if (c === '*') {
      let j = i
      while (pattern[j + 1] === '*') j++
      const atSegmentStart = i === 0 || pattern[i - 1] === '/'
      const next = pattern.slice(j + 1, j + 3)
      if (j > i && atSegmentStart && (next === '' || next[0] === '/' || next === '\\/')) {
        if (next === '') source += '.*'
        else {
          source += '(?:.*/)?'
          j += next[0] === '/' ? 1 : 2
        }
      } else source += '[^/]*'
      i = j
    } else if (c === '[') {
      const bracket = compileBracket(pattern, i)
      if (bracket === null) return null
      source += bracket.source
      i = bracket.end
    } else source += byteRe(c)
  }
  return new RegExp(`^${source}$`, 's')
}

/** A `[...]` expression starting at `start`; its RegExp and the index of its `]`. */
function compileBracket(pattern: string, start: number): { source: string; end: number } | null {
  let i = start + 1
  const negated = pattern[i] === '!' || pattern[i] === '^'
  if (negated) i++
  const items: string[] = []
  let prev: string | null = null
  for (let first = true; first || pattern[i] !== ']'; first = false, i++) {
    let c = pattern[i]
    if (c === undefined) return null
    if (c === '\\') {
      c = pattern[++i]
      if (c === undefined) return null
      items.push(byteRe(c))
      prev = c
    } else if (c === '-' && prev !== null && pattern[i + 1] !== undefined && pattern[i + 1] !== ']') {
      let hi = pattern[++i]!
      if (hi === '\\') {
        hi = pattern[++i]!
        if (hi === undefined) return null
      }
      // A reversed range matches nothing in git; a RegExp would reject it.
      if (hi >= prev) items.push(`${byteRe(prev)}-${byteRe(hi)}`)
      prev = null
    } else if (c === '[' && pattern[i + 1] === ':') {
      const close = pattern.indexOf(']', i + 2)
      if (close < 0) return null
      if (pattern[close - 1] !== ':' || close - 1 < i + 2) {
        // No ":]": an ordinary "[" in the set.
        items.push(byteRe('['))
        prev = '['
        continue
      }
      const cls = CLASSES[pattern.slice(i + 2, close - 1)]
      if (cls === undefined) return null
      items.push(cls)
      i = close
      prev = null
    } else {
      items.push(byteRe(c))
      prev = c
    }
  }
  // With WM_PATHNAME a bracket never matches "/".
  const body = items.join('')
  return { source: negated ? `[^/${body}]` : `(?!/)[${body}]`, end: i }
}
