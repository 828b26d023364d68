import { InvalidInputError, UnknownNameError } from '../domain/errors.js'
import { cardPath, parseModelCard, type ModelCard } from '../domain/modelCard.js'
import { assertName } from '../domain/names.js'
import { resolvePath } from '../domain/paths.js'
import { openRegistryContext, type RegistryContext, type RepoOptions } from './context.js'
import type { ManifestStore } from './manifestStore.js'
import { mutateRegistry, type RegistryFileEdit, type MutationOptions, type MutationResult } from './mutate.js'

export interface ReadModelCardOptions extends RepoOptions {
  model: string
}

export interface ModelCardResult extends ModelCard {
  model: string
  path: string
  /** The card as stored. */
  text: string
}

/** `gmr card <model>`: the model's card from the work tree, validated. */
export async function readModelCard(options: ReadModelCardOptions): Promise<ModelCardResult> {
  assertName(options.model, 'model name')
  const ctx = await openRegistryContext(options)
  const { ManifestStore } = await import('./manifestStore.js')
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
  const result = await mutateRegistry(ctx, options, async (store) => {
    await assertModelExists(store, options.model)
    return { edits: [], files: [await cardEdit(ctx, options.model, text)], message: `gmr: model card of ${options.model}` }
  })
  return { ...result, model: options.model, path: cardPath(options.model), text, ...card }
}

/**
 * A card file from disk, as given with `--card`/`--set`: read and validated before
 * anything is written (errors name the file as the user typed it).
 */
export async function readCardFile(ctx: RegistryContext, file: string, cwd: string): Promise<string> {
  const text = await ctx.repo.fs.readText(resolvePath(file, cwd)).catch(() => null)
  if (text === null) throw new InvalidInputError(`model card not found or unreadable: ${file}`, { file })
  parseModelCard(text, file)
  return text
}

/** The edit that makes `text` the model's card. */
export async function cardEdit(ctx: RegistryContext, model: string, text: string): Promise<RegistryFileEdit> {
  const path = cardPath(model)
  return { path, before: await ctx.repo.fs.readText(`${ctx.repo.dir}/${path}`), after: text }
}

async function assertModelExists(store: ManifestStore, model: string): Promise<void> {
  if (await store.read('model', model)) return
  throw new UnknownNameError(`no registered model named "${model}"; create it with "gmr model create ${model} --card FILE"`, { name: model })
}
