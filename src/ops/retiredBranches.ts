import { readRef, deleteRef, updateRef } from '../git/refs.js'
import type { GitDir } from '../git/repo.js'

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
