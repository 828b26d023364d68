import { NameTakenError } from '../domain/errors.js'
import { manifestPath } from '../domain/layout.js'
import type { ArtifactYaml } from '../domain/manifests.js'
import { assertName } from '../domain/names.js'
import { assertNameFree } from './support/catalog.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { mutateRegistry, type MutationOptions, type MutationResult } from './support/mutate.js'
import { assertNameNotRetired } from './support/retiredGuard.js'
import { newArtifactManifest } from '../domain/manifests.js'

export interface CreateArtifactOptions extends RepoOptions, MutationOptions {
  name: string
  type?: string
  description?: string
  /** Allow a name registry/retired.yaml records as retired (the record stays). */
  reuseRetiredName?: boolean
}

export interface CreateArtifactResult extends MutationResult {
  manifest: ArtifactYaml
  path: string
}

/** Declare an artifact before (or after) its first version: writes and commits its manifest. */
export async function createArtifact(options: CreateArtifactOptions): Promise<CreateArtifactResult> {
  assertName(options.name, 'artifact name')
  const ctx = await openRegistryContext(options)
  const manifest = newArtifactManifest(options.name, options.type, options.description)
  const path = manifestPath('artifact', options.name)
  return mutateRegistry(ctx, options, async (store) => {
    await assertNameFree(ctx.repo, options.name, 'artifact')
    if (await store.read('artifact', options.name)) {
      throw new NameTakenError(`artifact "${options.name}" already exists (${path})`, { name: options.name })
    }
    await assertNameNotRetired(ctx.repo, options.name, 'artifact', options.reuseRetiredName)
    return {
      edits: [{ kind: 'artifact', name: options.name, before: null, after: manifest }],
      message: `gmr: create artifact ${options.name}`,
      result: { manifest, path },
    }
  })
}
