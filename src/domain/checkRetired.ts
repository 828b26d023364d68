import { error, type Finding } from './checkFindings.js'
import type { NameKind } from './layout.js'
import type { RegistrySnapshot } from './registrySnapshot.js'
import { addedRetirements, type RetiredEntryYaml } from './retired.js'

/** `registry/retired.yaml` must parse and pass its schema; each problem with its line and column. */
export function retiredRecordRule(snapshot: RegistrySnapshot): Finding[] {
  const retired = snapshot.retired
  if (!retired) return []
  return retired.problems.map((p) => error('retired-record', p.message, { file: retired.path, line: p.line, col: p.col }))
}

/**
 * What the record lets leave between `base` and `head`: the removals and renames `head`
 * appends. Null when `head` rewrote the record (it is append-only), with the finding.
 */
export function recordedRemovals(base: RegistrySnapshot, head: RegistrySnapshot): { entries: RetiredEntryYaml[] | null; findings: Finding[] } {
  if (!base.retired?.data && !head.retired?.data) return { entries: [], findings: [] }
  const entries = addedRetirements(base.retired?.data ?? null, head.retired?.data ?? null)
  if (entries !== null) return { entries, findings: [] }
  const path = head.retired?.path ?? base.retired?.path ?? 'registry/retired.yaml'
  return {
    entries: null,
    findings: [
      error(
        'history-retired-rewritten',
        `${path} lost or changed entries it had in ${base.label}; the record of removals is append-only: put them back and add new entries at the end`,
        { file: path },
      ),
    ],
  }
}

/** Whether `entries` records `kind` `name` leaving (removed or renamed). */
export function isRecorded(entries: readonly RetiredEntryYaml[] | null, kind: NameKind, name: string): boolean {
  return (entries ?? []).some((entry) => entry.kind === kind && entry.name === name)
}
