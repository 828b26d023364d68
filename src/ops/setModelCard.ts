import { cardPath, parseModelCard } from '../domain/modelCard.js'
import { assertName } from '../domain/names.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { assertModelExists, cardEdit, readCardFile, type ModelCardResult } from './support/modelCardFile.js'
import { mutateRegistry, type MutationOptions, type MutationResult } from './support/mutate.js'

export interface SetModelCardOptions extends RepoOptions, MutationOptions {
  model: string
  /** The card to store: a markdown file on disk (relative to `cwd`). */
  file: string
  /** Where a relative `file` is taken from (default: `dir`). */
  cwd?: string
}

export interface SetModelCardResult extends MutationResult, ModelCardResult {}

/** `gmr card <model> --set FILE`: validate the card, then commit it as `registry/models/<model>.md`. */
export async function setModelCard(options: SetModelCardOptions): Promise<SetModelCardResult> {
  assertName(options.model, 'model name')
  const ctx = await openRegistryContext(options)
  const text = await readCardFile(ctx, options.file, options.cwd ?? options.dir)
  const card = parseModelCard(text, options.file)
  return mutateRegistry(ctx, options, async (store) => {
    await assertModelExists(store, options.model)
    return {
      edits: [],
      files: [await cardEdit(ctx, options.model, text)],
      message: `gmr: model card of ${options.model}`,
      result: { model: options.model, path: cardPath(options.model), text, ...card },
    }
  })
}
