import { InvalidInputError } from '../domain/errors.js'
import type { GitDir } from './repo.js'
import { loadIsomorphicGit } from './lazyModules.js'

/**
 * The best common ancestor of two commits, as `git merge-base a b` finds it; null when
 * their histories never meet. A history cut short (a shallow clone) is an error that
 * says how to fetch the rest.
 */
export async function mergeBase(repo: GitDir, a: string, b: string, cache: object = {}): Promise<string | null> {
  if (a === b) return a
  const git = await loadIsomorphicGit()
  try {
    const bases = await git.findMergeBase({ fs: repo.fs.client as never, gitdir: repo.gitdir, oids: [a, b], cache })
    return (bases[0] as string | undefined) ?? null
  } catch (err) {
    if ((err as { code?: string }).code === 'NotFoundError') {
      throw new InvalidInputError(
        `cannot find where ${a.slice(0, 10)} and ${b.slice(0, 10)} meet: part of the history is missing (a shallow clone?); fetch all of it (git fetch --unshallow, or actions/checkout with fetch-depth: 0)`,
        { commits: [a, b] },
      )
    }
    throw err
  }
}
