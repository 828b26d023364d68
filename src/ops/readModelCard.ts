import { UnknownNameError } from '../domain/errors.js'
import { cardPath, parseModelCard } from '../domain/modelCard.js'
import { assertName } from '../domain/names.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { assertModelExists, type ModelCardResult } from './support/modelCardFile.js'
import { ManifestStore } from './support/manifestStore.js'

export interface ReadModelCardOptions extends RepoOptions {
  model: string
}

/** `gmr card <model>`: the model's card from the work tree, validated. */
export async function readModelCard(options: ReadModelCardOptions): Promise<ModelCardResult> {
  assertName(options.model, 'model name')
  const ctx = await openRegistryContext(options)
  await assertModelExists(new ManifestStore(ctx.repo), options.model)
  const path = cardPath(options.model)
  const text = await ctx.repo.fs.readText(`${ctx.repo.dir}/${path}`)
  if (text === null) {
    throw new UnknownNameError(`${options.model} has no model card (${path}); write one and run "gmr card ${options.model} --set FILE"`, {
      name: options.model,
      path,
    })
  }
  return { model: options.model, path, text, ...parseModelCard(text, path) }
}
