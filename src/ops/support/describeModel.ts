import { aliasRef } from '../../domain/layout.js'
import type { ModelLinkYaml, ModelYaml } from '../../domain/manifests.js'
import { aliasesOn } from '../../domain/manifests.js'
import type { Repo } from '../../git/repo.js'
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
  return describeRecord(record.data, await currentAliasRefs(repo, name))
}

/** Every registered model in the work tree, described as `describeModel` does; the alias refs are listed once. */
export async function describeModels(repo: Repo): Promise<ModelDescription[]> {
  const refs = await currentAliasRefs(repo)
  return (await new ManifestStore(repo).list('model')).map((record) => describeRecord(record.data as ModelYaml, refs))
}

function describeRecord(data: ModelYaml, refs: ReadonlyMap<string, string>): ModelDescription {
  const { versions, ...rest } = modelView(data)
  return {
    ...rest,
    links: versions.map((link) => ({ ...link, aliases: aliasesOn(data, link.version) })),
    refs: Object.fromEntries(Object.keys(rest.aliases).map((alias) => [alias, refs.get(aliasRef(data.name, alias)) ?? null])),
  }
}
