import { Document } from 'yaml'
import { manifestDefaults, schemaIds, validateArtifact } from './generated/validators.js'
import { parseYamlFile, stringifyManifest } from './yamlFile.js'

/** `registry/artifacts/<artifact>.yaml` (DESIGN.md §2.2), defaults filled in. */
export interface ArtifactManifest {
  name: string
  type: string
  description: string
  aliases: Record<string, number>
}

export function parseArtifactManifest(text: string, file: string): ArtifactManifest {
  const { data } = parseYamlFile(text, file, validateArtifact)
  return {
    name: data.name,
    type: data.type ?? manifestDefaults.artifact.type,
    description: data.description ?? '',
    aliases: data.aliases ?? {},
  }
}

export function formatArtifactManifest(manifest: ArtifactManifest): string {
  const doc = new Document({
    name: manifest.name,
    type: manifest.type,
    description: manifest.description,
    aliases: manifest.aliases,
  })
  return stringifyManifest(doc, schemaIds.artifact)
}
