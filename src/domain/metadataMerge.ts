// Apart from metadata.ts so that readers merging metadata do not load the YAML library.
export type Metadata = Record<string, unknown>

/** `--metadata` pairs win over the file, key by key (deeply). */
export function mergeMetadata(base: Metadata, override: Metadata): Metadata {
  const result: Metadata = { ...base }
  for (const [key, value] of Object.entries(override)) {
    const prev = result[key]
    result[key] = isPlainMap(prev) && isPlainMap(value) ? mergeMetadata(prev, value) : value
  }
  return result
}

function isPlainMap(value: unknown): value is Metadata {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
