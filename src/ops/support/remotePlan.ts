import { InvalidInputError } from '../../domain/errors.js'
import type { Env } from '../../git/config.js'
import { readGitOutput } from '../../git/gitBinary.js'
import { mergeBase } from '../../git/mergeBase.js'
import { hasObjects } from '../../git/objects.js'
import { readRef } from '../../git/refs.js'
import type { Repo } from '../../git/repo.js'
import { listRemoteRefs } from '../../remote/remoteGit.js'
import { fetchRefspecs, workspace, type RemoteInfo } from './remotes.js'

/**
 * What plans of remote commands (push, fetch, pull --dry-run) read: ancestry, the
 * versions one tip has that another lacks, and the refs a fetch would write. All of it
 * only reads, the derived version indexes included.
 */

/** A ref that would move here or there: from `old` (null: absent) to `new`. */
export interface PlannedRefChange {
  ref: string
  old: string | null
  new: string
}

/** Whether `ancestor` is in the history of `commit` (false when this clone does not have it). */
export async function contains(repo: Repo, commit: string, ancestor: string, cache: object = {}): Promise<boolean> {
  if (commit === ancestor) return true
  if (!(await hasCommit(repo, ancestor))) return false
  return (await mergeBase(repo, commit, ancestor, cache)) === ancestor
}

/** Whether this clone has the commit (a remote tip it has not fetched yet, it has not). */
export async function hasCommit(repo: Repo, oid: string): Promise<boolean> {
  return (await hasObjects(repo, [oid])).has(oid)
}

/**
 * How a local tip stands to a remote one (neither null, and not equal): ahead, behind or
 * diverged. A remote tip this clone has not fetched yet is judged from `tracked`, the
 * remote's tip as last fetched: behind when that holds the local tip, else diverged.
 */
export async function ancestry(repo: Repo, local: string, remote: string, tracked: string | null): Promise<'ahead' | 'behind' | 'diverged'> {
  if (await hasCommit(repo, remote)) {
    if (await contains(repo, remote, local)) return 'behind'
    return (await contains(repo, local, remote)) ? 'ahead' : 'diverged'
  }
  return tracked !== null && (await contains(repo, tracked, local)) ? 'behind' : 'diverged'
}

/**
 * The versions on the chain ending at `tip` that `other` (say the remote's tip) does not
 * hold, oldest first, numbered by their place in the chain. Asked of git, which only
 * reads: the derived version indexes stay as they are.
 */
export async function versionsNotIn(
  repo: Repo,
  env: Env,
  artifact: string,
  tip: string,
  other: string | null,
): Promise<Array<{ version: number; commit: string; tree: string }>> {
  const exclude = other === null ? [] : ['--not', other]
  // Without `other` the listing is the whole chain, numbered from 0: no count to ask git
  // for (a first push starts its uploads one git process sooner).
  const [listed, counted] = await Promise.all([
    readGitOutput(repo, { env }, ['log', '--first-parent', '--reverse', '--format=%H %T', tip, ...exclude, '--']),
    other === null ? undefined : readGitOutput(repo, { env }, ['rev-list', '--first-parent', '--count', tip, '--']),
  ])
  if (listed === null || counted === null) {
    throw new InvalidInputError(`cannot list the versions of ${artifact} with git (${tip.slice(0, 10)}); check that git is installed and "git fsck" finds nothing wrong`, { artifact, tip })
  }
  const lines = listed.toString('utf8').split('\n').filter(Boolean)
  const first = counted === undefined ? 0 : Number(counted.toString('utf8').trim()) - lines.length
  return lines.map((line, i) => {
    const [commit, tree] = line.split(' ')
    return { version: first + i, commit: commit!, tree: tree! }
  })
}

/**
 * The refs a fetch would write here, from the remote's listing (`git ls-remote`, nothing
 * fetched) mapped through gmr's refspecs, with the value each would take.
 */
export async function refsAfterFetch(repo: Repo, remote: RemoteInfo): Promise<Map<string, string>> {
  const listed = await listRemoteRefs(workspace(repo, remote.env), remote.name)
  const out = new Map<string, string>()
  for (const spec of fetchRefspecs(remote.name)) {
    const [src, dst] = spec.replace(/^\+/, '').split(':') as [string, string]
    const [from, to] = [src.slice(0, -1), dst.slice(0, -1)]
    for (const [ref, oid] of listed) if (ref.startsWith(from)) out.set(`${to}${ref.slice(from.length)}`, oid)
  }
  return out
}

/** The refs of `after` whose value differs from what this clone holds now. */
export async function movesTo(repo: Repo, after: ReadonlyMap<string, string>): Promise<PlannedRefChange[]> {
  const moves: PlannedRefChange[] = []
  for (const [ref, oid] of after) {
    const old = await readRef(repo, ref)
    if (old !== oid) moves.push({ ref, old, new: oid })
  }
  return moves
}
