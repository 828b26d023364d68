import { aliasRef } from '../domain/layout.js'
import type { ModelLinkYaml } from '../domain/manifests.js'
import { aliasesOn } from '../domain/manifests.js'
import type { Repo } from '../git/repo.js'
import { currentAliasRefs } from './aliasRefs.js'
import { ManifestStore, type ModelView, modelView } from './manifestStore.js'

/** A registered model as `gmr show <model>` describes it. */
export interface ModelDescription extends Omit<ModelView, 'versions'> {
  links: Array<ModelLinkYaml & { aliases: string[] }>
  /** Alias → the commit its ref points at now (null: no ref yet, e.g. a proposal off the registry branch). */
  refs: Record<string, string | null>
}

export async function describeModel(repo: Repo, name: string): Promise<ModelDescription | null> {
  const record = await new ManifestStore(repo).read('model', name)
  if (!record) return null
  const { versions, ...rest } = modelView(record.data)
  const refs = await currentAliasRefs(repo, name)
  return {
    ...rest,
    links: versions.map((link) => ({ ...link, aliases: aliasesOn(record.data, link.version) })),
    refs: Object.fromEntries(Object.keys(rest.aliases).map((alias) => [alias, refs.get(aliasRef(name, alias)) ?? null])),
  }
}
