import { isMap, isScalar, isSeq, type Document, type Node, YAMLMap, YAMLSeq } from 'yaml'
import { deepEqual } from './deepEqual.js'

/**
 * Bring a parsed YAML document in line with `next`, touching only what differs, so
 * that the user's comments, key order and formatting survive a gmr edit. New keys go
 * at the end; a list that only grew gets the new items appended; a list that only
 * lost items loses just those nodes; anything else is replaced in place.
 */
export function updateDocument(doc: Document, next: Record<string, unknown>): void {
  if (!isMap(doc.contents)) {
    doc.contents = doc.createNode(next) as unknown as typeof doc.contents
    return
  }
  reconcileMap(doc, doc.contents, next)
}

function reconcileMap(doc: Document, map: YAMLMap, next: Record<string, unknown>): void {
  growFromEmpty(map, Object.keys(next).length)
  for (const pair of [...map.items]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
    if (!(key in next) || next[key] === undefined) map.delete(pair.key)
  }
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue
    const current = map.get(key, true) as Node | undefined
    if (current === undefined) {
      map.set(doc.createNode(key), doc.createNode(value))
      continue
    }
    reconcileValue(doc, map, key, current, value)
  }
}

function reconcileValue(doc: Document, parent: YAMLMap, key: string, node: Node, value: unknown): void {
  if (deepEqual(node.toJSON(), value)) return
  if (isMap(node) && isPlainObject(value)) return reconcileMap(doc, node, value)
  if (isSeq(node) && Array.isArray(value)) return reconcileSeq(doc, parent, key, node, value)
  if (isScalar(node) && !isObject(value)) {
    node.value = value
    return
  }
  const created = doc.createNode(value)
  parent.set(doc.createNode(key), created)
}

function reconcileSeq(doc: Document, parent: YAMLMap, key: string, seq: YAMLSeq, next: unknown[]): void {
  const current = seq.items.map((item) => (item as Node).toJSON() as unknown)
  growFromEmpty(seq, next.length)
  // Appended items: keep every existing node, add the new ones.
  if (next.length > current.length && current.every((item, i) => deepEqual(item, next[i]))) {
    for (const item of next.slice(current.length)) seq.items.push(doc.createNode(item))
    return
  }
  // Removed items: drop just those nodes (with their comments).
  if (next.length < current.length && isSubsequence(next, current)) {
    let j = 0
    seq.items = seq.items.filter((_, i) => {
      if (j < next.length && deepEqual(current[i], next[j])) {
        j++
        return true
      }
      return false
    })
    return
  }
  // Same length, items edited in place: reconcile item by item.
  if (next.length === current.length) {
    seq.items.forEach((item, i) => {
      const node = item as Node
      if (deepEqual(current[i], next[i])) return
      if (isMap(node) && isPlainObject(next[i])) reconcileMap(doc, node, next[i] as Record<string, unknown>)
      else seq.items[i] = doc.createNode(next[i])
    })
    return
  }
  parent.set(doc.createNode(key), doc.createNode(next))
}

/** `versions: []` written as flow becomes a block list once it has items; a user's own flow style stays. */
function growFromEmpty(node: YAMLMap | YAMLSeq, nextSize: number): void {
  if (node.flow && node.items.length === 0 && nextSize > 0) node.flow = false
}

function isSubsequence(small: unknown[], big: unknown[]): boolean {
  let j = 0
  for (const item of big) if (j < small.length && deepEqual(item, small[j])) j++
  return j === small.length
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isObject(value) && !Array.isArray(value)
}

