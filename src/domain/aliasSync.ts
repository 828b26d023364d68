/** A change to one alias ref, as `gmr sync` plans and reports it. */
export type AliasRefChange =
  | { action: 'create'; ref: string; to: string }
  | { action: 'move'; ref: string; from: string; to: string }
  | { action: 'delete'; ref: string; from: string }

/**
 * What must happen for the alias refs (`current`, ref → commit) to say what the
 * manifests say (`desired`). Pure: the caller applies each change as a
 * compare-and-swap against the `from` value planned here.
 */
export function planAliasSync(
  desired: ReadonlyMap<string, string>,
  current: ReadonlyMap<string, string>,
): AliasRefChange[] {
  const changes: AliasRefChange[] = []
  for (const [ref, to] of [...desired].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const from = current.get(ref)
    if (from === undefined) changes.push({ action: 'create', ref, to })
    else if (from !== to) changes.push({ action: 'move', ref, from, to })
  }
  for (const [ref, from] of [...current].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!desired.has(ref)) changes.push({ action: 'delete', ref, from })
  }
  return changes
}
