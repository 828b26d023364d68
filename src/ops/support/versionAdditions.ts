import { linkAnnotation, versionAnnotation, type AnnotationYaml } from '../../domain/metadataAdditions.js'
import { ManifestStore } from './manifestStore.js'
import type { ResolvedVersion } from '../resolve.js'

/**
 * What was added to a resolved version after the fact, in the order readers merge it:
 * the version's own additions (its artifact's manifest), then, through a model, the
 * link's. Absent entries are left out.
 */
export async function additionsOf(store: ManifestStore, resolved: ResolvedVersion): Promise<AnnotationYaml[]> {
  const artifact = await store.read('artifact', resolved.artifact)
  return [versionAnnotation(artifact?.data, resolved.artifactVersion), resolved.link && linkAnnotation(resolved.link)].filter(
    (a): a is AnnotationYaml => a !== undefined,
  )
}

/** Each version's additions in an artifact's manifest, by `v<N>` key. */
export async function versionAdditions(store: ManifestStore, artifact: string): Promise<Record<string, AnnotationYaml>> {
  return (await store.read('artifact', artifact))?.data.additions ?? {}
}
