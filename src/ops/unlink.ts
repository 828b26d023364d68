import { InvalidReferenceError, UnknownNameError } from '../domain/errors.js'
import type { ModelLinkYaml } from '../domain/manifests.js'
import { parseReference } from '../domain/reference.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { mutateRegistry, type MutationOptions, type MutationResult } from './support/mutate.js'
import { removeLink } from '../domain/manifests.js'

export interface UnlinkModelOptions extends RepoOptions, MutationOptions {
  /** `<model>:v<K>`. */
  ref: string
}

export interface UnlinkModelResult extends MutationResult {
  model: string
  link: ModelLinkYaml
}

/** Remove link vK from a registered model; its number is never given out again. */
export async function unlinkModel(options: UnlinkModelOptions): Promise<UnlinkModelResult> {
  const reference = parseReference(options.ref)
  if (reference.selector.kind !== 'number') {
    throw new InvalidReferenceError(`unlink takes <model>:v<K> with an explicit number, not "${options.ref}"`, {
      reference: options.ref,
    })
  }
  const version = reference.selector.number
  const ctx = await openRegistryContext(options)
  return mutateRegistry(ctx, options, async (store) => {
    const current = await store.read('model', reference.name)
    if (!current) {
      throw new UnknownNameError(`no registered model named "${reference.name}"; see "gmr models"`, { name: reference.name })
    }
    const { model, link } = removeLink(current.data, version)
    return {
      edits: [{ kind: 'model', name: reference.name, before: current.data, after: model }],
      message: `gmr: unlink ${reference.name} v${version} (${link.artifact}:v${link.artifactVersion})`,
      result: { model: reference.name, link },
    }
  })
}
