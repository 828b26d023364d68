import type { AliasRefChange } from '../domain/aliasSync.js'
import { planAliasSync } from '../domain/aliasSync.js'
import { UnsupportedStateError } from '../domain/errors.js'
import { formatIdentity } from '../git/commit.js'
import { readRef } from '../git/refs.js'
import { commitSigner } from '../git/signing.js'
import { currentAliasRefs, desiredAliasRefs, journaledAliasMoves, planAliasMoves, type DanglingAlias } from './support/aliasRefs.js'
import { commitIdentities, openRegistryContext, withRegistryLock, type RepoOptions } from './support/context.js'
import { moveRefOnce, retiredBranchMoves, type RefMove } from './support/retiredBranches.js'
import { loadSoundRegistryAt } from './support/soundState.js'
import { assertTrusted, type RequiredSignature } from './support/commitTrust.js'

export interface SyncOptions extends RepoOptions {
  /** Only say what would change. */
  dryRun?: boolean
}

export interface SyncResult {
  registryBranch: string
  /** The registry branch commit whose manifests the refs now follow. */
  commit: string
  changes: AliasRefChange[]
  /** Branches of artifacts registry/retired.yaml records as removed, moved to where their versions are kept. */
  retiredBranches: RefMove[]
  /** Aliases the manifests declare that name no version (no ref is made for them). */
  dangling: DanglingAlias[]
  dryRun: boolean
}

/**
 * Move `refs/aliases/**` to match the manifests at the registry branch's tip: create,
 * move and delete, each a compare-and-swap, under the registry lock. This is what CI
 * runs on the registry branch after a pull request is merged.
 */
export async function sync(options: SyncOptions): Promise<SyncResult> {
  const ctx = await openRegistryContext(options)
  const { repo } = ctx
  const { registryBranch } = await ctx.config()
  const run = async (): Promise<SyncResult> => {
    const tip = await readRef(repo, `refs/heads/${registryBranch}`)
    if (tip === null) {
      throw new UnsupportedStateError(`the registry branch ${registryBranch} does not exist here; fetch it first`, {
        registryBranch,
      })
    }
    // Refs follow these manifests: a link to a missing commit or an alias naming no version refuses the whole sync.
    const registry = await loadSoundRegistryAt(repo, tip, registryBranch)
    const dangling: DanglingAlias[] = []
    const desired = new Map<string, string>()
    for (const manifest of registry.manifests) {
      const record = { kind: manifest.kind, name: manifest.name, data: manifest.data! }
      for (const [ref, commit] of await desiredAliasRefs(repo, record, dangling)) desired.set(ref, commit)
    }
    const changes = planAliasSync(desired, await currentAliasRefs(repo))
    if ((await ctx.config()).requireSignatures) await assertTrusted(repo, ctx.env, movesToTrust(changes, tip))
    if (!options.dryRun && changes.length > 0) {
      const [{ committer }, signer] = await Promise.all([commitIdentities(ctx), commitSigner(repo, ctx.env, options.sign)])
      const reflog = { message: `gmr sync: ${registryBranch} ${tip.slice(0, 10)}`, identity: formatIdentity(committer) }
      const manifests = registry.manifests.map((m) => ({ kind: m.kind, name: m.name, data: m.data! }))
      const moves = await planAliasMoves(repo, changes, manifests, tip, { committer, signer }, reflog)
      if (moves !== null) await journaledAliasMoves(repo, moves)
    }
    const retiredBranches = await retiredBranchMoves(repo, registry)
    if (!options.dryRun) for (const move of retiredBranches) await moveRefOnce(repo, move)
    return { registryBranch, commit: tip, changes, retiredBranches, dangling, dryRun: options.dryRun ?? false }
  }
  // A dry run waits for the lock too, so that what it reports is a state no edit is half-way through.
  return withRegistryLock(ctx, run, { workTree: false })
}

/** Under requireSignatures: the registry commit the refs follow, and every version a ref moves to. */
function movesToTrust(changes: readonly AliasRefChange[], tip: string): RequiredSignature[] {
  const versions = changes.flatMap((c) => (c.action === 'delete' ? [] : [{ commit: c.to, what: `version commit for ${c.ref}` }]))
  return changes.length === 0 ? [] : [{ commit: tip, what: 'registry commit the alias refs would follow' }, ...versions]
}
