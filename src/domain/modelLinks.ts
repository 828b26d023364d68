import { UnknownVersionError } from './errors.js'
import type { ModelLinkYaml, ModelYaml } from './generated/validators.js'
import type { Selector } from './reference.js'

export function findLink(model: ModelYaml, version: number): ModelLinkYaml {
  const link = (model.versions ?? []).find((l) => l.version === version)
  if (!link) {
    const numbers = (model.versions ?? []).map((l) => `v${l.version}`)
    throw new UnknownVersionError(
      `${model.name} has no link v${version}; ${numbers.length === 0 ? 'it has no links yet: link one with "gmr link <artifact>:<version> ' + model.name + '"' : `links: ${numbers.join(', ')}`}`,
      { name: model.name, version, known: numbers },
    )
  }
  return link
}

/** The link a selector names in a registered model: vK, latest (highest number) or an alias. */
export function selectLink(model: ModelYaml, selector: Selector): ModelLinkYaml {
  const links = model.versions ?? []
  if (selector.kind === 'number') return findLink(model, selector.number)
  if (selector.kind === 'latest') {
    const latest = links.reduce<ModelLinkYaml | undefined>((best, l) => (!best || l.version > best.version ? l : best), undefined)
    if (!latest) {
      throw new UnknownVersionError(
        `${model.name} has no links yet: link a version with "gmr link <artifact>:<version> ${model.name}"`,
        { name: model.name },
      )
    }
    return latest
  }
  const version = (model.aliases ?? {})[selector.alias]
  if (version === undefined) {
    const known = Object.keys(model.aliases ?? {}).sort()
    throw new UnknownVersionError(
      `${model.name} has no alias "${selector.alias}"; ${known.length === 0 ? 'it has no aliases yet' : `aliases: ${known.join(', ')}`}`,
      { name: model.name, alias: selector.alias, known },
    )
  }
  return findLink(model, version)
}
