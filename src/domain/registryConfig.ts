import { Document } from 'yaml'
import { manifestDefaults, schemaIds, validateRegistry } from './generated/validators.js'
import { REGISTRY_FILE } from './layout.js'
import { parseYamlFile, stringifyManifest } from './yamlFile.js'
import type { RetentionPolicy } from './retention.js'

export const DEFAULT_LARGE_FILE_THRESHOLD: number = manifestDefaults.registry.largeFileThreshold

/** `registry/registry.yaml` (docs/storage-format.md, Manifests), with defaults filled in. */
export interface RegistryConfig {
  formatVersion: 1
  registryBranch: string
  largeFileThreshold: number
  protectedAliases: string[]
  /** Which versions `gmr prune` keeps the large files of; absent: all of them. */
  retention?: RetentionPolicy
}

export function parseRegistryConfig(text: string, file = REGISTRY_FILE): RegistryConfig {
  const { data } = parseYamlFile(text, file, validateRegistry)
  return {
    formatVersion: 1,
    registryBranch: data.registryBranch,
    largeFileThreshold: data.largeFileThreshold ?? DEFAULT_LARGE_FILE_THRESHOLD,
    protectedAliases: data.protectedAliases ?? [],
    ...(data.retention && { retention: data.retention }),
  }
}

/** The file `gmr init` writes. */
export function formatRegistryConfig(config: RegistryConfig): string {
  const doc = new Document({
    formatVersion: config.formatVersion,
    registryBranch: config.registryBranch,
    largeFileThreshold: config.largeFileThreshold,
    protectedAliases: config.protectedAliases,
  })
  doc.commentBefore =
    " gmr registry settings, described in gmr's docs/storage-format.md. protectedAliases\n" +
    ' move only through a reviewed pull request, or with `gmr alias set --force` on the\n' +
    ' registry branch.'
  return stringifyManifest(doc, schemaIds.registry)
}
