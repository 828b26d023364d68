import { deepEqual } from './deepEqual.js'

/** How one metadata value differs between two versions (nested keys joined with dots). */
export interface MetadataChange {
  key: string
  /** Absent when the key is new. */
  from?: unknown
  /** Absent when the key went away. */
  to?: unknown
  /** `to - from`, when both are numbers. */
  delta?: number
  direction: 'up' | 'down' | 'changed' | 'added' | 'removed'
}

/**
 * What changed from one version's metadata to another's: metrics going up or down,
 * other values changed, keys added or removed. Keys keep the order of `after`, then
 * the removed ones.
 */
export function metadataChanges(before: Record<string, unknown>, after: Record<string, unknown>): MetadataChange[] {
  const [old, now] = [flatten(before), flatten(after)]
  const changes: MetadataChange[] = []
  for (const [key, to] of now) {
    if (!old.has(key)) {
      changes.push({ key, to, direction: 'added' })
      continue
    }
    const from = old.get(key)
    if (deepEqual(from, to)) continue
    if (typeof from === 'number' && typeof to === 'number') {
      const delta = Number((to - from).toPrecision(12))
      changes.push({ key, from, to, delta, direction: delta > 0 ? 'up' : delta < 0 ? 'down' : 'changed' })
    } else changes.push({ key, from, to, direction: 'changed' })
  }
  for (const [key, from] of old) if (!now.has(key)) changes.push({ key, from, direction: 'removed' })
  return changes
}

/** Nested maps as dotted keys; lists and scalars are leaves. */
export function flatten(metadata: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, value] of Object.entries(metadata)) {
    const name = prefix === '' ? key : `${prefix}.${key}`
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      flatten(value as Record<string, unknown>, name, out)
    } else out.set(name, value)
  }
  return out
}
