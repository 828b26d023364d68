import { NameInUseError } from '../domain/errors.js'
import { missingModel } from './support/catalog.js'
import type { RetiredEntryYaml } from '../domain/retired.js'
import { currentAliasRefs } from './support/aliasRefs.js'
import { openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import type { ManifestStore } from './support/manifestStore.js'
import { mutateRegistry, type MutationOptions, type MutationPlan, type MutationResult } from './support/mutate.js'
import { cardEdits, commitMessage, newRetirement, retirementFileEdit } from './support/retiredRecord.js'

export interface RemoveModelOptions extends RepoOptions, MutationOptions {
  model: string
  /** Why, recorded in registry/retired.yaml and told to whoever asks for the model later. */
  reason?: string
}

export interface RemoveModelResult extends MutationResult, ModelRemoval {}

interface ModelRemoval {
  model: string
  /** The entry appended to registry/retired.yaml. */
  retirement: RetiredEntryYaml
  /** The aliases the manifest had (removed with it: only with --force). */
  aliases: string[]
  /** The alias refs that go with it: all of `refs/aliases/<model>/` (they go with the commit on the registry branch, else at `gmr sync`). */
  deletedRefs: string[]
}

/**
 * Remove a registered model: its manifest (and card) leave the registry,
 * registry/retired.yaml records who, when and why, and on the registry branch its alias
 * refs go with the commit. The artifact versions it linked stay. Refused while an alias
 * names one of its versions, unless `force`.
 */
export async function removeModel(options: RemoveModelOptions): Promise<RemoveModelResult> {
  const ctx = await openRegistryContext(options)
  return mutateRegistry(ctx, options, (store) => planModelRemoval(ctx, store, options))
}

async function planModelRemoval(ctx: RegistryContext, store: ManifestStore, options: RemoveModelOptions): Promise<MutationPlan<ModelRemoval>> {
  const { model } = options
  const current = await store.read('model', model)
  if (!current) throw await missingModel(ctx.repo, model)
  const aliases = Object.keys(current.data.aliases ?? {}).sort()
  if (aliases.length > 0 && !options.force) {
    throw new NameInUseError(
      `cannot remove ${model}: alias ${aliases.join(', ')} still names one of its versions, and deployments may follow it; remove ${aliases.length === 1 ? 'it' : 'them'} first (gmr alias rm ${model} ${aliases[0]}) or use --force`,
      { name: model, aliases },
    )
  }
  const retirement = await newRetirement(ctx, { kind: 'model', name: model, ...(options.reason !== undefined && { reason: options.reason }) })
  return {
    edits: [{ kind: 'model', name: model, before: current.data, after: null }],
    files: [await retirementFileEdit(ctx.repo, retirement), ...(await cardEdits(ctx.repo, model, null))],
    message: commitMessage(`remove model ${model}`, options.reason),
    result: { model, retirement, aliases, deletedRefs: [...(await currentAliasRefs(ctx.repo, model)).keys()] },
  }
}
