import { InvalidInputError, UnknownNameError } from '../domain/errors.js'
import type { ModelLinkYaml } from '../domain/manifests.js'
import { assertAlias, assertName } from '../domain/names.js'
import { formatReference, parseReference } from '../domain/reference.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { mutateRegistry, type MutationOptions, type MutationResult } from './support/mutate.js'
import { resolveReference } from './support/resolveReference.js'
import { addLink, setAlias } from '../domain/manifests.js'

export interface LinkModelOptions extends RepoOptions, MutationOptions {
  /** The artifact version to link, e.g. `churn:v3` or `churn:latest`. */
  artifactRef: string
  model: string
  /** Aliases to point at the link (moved there if another link held them). */
  aliases?: readonly string[]
}

export interface LinkModelResult extends MutationResult {
  model: string
  link: ModelLinkYaml
  /** True when this commit was linked already: the existing link is returned. */
  existed: boolean
}

/** Bookmark an artifact version in a registered model as its next link (v0, v1, …). */
export async function linkModel(options: LinkModelOptions): Promise<LinkModelResult> {
  assertName(options.model, 'model name')
  for (const alias of options.aliases ?? []) assertAlias(alias)
  const reference = parseReference(options.artifactRef)
  const ctx = await openRegistryContext(options)
  const aliasText = (options.aliases ?? []).length > 0 ? ` (alias ${(options.aliases ?? []).join(', ')})` : ''
  return mutateRegistry(ctx, options, async (store) => {
    const target = await resolveReference(ctx.repo, reference, store)
    if (target.kind !== 'artifact') {
      throw new InvalidInputError(
        `${formatReference(reference)} is a registered model; link an artifact version (e.g. ${target.artifact}:v${target.artifactVersion})`,
      )
    }
    const current = await store.read('model', options.model)
    if (!current) {
      throw new UnknownNameError(
        `no registered model named "${options.model}"; create it with "gmr model create ${options.model}"`,
        { name: options.model },
      )
    }
    const linkedAt = ctx.now().toISOString().replace(/\.\d{3}Z$/, 'Z')
    const added = addLink(current.data, { artifact: target.artifact, artifactVersion: target.artifactVersion, commit: target.commit }, linkedAt)
    let after = added.model
    for (const alias of options.aliases ?? []) after = setAlias(after, alias, added.link.version)
    const { link } = added
    return {
      edits: [{ kind: 'model', name: options.model, before: current.data, after }],
      message: `gmr: link ${options.model} v${link.version} -> ${link.artifact}:v${link.artifactVersion}${aliasText}`,
      result: { model: options.model, link, existed: added.existed },
    }
  })
}
