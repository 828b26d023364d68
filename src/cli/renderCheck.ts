import type { Finding } from '../domain/checkFindings.js'
import { formatAnnotation } from '../domain/githubAnnotations.js'
import type { CheckResult } from '../ops/check.js'
import { checkJson } from './jsonOutput.js'
import { json } from './render.js'

export type CheckFormat = 'text' | 'json' | 'github'

export function renderCheck(result: CheckResult, format: CheckFormat): string {
  if (format === 'json') return json(checkJson(result))
  const lines = result.findings.map((f) => (format === 'github' ? githubLine(f) : textLine(f)))
  lines.push(checkSummary(result))
  // GitHub shows at most ten annotations of each kind per step; the log has them all.
  if (format === 'github' && (result.errors > 10 || result.warnings > 10)) {
    lines.push('(GitHub shows the first 10 errors and 10 warnings as annotations; every finding is listed above)')
  }
  return lines.join('\n') + '\n'
}

/** `file:line:col: error: message`, the form editors and compilers use. */
function textLine(finding: Finding): string {
  const where = [finding.file, finding.line, finding.col].filter((part) => part !== undefined).join(':')
  return `${where === '' ? '' : `${where}: `}${finding.severity}: ${finding.message}`
}

function githubLine(finding: Finding): string {
  return formatAnnotation({
    level: finding.severity,
    message: finding.message,
    ...(finding.file !== undefined && { file: finding.file }),
    ...(finding.line !== undefined && { line: finding.line }),
    ...(finding.col !== undefined && { col: finding.col }),
    title: `gmr check: ${finding.rule}`,
  })
}

/** One line: the verdict, what was checked, against what. */
export function checkSummary(result: CheckResult): string {
  const { checked } = result
  const verdict =
    result.errors + result.warnings === 0
      ? 'no problems'
      : [result.errors > 0 ? count(result.errors, 'error') : '', result.warnings > 0 ? count(result.warnings, 'warning') : '']
          .filter(Boolean)
          .join(', ')
  const scope = [
    count(checked.manifests, 'manifest'),
    count(checked.links, 'link'),
    count(checked.artifactBranches, 'artifact branch', 'artifact branches'),
    count(checked.versions, 'version'),
    ...(checked.lfsObjects > 0 ? [count(checked.lfsObjects, 'LFS object')] : []),
  ].join(', ')
  const against = [
    result.base ? `history against ${result.base.label}` : '',
    checked.aliasRefs !== null ? `alias refs against ${checked.aliasRefs}` : '',
  ].filter(Boolean)
  return `gmr check: ${verdict} in ${result.head.label} (${scope}${against.length > 0 ? `; ${against.join(', ')}` : ''})`
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
