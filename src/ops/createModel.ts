import { NameTakenError } from '../domain/errors.js'
import { manifestPath } from '../domain/layout.js'
import type { ModelYaml } from '../domain/manifests.js'
import { assertName, assertTag } from '../domain/names.js'
import { assertNameFree } from './support/catalog.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { mutateRegistry, type MutationOptions, type MutationResult } from './support/mutate.js'
import { assertNameNotRetired } from './support/retiredGuard.js'
import { newModelManifest } from '../domain/manifests.js'
import { cardEdit, readCardFile } from './support/modelCardFile.js'

export interface CreateModelOptions extends RepoOptions, MutationOptions {
  name: string
  description?: string
  tags?: readonly string[]
  /** A model card (markdown file on disk) to commit with the manifest as registry/models/<model>.md. */
  card?: string
  /** Where a relative `card` is taken from (default: `dir`). */
  cwd?: string
  /** Allow a name registry/retired.yaml records as retired (the record stays). */
  reuseRetiredName?: boolean
}

export interface CreateModelResult extends MutationResult {
  manifest: ModelYaml
  path: string
}

/** Register a model: writes and commits `registry/models/<model>.yaml` with no links yet. */
export async function createModel(options: CreateModelOptions): Promise<CreateModelResult> {
  assertName(options.name, 'model name')
  for (const tag of options.tags ?? []) assertTag(tag)
  const ctx = await openRegistryContext(options)
  const manifest = newModelManifest(options.name, options.description, options.tags)
  const path = manifestPath('model', options.name)
  const card = options.card === undefined ? undefined : await readCardFile(ctx, options.card, options.cwd ?? options.dir)
  return mutateRegistry(ctx, options, async (store) => {
    await assertNameFree(ctx.repo, options.name, 'model')
    if (await store.read('model', options.name)) {
      throw new NameTakenError(`registered model "${options.name}" already exists (${path})`, { name: options.name })
    }
    await assertNameNotRetired(ctx.repo, options.name, 'model', options.reuseRetiredName)
    return {
      edits: [{ kind: 'model', name: options.name, before: null, after: manifest }],
      ...(card !== undefined && { files: [await cardEdit(ctx, options.name, card)] }),
      message: `gmr: create model ${options.name}${card !== undefined ? ' with its model card' : ''}`,
      result: { manifest, path },
    }
  })
}
