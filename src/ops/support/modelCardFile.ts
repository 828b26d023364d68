import { InvalidInputError, UnknownNameError } from '../../domain/errors.js'
import { cardPath, parseModelCard, type ModelCard } from '../../domain/modelCard.js'
import { resolvePath } from '../../domain/paths.js'
import type { RegistryContext } from './context.js'
import type { ManifestStore } from './manifestStore.js'
import type { RegistryFileEdit } from './mutate.js'

export interface ModelCardResult extends ModelCard {
  model: string
  path: string
  /** The card as stored. */
  text: string
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

export async function assertModelExists(store: ManifestStore, model: string): Promise<void> {
  if (await store.read('model', model)) return
  throw new UnknownNameError(`no registered model named "${model}"; create it with "gmr model create ${model} --card FILE"`, { name: model })
}
