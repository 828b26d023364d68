import { UnknownVersionError } from '../domain/errors.js'
import { aliasRef } from '../domain/layout.js'
import { assertName } from '../domain/names.js'
import { currentAliasRefs } from './support/aliasRefs.js'
import { manifestForAliases } from './support/aliasManifest.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { ManifestStore } from './support/manifestStore.js'
import { resolveReference } from './support/resolveReference.js'

export interface ListAliasesOptions extends RepoOptions {
  name: string
}

/** One alias: what the manifest says, and where its ref points now. */
export interface AliasInfo {
  alias: string
  version: number
  commit: string | null
  /** The commit `refs/aliases/<name>/<alias>` points at (null: no ref). */
  ref: string | null
  /** The ref agrees with the manifest. */
  inSync: boolean
}

/** A name's aliases, each with the version its manifest names and where its ref points. */
export async function listAliases(options: ListAliasesOptions): Promise<AliasInfo[]> {
  assertName(options.name)
  const ctx = await openRegistryContext(options)
  const store = new ManifestStore(ctx.repo)
  const { data } = await manifestForAliases(ctx.repo, store, options.name)
  const refs = await currentAliasRefs(ctx.repo, options.name)
  const out: AliasInfo[] = []
  for (const [alias, version] of Object.entries(data.aliases ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    let commit: string | null = null
    try {
      commit = (await resolveReference(ctx.repo, { name: options.name, selector: { kind: 'number', number: version } }, store)).commit
    } catch (err) {
      if (!(err instanceof UnknownVersionError)) throw err
    }
    const ref = refs.get(aliasRef(options.name, alias)) ?? null
    out.push({ alias, version, commit, ref, inSync: ref !== null && ref === commit })
  }
  return out
}
