import { isObjectId, OID_HEX } from '../domain/objectId.js'
import { InvalidInputError, MissingObjectError } from '../domain/errors.js'
import { decodeCommit } from './commit.js'
import { readObject, type ReadObjectResult } from './objects.js'
import { isValidRefName, readRef } from './refs.js'
import type { GitDir } from './repo.js'
import { loadIsomorphicGit } from './lazyModules.js'

/** A revision pinned to a commit, and the full ref it was named by (null for an object id). */
export interface ResolvedRevision {
  commit: string
  ref: string | null
}

/**
 * What `git rev-parse <rev>^{commit}` answers, for the forms a registry review uses:
 * `HEAD`, a branch, tag or remote-tracking branch (`main`, `v1`, `origin/main`, found in
 * git's order), a full ref, a full or abbreviated commit id, `FETCH_HEAD`/`ORIG_HEAD`,
 * each followed by any number of `~N`, `^N` and `^{commit}`. Annotated tags are peeled.
 * Reflog forms (`@{…}`) and paths (`:file`) are refused with a message that says so.
 */
export async function resolveRevision(repo: GitDir, rev: string, cache: object = {}): Promise<ResolvedRevision> {
  if (rev.includes('@{') || rev.includes(':') || rev.trim() !== rev || rev === '') {
    throw new InvalidInputError(
      `revision "${rev}" is not one gmr reads: use a branch, tag, remote-tracking branch or commit id, optionally followed by ~N or ^N (e.g. origin/main, HEAD~1)`,
      { rev },
    )
  }
  const suffixAt = rev.search(/[~^]/)
  const name = suffixAt < 0 ? rev : rev.slice(0, suffixAt)
  const suffix = suffixAt < 0 ? '' : rev.slice(suffixAt)
  const start = await resolveName(repo, name === '@' ? 'HEAD' : name, cache)
  if (start === null) {
    throw new InvalidInputError(
      `unknown revision "${rev}": no branch, tag, remote-tracking branch or commit is called "${name}" here; check the spelling or fetch it (git fetch origin)`,
      { rev },
    )
  }
  let oid = await peelToCommit(repo, start.oid, rev, cache)
  for (const step of parseSuffix(suffix, rev)) {
    if (step.kind === 'peel' || step.n === 0) continue
    // ~N follows first parents N times; ^N takes the N-th parent once.
    const [times, index] = step.kind === 'first-parents' ? [step.n, 0] : [1, step.n - 1]
    for (let i = 0; i < times; i++) {
      const parent = decodeCommit((await readCommit(repo, oid, rev, cache)).content).parents[index]
      if (parent === undefined) throw noSuchAncestor(rev, oid)
      oid = parent
    }
  }
  return { commit: oid, ref: suffix === '' ? start.ref : null }
}

type Step = { kind: 'first-parents'; n: number } | { kind: 'nth-parent'; n: number } | { kind: 'peel' }

function parseSuffix(suffix: string, rev: string): Step[] {
  const steps: Step[] = []
  const pattern = /~(\d*)|\^\{(commit)?\}|\^(\d*)/y
  let at = 0
  while (at < suffix.length) {
    pattern.lastIndex = at
    const match = pattern.exec(suffix)
    if (!match) {
      throw new InvalidInputError(`revision "${rev}": cannot read "${suffix.slice(at)}"; gmr understands ~N, ^N and ^{commit}`, { rev })
    }
    at = pattern.lastIndex
    if (match[0].startsWith('~')) steps.push({ kind: 'first-parents', n: match[1] === '' ? 1 : Number(match[1]) })
    else if (match[0].startsWith('^{')) steps.push({ kind: 'peel' })
    else steps.push({ kind: 'nth-parent', n: match[3] === '' ? 1 : Number(match[3]) })
  }
  return steps
}

/** git's order for a short name (git-rev-parse(1), "SPECIFYING REVISIONS"), then an object id. */
async function resolveName(repo: GitDir, name: string, cache: object): Promise<{ oid: string; ref: string | null } | null> {
  if (/^[A-Z_]*HEAD$/.test(name) && name !== 'HEAD') {
    const text = await repo.fs.readText(`${repo.gitdir}/${name}`)
    const oid = text === null ? null : new RegExp(`^(${OID_HEX})`).exec(text)?.[1]
    return oid ? { oid, ref: null } : null
  }
  const candidates =
    name === 'HEAD'
      ? ['HEAD']
      : [name, `refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`, `refs/remotes/${name}`, `refs/remotes/${name}/HEAD`]
  for (const ref of candidates) {
    if (ref !== 'HEAD' && !(ref.startsWith('refs/') && isValidRefName(ref))) continue
    const oid = await readRef(repo, ref)
    if (oid !== null) return { oid, ref }
  }
  if (isObjectId(name)) return (await objectExists(repo, name, cache)) ? { oid: name, ref: null } : null
  if (/^[0-9a-f]{4,39}$/.test(name)) {
    const git = await loadIsomorphicGit()
    try {
      const oid = await git.expandOid({ fs: repo.fs.client as never, gitdir: repo.gitdir, oid: name, cache })
      return { oid, ref: null }
    } catch (err) {
      if ((err as { code?: string }).code === 'AmbiguousError') {
        throw new InvalidInputError(`commit id "${name}" is ambiguous here; give more of its digits`, { rev: name })
      }
      return null
    }
  }
  return null
}

async function objectExists(repo: GitDir, oid: string, cache: object): Promise<boolean> {
  try {
    await readObject(repo, oid, { cache })
    return true
  } catch (err) {
    if (err instanceof MissingObjectError) return false
    throw err
  }
}

async function peelToCommit(repo: GitDir, oid: string, rev: string, cache: object): Promise<string> {
  let current = oid
  for (let depth = 0; depth < 10; depth++) {
    const object = await readObject(repo, current, { cache })
    if (object.type === 'commit') return current
    if (object.type !== 'tag') break
    const target = new RegExp(`^object (${OID_HEX})$`, 'm').exec(object.content.toString('utf8'))?.[1]
    if (target === undefined) break
    current = target
  }
  throw new InvalidInputError(`revision "${rev}" does not name a commit`, { rev })
}

async function readCommit(repo: GitDir, oid: string, rev: string, cache: object): Promise<ReadObjectResult> {
  const object = await readObject(repo, oid, { cache })
  if (object.type !== 'commit') throw new InvalidInputError(`revision "${rev}" does not name a commit`, { rev })
  return object
}

function noSuchAncestor(rev: string, oid: string): InvalidInputError {
  return new InvalidInputError(`revision "${rev}" goes past the first commit of its history (${oid.slice(0, 10)} has no such parent)`, { rev })
}
