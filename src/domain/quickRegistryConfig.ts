import { parsePlainYaml } from './fastYaml.js'
import { manifestDefaults, validateRegistry, type RegistryYaml } from './generated/schemaSummary.js'
import type { RegistryConfig } from './registryConfig.js'

/** Longer texts go to the full parser, which also enforces the size limit (a text this long is well under it). */
const QUICK_CHARS = 64 * 1024

/**
 * `registry/registry.yaml` read without the YAML library: the plain reader and the
 * schema's compiled check. Undefined when either is unsure or says no; the full parser
 * (registryConfig.ts) then reads the file and says what is wrong, with line numbers.
 * This is what `gmr clone` reads right after git's clone, so the YAML library is not
 * loaded for it.
 */
export function quickRegistryConfig(text: string): RegistryConfig | undefined {
  if (text.length > QUICK_CHARS) return undefined
  const data = parsePlainYaml(text)
  return data !== undefined && validateRegistry(data) ? registryConfigFrom(data) : undefined
}

/** The settings with their defaults filled in, from a file the schema accepted. */
export function registryConfigFrom(data: RegistryYaml): RegistryConfig {
  return {
    formatVersion: data.formatVersion,
    registryBranch: data.registryBranch,
    largeFileThreshold: data.largeFileThreshold ?? manifestDefaults.registry.largeFileThreshold,
    protectedAliases: data.protectedAliases ?? [],
    ...(data.retention && { retention: data.retention }),
    requireSignatures: data.requireSignatures ?? false,
  }
}
