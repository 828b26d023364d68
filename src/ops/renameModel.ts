import { NameTakenError } from '../domain/errors.js'
import { aliasRef } from '../domain/layout.js'
import { assertName } from '../domain/names.js'
import type { RetiredEntryYaml } from '../domain/retired.js'
import { assertNameFree, missingModel } from './support/catalog.js'
import { openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import type { ManifestStore } from './support/manifestStore.js'
import { mutateRegistry, type MutationOptions, type MutationPlan, type MutationResult } from './support/mutate.js'
import { cardEdits, commitMessage, newRetirement, retirementFileEdit } from './support/retiredRecord.js'

export interface RenameModelOptions extends RepoOptions, MutationOptions {
  from: string
  to: string
  reason?: string
}

export interface RenameModelResult extends MutationResult, ModelRename {}

interface ModelRename {
  from: string
  to: string
  retirement: RetiredEntryYaml
  /** Alias refs `refs/aliases/<from>/<alias>` → `refs/aliases/<to>/<alias>`. */
  movedRefs: Array<{ from: string; to: string }>
}

/**
 * Rename a registered model: `registry/models/<from>.yaml` becomes `<to>.yaml` (its
 * `name` field too, and its card), registry/retired.yaml records that `<from>` continues
 * as `<to>`, and on the registry branch the alias refs move with the commit. A protected
 * alias moves only with `force` there, as everywhere.
 */
export async function renameModel(options: RenameModelOptions): Promise<RenameModelResult> {
  assertName(options.to, 'model name')
  const ctx = await openRegistryContext(options)
  return mutateRegistry(ctx, options, (store) => planRename(ctx, store, options))
}

async function planRename(ctx: RegistryContext, store: ManifestStore, options: RenameModelOptions): Promise<MutationPlan<ModelRename>> {
  const { from, to } = options
  const current = await store.read('model', from)
  if (!current) throw await missingModel(ctx.repo, from)
  await assertNameFree(ctx.repo, to, 'model')
  if (await store.read('model', to)) throw new NameTakenError(`registered model "${to}" already exists; pick another name`, { name: to })
  const retirement = await newRetirement(ctx, { kind: 'model', name: from, renamedTo: to, ...(options.reason !== undefined && { reason: options.reason }) })
  const movedRefs = Object.keys(current.data.aliases ?? {}).sort().map((alias) => ({ from: aliasRef(from, alias), to: aliasRef(to, alias) }))
  return {
    edits: [
      { kind: 'model', name: from, before: current.data, after: null },
      { kind: 'model', name: to, before: null, after: { ...current.data, name: to } },
    ],
    files: [await retirementFileEdit(ctx.repo, retirement), ...(await cardEdits(ctx.repo, from, to))],
    message: commitMessage(`rename model ${from} to ${to}`, options.reason),
    result: { from, to, retirement, movedRefs },
  }
}
