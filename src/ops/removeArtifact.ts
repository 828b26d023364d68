import { retiredNameError } from './support/retiredLookup.js'
import { NameInUseError } from '../domain/errors.js'
import { artifactRef, retiredArtifactRef } from '../domain/layout.js'
import type { RetiredEntryYaml } from '../domain/retired.js'
import { readRef } from '../git/refs.js'
import { currentAliasRefs } from './support/aliasRefs.js'
import { unknownName } from './support/catalog.js'
import { openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import type { ManifestStore } from './support/manifestStore.js'
import { mutateRegistry, type MutationOptions, type MutationPlan, type MutationResult } from './support/mutate.js'
import { commitMessage, newRetirement, retirementFileEdit } from './support/retiredRecord.js'
import type { RefMove } from './support/retiredBranches.js'
import type { ModelYaml } from '../domain/manifests.js'

export interface RemoveArtifactOptions extends RepoOptions, MutationOptions {
  artifact: string
  reason?: string
}

export interface RemoveArtifactResult extends MutationResult, ArtifactRemoval {}

interface ArtifactRemoval {
  artifact: string
  retirement: RetiredEntryYaml
  aliases: string[]
  deletedRefs: string[]
  /** The branch and where its versions are kept; null when nothing was logged. */
  branch: RefMove | null
}

/**
 * Remove an artifact: its manifest leaves the registry, registry/retired.yaml records it,
 * and on the registry branch its branch `artifacts/<artifact>` moves to
 * `refs/gmr/retired/artifacts/<artifact>/<tip>` with the commit (elsewhere at the next
 * `gmr sync` after the merge), so every version stays reachable. Refused while an alias
 * names one of its versions (unless `force`), and always while a registered model links
 * one: the link would point at a version that is no longer there.
 */
export async function removeArtifact(options: RemoveArtifactOptions): Promise<RemoveArtifactResult> {
  const ctx = await openRegistryContext(options)
  return mutateRegistry(ctx, options, (store) => planArtifactRemoval(ctx, store, options))
}

async function planArtifactRemoval(ctx: RegistryContext, store: ManifestStore, options: RemoveArtifactOptions): Promise<MutationPlan<ArtifactRemoval>> {
  const { artifact } = options
  const { repo } = ctx
  const current = await store.read('artifact', artifact)
  const tip = await readRef(repo, artifactRef(artifact))
  if (!current && tip === null) throw (await retiredNameError(repo, artifact)) ?? (await unknownName(repo, artifact))
  const aliases = Object.keys(current?.data.aliases ?? {}).sort()
  if (aliases.length > 0 && !options.force) {
    throw new NameInUseError(
      `cannot remove ${artifact}: alias ${aliases.join(', ')} still names one of its versions, and deployments may follow it; remove ${aliases.length === 1 ? 'it' : 'them'} first (gmr alias rm ${artifact} ${aliases[0]}) or use --force`,
      { name: artifact, aliases },
    )
  }
  const links = (await store.list('model')).flatMap((model) =>
    ((model.data as ModelYaml).versions ?? []).filter((link) => link.artifact === artifact).map((link) => `${model.name}:v${link.version}`),
  )
  if (links.length > 0) {
    throw new NameInUseError(
      `cannot remove ${artifact}: ${links.join(', ')} ${links.length === 1 ? 'links' : 'link'} its versions; unlink first (gmr unlink ${links[0]}) or remove the model (gmr model rm); --force does not override a link`,
      { name: artifact, links },
    )
  }
  const branch = tip === null ? null : { from: artifactRef(artifact), to: retiredArtifactRef(artifact, tip), oid: tip }
  const retirement = await newRetirement(ctx, {
    kind: 'artifact',
    name: artifact,
    ...(options.reason !== undefined && { reason: options.reason }),
    ...(branch !== null && { branch: branch.to, tip: branch.oid }),
  })
  return {
    edits: current ? [{ kind: 'artifact', name: artifact, before: current.data, after: null }] : [],
    files: [await retirementFileEdit(repo, retirement)],
    ...(branch !== null && { refMoves: [branch] }),
    message: commitMessage(`remove artifact ${artifact}`, options.reason),
    result: { artifact, retirement, aliases, deletedRefs: [...(await currentAliasRefs(repo, artifact)).keys()], branch },
  }
}
