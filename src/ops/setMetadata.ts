import { InvalidReferenceError } from '../domain/errors.js'
import {
  annotate,
  assertSomethingToChange,
  changeAnnotation,
  describeAnnotationChange,
  linkAnnotation,
  versionAnnotation,
  withLinkAnnotation,
  withVersionAnnotation,
  type AnnotatedFields,
  type AnnotationChange,
} from '../domain/metadataAdditions.js'
import { parseReference } from '../domain/reference.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import type { ManifestEdit, MutationPlan } from './support/mutate.js'
import { mutateRegistry, type MutationOptions, type MutationResult } from './support/mutate.js'
import { resolveReference } from './support/resolveReference.js'
import { newArtifactManifest } from '../domain/manifests.js'

export interface SetMetadataOptions extends RepoOptions, MutationOptions, AnnotationChange {
  /**
   * `<artifact>:<selector>`: the version's additions, in the artifact's manifest;
   * `<model>:<selector>`: the link's own, in the model's manifest.
   */
  ref: string
}

export interface SetMetadataResult extends MutationResult {
  /** `churn:v3`, `churn-model:v1`: the version or link that was changed. */
  reference: string
  target: 'version' | 'link'
  /** The version's (or link's) description and metadata after the change, logged and added. */
  fields: AnnotatedFields
}

/**
 * `gmr meta set` / `gmr meta rm`: add to, or take back from, what a version (or a link)
 * says, after the fact. The version commit never changes; the additions are a manifest
 * edit, committed (and reviewed) like any other.
 */
export async function setMetadata(options: SetMetadataOptions): Promise<SetMetadataResult> {
  if (!options.ref.includes(':')) {
    throw new InvalidReferenceError(`"${options.ref}" names no version; give one, e.g. ${options.ref}:v0 or ${options.ref}:latest`, {
      reference: options.ref,
    })
  }
  const reference = parseReference(options.ref)
  assertSomethingToChange(options, `give key=value pairs, keys to remove, or --description (e.g. gmr meta set ${options.ref} accuracy=0.93)`)
  const ctx = await openRegistryContext(options)
  return mutateRegistry(ctx, options, async (store): Promise<MutationPlan<Annotated>> => {
    const target = await resolveReference(ctx.repo, reference, store)
    const logged = { description: target.record.description, metadata: target.record.metadata }
    const artifact = (await store.read('artifact', target.artifact))?.data ?? null
    const ofVersion = versionAnnotation(artifact, target.artifactVersion)
    let edit: ManifestEdit
    let result: Annotated
    if (target.kind === 'model') {
      const name = `${target.name}:v${target.version}`
      const model = (await store.read('model', target.name))!.data
      const before = linkAnnotation(target.link!)
      const after = changeAnnotation(before, options, annotate(logged, ofVersion).metadata, name)
      result = { reference: name, target: 'link', fields: annotate(logged, ofVersion, after) }
      edit = { kind: 'model', name: target.name, before: model, after: withLinkAnnotation(model, target.version, after) }
    } else {
      const name = `${target.artifact}:v${target.artifactVersion}`
      const current = artifact ?? newArtifactManifest(target.artifact)
      const after = changeAnnotation(ofVersion, options, logged.metadata, name)
      result = { reference: name, target: 'version', fields: annotate(logged, after) }
      edit = { kind: 'artifact', name: target.artifact, before: artifact, after: withVersionAnnotation(current, target.artifactVersion, after) }
    }
    return { edits: [edit], message: `gmr: metadata of ${result.reference}: ${describeAnnotationChange(options)}`, result }
  })
}

type Annotated = Pick<SetMetadataResult, 'reference' | 'target' | 'fields'>
