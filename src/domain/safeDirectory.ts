/**
 * git's `safe.directory` rule (git 2.39): a repository owned by someone else is used only
 * when a `safe.directory` value, from system, global or command-line config, is `*` or
 * names its top folder exactly (`~/` expanded); an empty value forgets the ones before it.
 */
export function safeDirectoryAllows(values: readonly string[], path: string, home: string | undefined): boolean {
  let safe = false
  for (const value of values) {
    if (value === '') safe = false
    else if (value === '*') safe = true
    else if (expandHome(value, home) === path) safe = true
  }
  return safe
}

function expandHome(value: string, home: string | undefined): string | null {
  if (!value.startsWith('~')) return value
  if (value === '~' || value.startsWith('~/')) return home === undefined ? null : `${home}${value.slice(1)}`
  return null
}

/** git's refusal, as one line (git prints the hint on three). */
export function dubiousOwnershipMessage(path: string): string {
  return `detected dubious ownership in repository at '${path}'; to add an exception for this directory, call: git config --global --add safe.directory ${path}`
}

/**
 * The `-c key=value` settings git passes to itself: `GIT_CONFIG_COUNT` with
 * `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>`, then `GIT_CONFIG_PARAMETERS`, a list of
 * shell-quoted `'key'='value'` (or older `'key=value'`) items. Keys are lower-cased.
 */
export function commandLineConfig(env: Readonly<Record<string, string | undefined>>): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const count = Number(env.GIT_CONFIG_COUNT ?? 0)
  for (let i = 0; Number.isInteger(count) && i < count; i++) {
    const key = env[`GIT_CONFIG_KEY_${i}`]
    if (key !== undefined) out.push([key.toLowerCase(), env[`GIT_CONFIG_VALUE_${i}`] ?? ''])
  }
  out.push(...parseConfigParameters(env.GIT_CONFIG_PARAMETERS ?? ''))
  return out
}

function parseConfigParameters(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = []
  let i = 0
  const quoted = (): string | null => {
    if (text[i] !== "'") return null
    let value = ''
    for (i++; i < text.length; ) {
      const end = text.indexOf("'", i)
      if (end < 0) return null
      value += text.slice(i, end)
      i = end + 1
      // `'\''` continues the string with a quote in it.
      if (text.startsWith("\\''", i)) {
        value += "'"
        i += 3
        continue
      }
      return value
    }
    return null
  }
  while (i < text.length) {
    while (text[i] === ' ') i++
    if (i >= text.length) break
    const first = quoted()
    if (first === null) break
    if (text[i] === '=') {
      i++
      const value = quoted()
      if (value === null) break
      out.push([first.toLowerCase(), value])
    } else {
      const eq = first.indexOf('=')
      out.push(eq < 0 ? [first.toLowerCase(), 'true'] : [first.slice(0, eq).toLowerCase(), first.slice(eq + 1)])
    }
  }
  return out
}
