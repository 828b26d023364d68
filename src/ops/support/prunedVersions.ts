import type { GitDir } from '../../git/repo.js'
import { RemoteNotFoundError } from '../../domain/errors.js'
import type { RegistryContext } from './context.js'
import { remoteInfo } from './remotes.js'

/**
 * `.git/gmr/pruned.ndjson`: one line per version whose large files `gmr prune` removed
 * from this store, written before the first object goes, so that a later download can
 * say the version was pruned rather than only that a file is missing. Local state:
 * deleting it loses only that wording.
 */
export interface PrunedRecord {
  artifact: string
  version: number
  commit: string
  /** ISO 8601 UTC. */
  prunedAt: string
  oids: string[]
}

function recordPath(repo: GitDir): string {
  return `${repo.gitdir}/gmr/pruned.ndjson`
}

export async function recordPruned(
  repo: GitDir,
  versions: ReadonlyArray<{ artifact: string; version: number; commit: string }>,
  objects: ReadonlyArray<{ oid: string; commit: string }>,
  now: Date,
): Promise<void> {
  const lines = versions.map((v) => {
    const record: PrunedRecord = {
      artifact: v.artifact,
      version: v.version,
      commit: v.commit,
      prunedAt: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      oids: objects.filter((o) => o.commit === v.commit).map((o) => o.oid),
    }
    return `${JSON.stringify(record)}\n`
  })
  await repo.fs.mkdirp(`${repo.gitdir}/gmr`)
  await repo.fs.append(recordPath(repo), lines.join(''))
}

/** The latest prune of `commit`, or null when this store never pruned it. */
async function prunedRecord(repo: GitDir, commit: string): Promise<PrunedRecord | null> {
  const text = await repo.fs.readText(recordPath(repo))
  if (text === null) return null
  let found: PrunedRecord | null = null
  for (const line of text.split('\n')) {
    if (!line.includes(commit)) continue
    try {
      const record = JSON.parse(line) as PrunedRecord
      if (record.commit === commit) found = record
    } catch {
      // A line cut short by a kill: the others still read.
    }
  }
  return found
}

/**
 * What `gmr download` says about a missing large file of a version this store pruned:
 * when, and the command that fetches it again from the remote (if one is configured).
 * Null for a version never pruned here.
 */
export async function prunedHint(ctx: RegistryContext, commit: string): Promise<string | null> {
  const record = await prunedRecord(ctx.repo, commit)
  if (record === null) return null
  const remote = await remoteInfo(ctx.repo, ctx.env, undefined, (await ctx.config()).registryBranch).catch(() => null)
  const fetch =
    remote === null
      ? 'no remote is configured to fetch it from: add the one that has it ("git remote add origin <url>") and run "git lfs fetch origin ' + commit + '"'
      : `${remote.name} does not have it either; fetch it from a remote that does ("git lfs fetch <remote> ${commit}") and download again`
  return `${record.artifact}:v${record.version} was pruned from this clone's large-file store on ${record.prunedAt.slice(0, 10)} (gmr prune, by the retention policy); ${fetch}`
}

/**
 * A version pruned here whose object the remote lacks too is reported as pruned (the
 * missing-object error with the hint above), not as the remote's "never uploaded".
 */
export function rethrowUnlessPruned(err: unknown, hint: string | null): void {
  if (hint !== null && err instanceof RemoteNotFoundError && err.data.oid !== undefined) return
  throw err
}
