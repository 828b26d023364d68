import { Document } from 'yaml'
import { manifestDefaults, schemaIds, validateRegistry } from './generated/validators.js'
import { REGISTRY_FILE } from './layout.js'
import { quickRegistryConfig, registryConfigFrom } from './quickRegistryConfig.js'
import { parseYamlFile, stringifyManifest } from './yamlFile.js'
import type { RetentionPolicy } from './retention.js'

export const DEFAULT_LARGE_FILE_THRESHOLD: number = manifestDefaults.registry.largeFileThreshold

/** The storage format this gmr writes (docs/storage-format.md); it still reads version 1. */
export const FORMAT_VERSION = 2

/** `registry/registry.yaml` (docs/storage-format.md, Manifests), with defaults filled in. */
export interface RegistryConfig {
  formatVersion: 1 | 2
  registryBranch: string
  largeFileThreshold: number
  protectedAliases: string[]
  /** Which versions `gmr prune` keeps the large files of; absent: all of them. */
  retention?: RetentionPolicy
  /** download, check and sync refuse unsigned or untrusted version commits and alias moves. */
  requireSignatures: boolean
}

export function parseRegistryConfig(text: string, file = REGISTRY_FILE): RegistryConfig {
  return quickRegistryConfig(text) ?? registryConfigFrom(parseYamlFile(text, file, validateRegistry).data)
}

/** The file `gmr init` writes. */
export function formatRegistryConfig(config: RegistryConfig): string {
  const doc = new Document({
    formatVersion: config.formatVersion,
    registryBranch: config.registryBranch,
    largeFileThreshold: config.largeFileThreshold,
    protectedAliases: config.protectedAliases,
    ...(config.requireSignatures && { requireSignatures: true }),
  })
  doc.commentBefore =
    " gmr registry settings, described in gmr's docs/storage-format.md. protectedAliases\n" +
    ' move only through a reviewed pull request, or with `gmr alias set --force` on the\n' +
    ' registry branch.'
  return stringifyManifest(doc, schemaIds.registry)
}

/**
 * registry.yaml's text at the current format: a version-1 file with only its
 * `formatVersion` line changed (comments and key order kept); null when it already is.
 */
export function upgradeRegistryConfigText(text: string, file = REGISTRY_FILE): string | null {
  const { doc, data } = parseYamlFile(text, file, validateRegistry)
  if (data.formatVersion === FORMAT_VERSION) return null
  const line = /^formatVersion:[ \t]*1(?=[ \t]*(#.*)?$)/m
  if (line.test(text)) return text.replace(line, `formatVersion: ${FORMAT_VERSION}`)
  doc.set('formatVersion', FORMAT_VERSION)
  return String(doc)
}
