import { assertAlias, assertName } from '../domain/names.js'
import { manifestForAliases } from './support/aliasManifest.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { mutateRegistry, type MutationOptions, type MutationResult } from './support/mutate.js'
import * as manifests from '../domain/manifests.js'

export interface RemoveAliasOptions extends RepoOptions, MutationOptions {
  name: string
  alias: string
}

export interface RemoveAliasResult extends MutationResult {
  name: string
  alias: string
  previous: number
}

/** Remove an alias from a name's manifest (and, on the registry branch, its ref). */
export async function removeAlias(options: RemoveAliasOptions): Promise<RemoveAliasResult> {
  assertName(options.name)
  assertAlias(options.alias)
  const ctx = await openRegistryContext(options)
  return mutateRegistry(ctx, options, async (store) => {
    const { kind, data } = await manifestForAliases(ctx.repo, store, options.name)
    const after = manifests.removeAlias(data, options.alias)
    const previous = data.aliases![options.alias]!
    return {
      edits: [{ kind, name: options.name, before: data, after }],
      message: `gmr: remove alias ${options.alias} of ${options.name} (was v${previous})`,
      result: { name: options.name, alias: options.alias, previous },
    }
  })
}
