import { RetiredNameError } from '../../domain/errors.js'
import { manifestPath, RETIRED_FILE } from '../../domain/layout.js'
import type { RetiredYaml } from '../../domain/retired.js'
import { decodeCommit, type CommitData } from '../../git/commit.js'
import { readObject } from '../../git/objects.js'
import { readRef } from '../../git/refs.js'
import type { GitDir, Repo } from '../../git/repo.js'
import { entryAt, readTextAt } from '../../git/treePath.js'
import { loadRetiredParser } from './lazyModules.js'

/**
 * The read side of registry/retired.yaml: what a deployment asking for a retired name is
 * told (`<name> was retired on DATE by NAME in COMMIT: reason`), locally and from a
 * remote. Kept apart from the write side so that lookups load no mutation machinery.
 */

/**
 * The error for a name the work tree's `registry/retired.yaml` records as removed or
 * renamed, naming the commit that recorded it; null when it records nothing for it.
 */
export async function retiredNameError(repo: Repo, name: string): Promise<RetiredNameError | null> {
  let text: string | null
  try {
    text = await repo.fs.readText(`${repo.dir}/${RETIRED_FILE}`)
  } catch {
    return null // a damaged record is gmr check's to report; the caller's own error stands
  }
  const head = await readRef(repo, 'HEAD')
  return retirementError(text, name, async (index) => (head === null ? null : (await recordingCommit(repo, head, index)).commit))
}

/**
 * The same for a remote's registry branch, read from the download cache (`tip`, its tree
 * `tree`): the cache holds it one commit deep, so `deepen` fetches more history until the
 * recording commit is inside it (at most RECORD_SEARCH_DEPTHS).
 */
export async function remoteRetiredNameError(
  cache: GitDir,
  registry: { commit: string; tree: string },
  name: string,
  deepen: (depth: number) => Promise<string>,
): Promise<RetiredNameError | null> {
  // A name retired and then created again is not retired.
  for (const kind of ['model', 'artifact'] as const) if ((await readTextAt(cache, registry.tree, manifestPath(kind, name))) !== null) return null
  const text = await readTextAt(cache, registry.tree, RETIRED_FILE)
  return retirementError(text, name, async (index) => {
    let found = await recordingCommit(cache, registry.commit, index)
    for (const depth of RECORD_SEARCH_DEPTHS) {
      if (!found.truncated) break
      found = await recordingCommit(cache, await deepen(depth), index)
    }
    return found.commit
  })
}

/** How deep the cache's copy of a remote registry branch is fetched, in turn, to find a recording commit. */
const RECORD_SEARCH_DEPTHS = [64, 4096]

async function retirementError(
  text: string | null,
  name: string,
  commitOf: (index: number) => Promise<string | null>,
): Promise<RetiredNameError | null> {
  if (text === null) return null
  const { describeRetirement, findRetirement, parseRetired } = await loadRetiredParser()
  let record: RetiredYaml
  try {
    record = parseRetired(text).data
  } catch {
    return null
  }
  const entry = findRetirement(record, name)
  if (entry === undefined) return null
  const commit = await commitOf(record.retired.lastIndexOf(entry))
  return new RetiredNameError(describeRetirement(entry, commit), {
    name,
    kind: entry.kind,
    retiredAt: entry.retiredAt,
    by: entry.by,
    commit,
    ...(entry.reason !== undefined && { reason: entry.reason }),
    ...(entry.renamedTo !== undefined && { renamedTo: entry.renamedTo }),
  })
}

/**
 * The commit on `tip`'s first-parent line that added entry `index` to
 * `registry/retired.yaml`: the oldest commit back from `tip` whose record already has
 * it (null when `tip`'s record does not: the edit is not committed yet). `truncated`
 * when a shallow history ended the walk before the commit without it was reached.
 */
async function recordingCommit(repo: GitDir, tip: string, index: number): Promise<{ commit: string | null; truncated: boolean }> {
  const { parseRetired } = await loadRetiredParser()
  const cache = {}
  const counts = new Map<string, number>()
  let found: string | null = null
  let oid: string | undefined = tip
  while (oid !== undefined) {
    const commit: CommitData | null = await readObject(repo, oid, { cache }).then((o) => decodeCommit(o.content), () => null)
    if (commit === null) return { commit: found, truncated: true }
    const blob = await entryAt(repo, commit.tree, RETIRED_FILE, cache)
    if (blob === null || blob.mode === '40000') break
    let count = counts.get(blob.oid)
    if (count === undefined) {
      count = await readObject(repo, blob.oid, { cache }).then(
        (o) => parseRetired(o.content.toString('utf8')).data.retired.length,
        () => 0,
      )
      counts.set(blob.oid, count)
    }
    if (count <= index) break
    found = oid
    oid = commit.parents[0]
  }
  return { commit: found, truncated: false }
}

/** How many renames `formerNames` follows back: a chain longer than this is cut short. */
const MAX_RENAMES = 32

/**
 * The names a registered model had before, oldest first, as the work tree's
 * registry/retired.yaml records its renames (`a` renamed to `b` renamed to `name`).
 */
export async function formerNames(repo: Repo, name: string): Promise<string[]> {
  const text = await repo.fs.readText(`${repo.dir}/${RETIRED_FILE}`)
  if (text === null) return []
  const { parseRetired } = await loadRetiredParser()
  let entries: RetiredYaml['retired']
  try {
    entries = parseRetired(text).data.retired
  } catch {
    return []
  }
  const names: string[] = []
  let current = name
  for (let i = 0; i < MAX_RENAMES; i++) {
    const before = entries.findLast((entry) => entry.kind === 'model' && entry.renamedTo === current)
    if (before === undefined || before.name === name || names.includes(before.name)) break
    names.unshift(before.name)
    current = before.name
  }
  return names
}
