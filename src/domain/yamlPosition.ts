import { CST, Parser } from 'yaml'
import { plainYamlOffsets } from './fastYaml.js'

/** A place in a YAML document: map keys and list indexes from the top. */
export type YamlPath = ReadonlyArray<string | number>

/** 1-based, as editors and CI annotations count. */
export interface YamlPosition {
  line: number
  col: number
}

export interface YamlTarget {
  path: YamlPath
  /** The key of the last map entry on the path, or its value (the default). */
  at?: 'key' | 'value'
}

/**
 * Where each target is in `text`. A manifest in the plain subset gmr writes is placed by
 * fastYaml.ts without the yaml library; otherwise the token stream (CST) is enough to find a key or a
 * list item and costs a fraction of building the document, which matters when a check
 * finds something in a thousand manifests. A path that is not there resolves to the
 * deepest part of it that is (the `aliases:` key for a removed alias); a text that is
 * not a YAML map resolves to 1:1.
 */
export function yamlPositions(text: string, targets: readonly YamlTarget[]): YamlPosition[] {
  const plain = plainYamlOffsets(text, targets)
  if (!plain) return tokenPositions(text, targets)
  const lineStarts = lineStartsOf(text)
  return plain.map((offset) => positionAt(lineStarts, offset))
}

/** yamlPositions through the yaml library's token stream, for any YAML text. */
export function tokenPositions(text: string, targets: readonly YamlTarget[]): YamlPosition[] {
  const root = documentValue(text)
  const lineStarts = lineStartsOf(text)
  return targets.map((target) => positionAt(lineStarts, find(root, target)))
}

function documentValue(text: string): CST.Token | undefined {
  for (const token of new Parser().parse(text)) {
    if (token.type === 'document') return token.value
  }
  return undefined
}

interface Item {
  key?: CST.Token | null
  value?: CST.Token
}

function find(root: CST.Token | undefined, target: YamlTarget): number {
  let node = root
  let found = node ? start(node) : 0
  for (const [i, segment] of target.path.entries()) {
    const item = node ? child(node, segment) : undefined
    if (!item) break
    const last = i === target.path.length - 1
    const keyOffset = item.key ? start(item.key) : undefined
    const valueOffset = item.value && !isEmpty(item.value) ? start(item.value) : undefined
    if (last && target.at === 'key' && keyOffset !== undefined) return keyOffset
    found = valueOffset ?? keyOffset ?? found
    node = item.value
  }
  return found
}

function child(node: CST.Token, segment: string | number): Item | undefined {
  if (node.type === 'block-seq' || (node.type === 'flow-collection' && node.start.source === '[')) {
    if (typeof segment !== 'number') return undefined
    return node.items.filter((item) => item.value !== undefined || item.key)[segment]
  }
  if (node.type === 'block-map' || node.type === 'flow-collection') {
    return node.items.find((item) => item.key && keyText(item.key) === String(segment))
  }
  return undefined
}

function keyText(token: CST.Token): string | undefined {
  const scalar = CST.isScalar(token) ? CST.resolveAsScalar(token) : null
  return scalar ? scalar.value : undefined
}

function start(token: CST.Token): number {
  return 'offset' in token ? token.offset : 0
}

function isEmpty(token: CST.Token): boolean {
  return token.type === 'scalar' && token.source === ''
}

function lineStartsOf(text: string): number[] {
  const starts = [0]
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

function positionAt(lineStarts: readonly number[], offset: number): YamlPosition {
  let low = 0
  let high = lineStarts.length - 1
  while (low < high) {
    const mid = (low + high + 1) >> 1
    if (lineStarts[mid]! <= offset) low = mid
    else high = mid - 1
  }
  return { line: low + 1, col: offset - lineStarts[low]! + 1 }
}
