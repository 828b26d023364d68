/**
 * `--include` patterns, with gitignore's reading: `*` and `?` stay inside one path
 * segment, `**` crosses segments, `[...]` is a class. A pattern without a slash matches
 * a name at any depth (`*.json`); one with a slash is anchored at the top
 * (`weights/*.bin`). A pattern that names a folder includes everything below it.
 */
export function globToRegExp(pattern: string): RegExp {
  let glob = pattern.replace(/^\.\//, '')
  const anchored = glob.includes('/') && !/^\*\*\/?$/.test(glob)
  glob = glob.replace(/^\//, '').replace(/\/$/, '')
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atSegmentStart = i === 0 || glob[i - 1] === '/'
        const atSegmentEnd = i + 2 === glob.length || glob[i + 2] === '/'
        if (atSegmentStart && atSegmentEnd) {
          i += 2 // the '/' after '**', if any, is part of it
          source += i >= glob.length ? '.*' : '(?:.*/)?'
          continue
        }
        i += 1
      }
      source += '[^/]*'
    } else if (c === '?') {
      source += '[^/]'
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2)
      if (close < 0) {
        source += '\\['
        continue
      }
      let body = glob.slice(i + 1, close).replace(/\\/g, '\\\\')
      if (body.startsWith('!')) body = `^${body.slice(1)}`
      source += `[${body}]`
      i = close
    } else {
      source += c.replace(/[.+^${}()|\\]/g, '\\$&')
    }
  }
  const prefix = anchored ? '^' : '^(?:.*/)?'
  return new RegExp(`${prefix}${source}(?:/.*)?$`)
}

/** A predicate for a list of patterns; no patterns means everything. */
export function pathFilter(patterns: readonly string[]): (path: string) => boolean {
  if (patterns.length === 0) return () => true
  const regexps = patterns.map(globToRegExp)
  return (path) => regexps.some((re) => re.test(path))
}
