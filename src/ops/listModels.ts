import { manifestDir } from '../domain/layout.js'
import type { ModelYaml } from '../domain/manifests.js'
import { DerivedCache } from '../git/manifestCache.js'
import { hashObject } from '../git/objects.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { ManifestStore, modelView } from './support/manifestStore.js'

export interface ListModelsOptions extends RepoOptions {
  /** Only models that have every one of these tags. */
  tags?: readonly string[]
  /** Only models whose name or description contains this text (case-insensitive). */
  query?: string
}

export interface ModelSummary {
  name: string
  description: string
  tags: string[]
  /** Number of links. */
  links: number
  latest: number | null
  aliases: Record<string, number>
}

/**
 * Every registered model in the work tree, summarised. A summary is kept by the blob id
 * of its manifest (`models.json` beside the manifest cache), so listing a thousand
 * models reads their files and one small cache, not a thousand manifests' links.
 */
export async function listModels(options: ListModelsOptions): Promise<ModelSummary[]> {
  const { repo } = await openRegistryContext(options)
  const query = options.query?.toLowerCase()
  const wanted = options.tags ?? []
  const store = new ManifestStore(repo)
  const summaries = await DerivedCache.open<ModelSummary>(repo, 'models')
  const dir = `${repo.dir}/${manifestDir('model')}`
  const out: ModelSummary[] = []
  for (const file of ((await repo.fs.readdir(dir)) ?? []).filter((n) => n.endsWith('.yaml'))) {
    const text = await repo.fs.read(`${dir}/${file}`)
    if (text === null) continue
    const oid = hashObject('blob', text)
    let model = summaries.get(oid)
    if (model === undefined) {
      const record = await store.read('model', file.slice(0, -'.yaml'.length))
      if (record === null) continue
      model = summarise(record.data)
      summaries.set(oid, model)
    }
    if (!wanted.every((tag) => model.tags.includes(tag))) continue
    if (query && !`${model.name}\n${model.description}`.toLowerCase().includes(query)) continue
    out.push(model)
  }
  await summaries.save()
  return out
}

function summarise(data: ModelYaml): ModelSummary {
  const model = modelView(data)
  return {
    name: model.name,
    description: model.description,
    tags: model.tags,
    links: model.versions.length,
    latest: model.versions.length === 0 ? null : Math.max(...model.versions.map((l) => l.version)),
    aliases: model.aliases,
  }
}
