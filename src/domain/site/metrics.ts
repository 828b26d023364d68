/** Version metadata as flat columns (`metrics.auc`), and the metric a model's chart shows. */

export function flattenMetadata(metadata: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, value] of Object.entries(metadata)) {
    const name = prefix === '' ? key : `${prefix}.${key}`
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flattenMetadata(value as Record<string, unknown>, name, out)
    else out.set(name, value)
  }
  return out
}

/** Every key of the rows, in order of first appearance. */
export function metadataColumns(rows: ReadonlyArray<ReadonlyMap<string, unknown>>): string[] {
  const seen = new Set<string>()
  for (const row of rows) for (const key of row.keys()) seen.add(key)
  return [...seen]
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/**
 * The metric to chart: `preferred` when any row has it as a number, else the numeric
 * key most rows have (the first seen on a tie); null when no row has a number.
 */
export function chooseMetric(rows: ReadonlyArray<ReadonlyMap<string, unknown>>, preferred?: string): string | null {
  const counts = new Map<string, number>()
  for (const row of rows) {
    for (const [key, value] of row) if (isFiniteNumber(value)) counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  if (preferred !== undefined && counts.has(preferred)) return preferred
  let best: string | null = null
  for (const [key, count] of counts) if (best === null || count > counts.get(best)!) best = key
  return best
}
