import { InvalidInputError, UnknownNameError } from '../../domain/errors.js'
import { assertName, assertTag } from '../../domain/names.js'
import { openRegistryContext, type RepoOptions } from './context.js'
import { mutateRegistry, type MutationOptions, type MutationResult } from './mutate.js'
import * as manifests from '../../domain/manifests.js'

export interface TagsOptions extends RepoOptions, MutationOptions {
  model: string
  tags: readonly string[]
}

export interface TagsResult extends MutationResult {
  model: string
  tags: string[]
}

/** Add or remove a registered model's tags: one manifest edit. */
export async function changeTags(options: TagsOptions, action: 'add' | 'rm'): Promise<TagsResult> {
  assertName(options.model, 'model name')
  if (options.tags.length === 0) throw new InvalidInputError('give at least one tag')
  for (const tag of options.tags) assertTag(tag)
  const ctx = await openRegistryContext(options)
  return mutateRegistry(ctx, options, async (store) => {
    const current = await store.read('model', options.model)
    if (!current) {
      throw new UnknownNameError(`no registered model named "${options.model}"; tags belong to registered models (see "gmr models")`, {
        name: options.model,
      })
    }
    const after = action === 'add' ? manifests.addTags(current.data, options.tags) : manifests.removeTags(current.data, options.tags)
    const sign = action === 'add' ? '+' : '-'
    return {
      edits: [{ kind: 'model', name: options.model, before: current.data, after }],
      message: `gmr: tag ${options.model} ${options.tags.map((t) => `${sign}${t}`).join(' ')}`,
      result: { model: options.model, tags: after.tags ?? [] },
    }
  })
}
