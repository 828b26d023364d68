import { isMap, isScalar, parse, parseDocument } from 'yaml'
import { InvalidMetadataError } from './errors.js'
import { hasAnchorsOrAliases } from './yamlFile.js'

import type { Metadata } from './metadataMerge.js'

export type { Metadata }

/** How messages name the pairs and show a good one: `--metadata`, `--metadata accuracy=0.93`. */
export interface PairUsage {
  what: string
  example: string
}

const MAX_METADATA_FILE = 1024 * 1024

/**
 * `--metadata k=v` pairs. Values are YAML scalars (`0.93` is a number, `true` a
 * boolean, `resnet` a string); a dotted key nests (`metrics.acc=0.9` gives
 * `{ metrics: { acc: 0.9 } }`), matching how W&B and MLflow users write metrics.
 */
export function parseMetadataPairs(pairs: readonly string[], usage: PairUsage = { what: '--metadata', example: '--metadata accuracy=0.93' }): Metadata {
  const result: Metadata = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) {
      throw new InvalidMetadataError(`invalid ${usage.what} "${pair}": expected key=value, e.g. ${usage.example}`, {
        pair,
      })
    }
    const key = pair.slice(0, eq)
    const path = key.split('.')
    if (path.some((part) => part === '')) {
      throw new InvalidMetadataError(`invalid ${usage.what} key "${key}": use key or dotted.key without empty parts`, {
        pair,
      })
    }
    setPath(result, path, parseScalar(pair.slice(eq + 1)), pair, usage)
  }
  return result
}

function parseScalar(text: string): unknown {
  try {
    const value: unknown = parse(text, { maxAliasCount: 0 })
    // Only scalars count: "[1, 2]" or "a: b" stay the text the user typed.
    if (value === null && text.trim() !== '' && !/^(null|~)$/i.test(text.trim())) return text
    return typeof value === 'object' && value !== null ? text : value
  } catch {
    return text
  }
}

function setPath(target: Metadata, path: string[], value: unknown, pair: string, usage: PairUsage): void {
  let node = target
  for (const part of path.slice(0, -1)) {
    const next = node[part]
    if (next === undefined) node = node[part] = {}
    else if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next as Metadata
    else {
      throw new InvalidMetadataError(`invalid ${usage.what} "${pair}": "${part}" already holds a value, not a map`, {
        pair,
      })
    }
  }
  node[path[path.length - 1]!] = value
}

/** The contents of `--metadata-file`: a JSON or YAML mapping. */
export function parseMetadataDocument(text: string, file: string): Metadata {
  if (text.length > MAX_METADATA_FILE) {
    throw new InvalidMetadataError(`${file}: metadata file is larger than 1 MiB; keep large data in the logged files`, {
      file,
    })
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true })
  const error = doc.errors[0]
  if (error) {
    const [line, col] = [error.linePos?.[0]?.line ?? 1, error.linePos?.[0]?.col ?? 1]
    const what = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw new InvalidMetadataError(`${file}:${line}:${col}: ${what}; the metadata file must be JSON or YAML`, { file })
  }
  if (hasAnchorsOrAliases(doc)) {
    throw new InvalidMetadataError(`${file}: YAML anchors and aliases are not allowed in metadata files`, { file })
  }
  if (doc.contents !== null && !isMap(doc.contents) && !(isScalar(doc.contents) && doc.contents.value === null)) {
    throw new InvalidMetadataError(`${file}: metadata must be a mapping of keys to values (JSON object or YAML map)`, {
      file,
    })
  }
  return (doc.toJS({ maxAliasCount: 0 }) as Metadata | null) ?? {}
}

export { mergeMetadata } from './metadataMerge.js'
