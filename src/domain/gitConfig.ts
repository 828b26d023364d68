/**
 * A reader for git's config syntax, enough for what gmr needs (identity, remotes,
 * lfs.url): sections with optional quoted subsections, case-insensitive section and
 * key names, quoted values with escapes, `#`/`;` comments, line continuations.
 * Keys come out as `section.subsection.key` with section and key lower-cased.
 */
export type GitConfig = Map<string, string[]>

export function parseGitConfig(text: string, into: GitConfig = new Map()): GitConfig {
  let section = ''
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\](.*)$/.exec(trimmed)
    if (header) {
      const [name, sub] = [header[1]!.toLowerCase(), header[2]]
      // `[section.sub]` is the old spelling of `[section "sub"]`.
      section = sub !== undefined ? `${name}.${sub.replace(/\\(.)/g, '$1')}` : name
      const rest = header[3]!.trim()
      if (rest === '' || rest.startsWith('#') || rest.startsWith(';')) continue
      line = rest
    }
    const entry = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=(.*))?$/.exec(line)
    if (!entry || section === '') continue
    const key = `${section}.${entry[1]!.toLowerCase()}`
    const value = entry[2] === undefined ? 'true' : parseValue(entry[2])
    const list = into.get(key)
    if (list) list.push(value)
    else into.set(key, [value])
  }
  return into
}

function parseValue(raw: string): string {
  let out = ''
  let quoted = false
  let pendingSpace = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (c === '"') {
      quoted = !quoted
      continue
    }
    if (!quoted && (c === '#' || c === ';')) break
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[++i]!
      out += pendingSpace + ({ n: '\n', t: '\t', b: '\b' }[next] ?? next)
      pendingSpace = ''
      continue
    }
    if (!quoted && (c === ' ' || c === '\t')) {
      if (out !== '') pendingSpace += c
      continue
    }
    out += pendingSpace + c
    pendingSpace = ''
  }
  return out
}

/** The last value of a key, as git's `--get` answers. */
export function configValue(config: GitConfig, key: string): string | undefined {
  const list = config.get(normaliseKey(key))
  return list?.[list.length - 1]
}

function normaliseKey(key: string): string {
  const first = key.indexOf('.')
  const last = key.lastIndexOf('.')
  if (first < 0) return key.toLowerCase()
  return `${key.slice(0, first).toLowerCase()}${key.slice(first, last)}.${key.slice(last + 1).toLowerCase()}`
}
