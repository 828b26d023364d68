import { assertAlias, assertName } from '../domain/names.js'
import { parseSelector } from '../domain/reference.js'
import { manifestForAliases } from './support/aliasManifest.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { mutateRegistry, type MutationOptions, type MutationResult } from './support/mutate.js'
import { resolveReference } from './support/resolveReference.js'
import * as manifests from '../domain/manifests.js'

export interface SetAliasOptions extends RepoOptions, MutationOptions {
  /** A registered model or an artifact (one namespace). */
  name: string
  alias: string
  /** Which version: `v<N>` (also `latest` or another alias). */
  version: string
}

export interface SetAliasResult extends MutationResult {
  name: string
  alias: string
  version: number
  /** Where the alias was before, when it moved. */
  previous: number | null
}

/** Point an alias at a version; an alias names exactly one version, so it moves if held. */
export async function setAlias(options: SetAliasOptions): Promise<SetAliasResult> {
  assertName(options.name)
  assertAlias(options.alias)
  const selector = parseSelector(options.version, `${options.name}:${options.version}`)
  const ctx = await openRegistryContext(options)
  return mutateRegistry(ctx, options, async (store) => {
    const { kind, data } = await manifestForAliases(ctx.repo, store, options.name)
    const { version } = await resolveReference(ctx.repo, { name: options.name, selector }, store)
    const previous = data.aliases?.[options.alias] ?? null
    const moved = previous !== null && previous !== version ? ` (was v${previous})` : ''
    return {
      edits: [{ kind, name: options.name, before: data, after: manifests.setAlias(data, options.alias, version) }],
      message: `gmr: alias ${options.alias} of ${options.name} -> v${version}${moved}`,
      result: { name: options.name, alias: options.alias, version, previous },
    }
  })
}
