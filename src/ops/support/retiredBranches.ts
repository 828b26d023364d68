import { artifactRef } from '../../domain/layout.js'
import type { RegistrySnapshot } from '../../domain/registrySnapshot.js'
import { deleteRef, readRef, updateRef } from '../../git/refs.js'
import type { GitDir } from '../../git/repo.js'

/** A ref that moves to a new name, keeping its value: `from` is deleted once `to` holds `oid`. */
export interface RefMove {
  from: string
  to: string
  oid: string
}

/**
 * Make `to` hold `oid`, then delete `from` if it still holds `oid`; each step skipped
 * when done, so a killed edit finishes it when replayed. `to` is written first, so the
 * commits stay reachable at every moment. A `from` that moved on since (someone logged
 * to the branch again) is left as it is.
 */
export async function moveRefOnce(repo: GitDir, move: RefMove): Promise<void> {
  const kept = await readRef(repo, move.to)
  if (kept !== move.oid) await updateRef(repo, move.to, move.oid, kept)
  if ((await readRef(repo, move.from)) === move.oid) await deleteRef(repo, move.from, move.oid)
}

/**
 * The artifact branches `registry` (the registry branch's state) records as removed but
 * that are still here: a removal proposed on another branch and merged, or made with
 * --no-commit. Each moves only while it still is at the tip the record names, and only
 * while no manifest of that name came back since.
 */
export async function retiredBranchMoves(repo: GitDir, registry: RegistrySnapshot): Promise<RefMove[]> {
  const moves: RefMove[] = []
  const entries = registry.retired?.data?.retired ?? []
  for (const [i, entry] of entries.entries()) {
    if (entry.kind !== 'artifact' || entry.branch === undefined || entry.tip === undefined) continue
    if (entries.slice(i + 1).some((later) => later.kind === 'artifact' && later.name === entry.name)) continue
    if (registry.manifests.some((m) => m.kind === 'artifact' && m.name === entry.name)) continue
    if ((await readRef(repo, artifactRef(entry.name))) === entry.tip) moves.push({ from: artifactRef(entry.name), to: entry.branch, oid: entry.tip })
  }
  return moves
}
