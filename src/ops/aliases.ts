import { UnknownVersionError } from '../domain/errors.js'
import { aliasRef, type NameKind } from '../domain/layout.js'
import type { ManifestYaml } from '../domain/manifests.js'
import { assertAlias, assertName } from '../domain/names.js'
import { parseSelector } from '../domain/reference.js'
import type { Repo } from '../git/repo.js'
import { currentAliasRefs } from './aliasRefs.js'
import { kindOfName, unknownName } from './catalog.js'
import { openRegistryContext, type RepoOptions } from './context.js'
import { ManifestStore } from './manifestStore.js'
import { mutateRegistry, type MutationOptions, type MutationResult } from './mutate.js'
import { resolveReference } from './resolve.js'

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
  const manifests = await import('../domain/manifests.js')
  let version = -1
  let previous: number | null = null
  const result = await mutateRegistry(ctx, options, async (store) => {
    const { kind, data } = await manifestForAliases(ctx.repo, store, options.name)
    version = (await resolveReference(ctx.repo, { name: options.name, selector }, store)).version
    previous = data.aliases?.[options.alias] ?? null
    const moved = previous !== null && previous !== version ? ` (was v${previous})` : ''
    return {
      edits: [{ kind, name: options.name, before: data, after: manifests.setAlias(data, options.alias, version) }],
      message: `gmr: alias ${options.alias} of ${options.name} -> v${version}${moved}`,
    }
  })
  return { ...result, name: options.name, alias: options.alias, version, previous }
}

export interface RemoveAliasOptions extends RepoOptions, MutationOptions {
  name: string
  alias: string
}

export interface RemoveAliasResult extends MutationResult {
  name: string
  alias: string
  previous: number
}

export async function removeAlias(options: RemoveAliasOptions): Promise<RemoveAliasResult> {
  assertName(options.name)
  assertAlias(options.alias)
  const ctx = await openRegistryContext(options)
  const manifests = await import('../domain/manifests.js')
  let previous = -1
  const result = await mutateRegistry(ctx, options, async (store) => {
    const { kind, data } = await manifestForAliases(ctx.repo, store, options.name)
    const after = manifests.removeAlias(data, options.alias)
    previous = data.aliases![options.alias]!
    return {
      edits: [{ kind, name: options.name, before: data, after }],
      message: `gmr: remove alias ${options.alias} of ${options.name} (was v${previous})`,
    }
  })
  return { ...result, name: options.name, alias: options.alias, previous }
}

/** The manifest that holds a name's aliases; an artifact without one gets a new one. */
async function manifestForAliases(
  repo: Repo,
  store: ManifestStore,
  name: string,
): Promise<{ kind: NameKind; data: ManifestYaml }> {
  const kind = await kindOfName(repo, name)
  if (kind === null) throw await unknownName(repo, name)
  const record = await store.read(kind, name)
  if (record) return { kind, data: record.data }
  const { newArtifactManifest } = await import('../domain/manifests.js')
  return { kind, data: newArtifactManifest(name) }
}

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
