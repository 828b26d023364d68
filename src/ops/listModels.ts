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

export async function listModels(options: ListModelsOptions): Promise<ModelSummary[]> {
  const { repo } = await openRegistryContext(options)
  const query = options.query?.toLowerCase()
  const wanted = options.tags ?? []
  const out: ModelSummary[] = []
  for (const record of await new ManifestStore(repo).list('model')) {
    const model = modelView(record.data)
    if (!wanted.every((tag) => model.tags.includes(tag))) continue
    if (query && !`${model.name}\n${model.description}`.toLowerCase().includes(query)) continue
    out.push({
      name: model.name,
      description: model.description,
      tags: model.tags,
      links: model.versions.length,
      latest: model.versions.length === 0 ? null : Math.max(...model.versions.map((l) => l.version)),
      aliases: model.aliases,
    })
  }
  return out
}
