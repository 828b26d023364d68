import { yamlPositions, type YamlPath } from './yamlPosition.js'

export type Severity = 'error' | 'warning'

/**
 * One problem `gmr check` found. Rules name the place as a YAML path in a manifest
 * (`versions/3/commit`); `locateFindings` turns that into a line and column once,
 * for just the files that have findings.
 */
export interface Finding {
  severity: Severity
  /** A stable id of the rule, e.g. `link-commit`, for scripts and for `title=` in annotations. */
  rule: string
  message: string
  file?: string
  line?: number
  col?: number
  /** Where in `file`, until located. */
  yamlPath?: YamlPath
  /** Point at the key rather than the value (an alias name, a field that should not be there). */
  at?: 'key' | 'value'
}

export function error(rule: string, message: string, where: Partial<Finding> = {}): Finding {
  return { severity: 'error', rule, message, ...where }
}

export function warning(rule: string, message: string, where: Partial<Finding> = {}): Finding {
  return { severity: 'warning', rule, message, ...where }
}

/** `{ file, yamlPath }` for a finding about a place in a manifest. */
export function inFile(file: string, yamlPath: YamlPath = [], at?: 'key' | 'value'): Partial<Finding> {
  return at === undefined ? { file, yamlPath } : { file, yamlPath, at }
}

/**
 * Give every finding with a YAML path its line and column, reading each file's text
 * (from `texts`, by path) once, and put them in order. Findings whose file has no
 * text get line 1.
 */
export function locateFindings(findings: readonly Finding[], texts: ReadonlyMap<string, string>): Finding[] {
  const byFile = new Map<string, number[]>()
  findings.forEach((finding, i) => {
    if (finding.file === undefined || finding.yamlPath === undefined || finding.line !== undefined) return
    const list = byFile.get(finding.file) ?? []
    list.push(i)
    byFile.set(finding.file, list)
  })
  const out = findings.map((f) => ({ ...f }))
  for (const [file, indexes] of byFile) {
    const text = texts.get(file)
    const positions =
      text === undefined
        ? indexes.map(() => ({ line: 1, col: 1 }))
        : yamlPositions(text, indexes.map((i) => ({ path: findings[i]!.yamlPath!, at: findings[i]!.at ?? 'value' })))
    indexes.forEach((index, j) => Object.assign(out[index]!, positions[j]))
  }
  for (const finding of out) {
    delete finding.yamlPath
    delete finding.at
  }
  return sortFindings(out)
}

/** Files first, in path and line order; then findings about no file, errors first, otherwise as found. */
function sortFindings(findings: readonly Finding[]): Finding[] {
  const key = (f: Finding): [number, string, number, number, number] => [
    f.file === undefined ? 1 : 0,
    f.file ?? '',
    f.line ?? 0,
    f.col ?? 0,
    f.severity === 'error' ? 0 : 1,
  ]
  return [...findings].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)]
    for (let i = 0; i < ka.length; i++) {
      if (ka[i]! < kb[i]!) return -1
      if (ka[i]! > kb[i]!) return 1
    }
    return 0
  })
}

export function countFindings(findings: readonly Finding[]): { errors: number; warnings: number } {
  const errors = findings.filter((f) => f.severity === 'error').length
  return { errors, warnings: findings.length - errors }
}

/** Whether findings locate, so callers know which files' texts to read. */
export function filesToLocate(findings: readonly Finding[]): Set<string> {
  return new Set(findings.filter((f) => f.file !== undefined && f.yamlPath !== undefined && f.line === undefined).map((f) => f.file!))
}

/** A commit id as messages show it. */
export function short(oid: string): string {
  return oid.slice(0, 10)
}
