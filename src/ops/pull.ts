import { MergeBlockedError, MergeConflictError } from '../domain/errors.js'
import { manifestDir, type NameKind } from '../domain/layout.js'
import { followReplayed, mergeManifests, rewriteLinks, type ReplayedVersion } from '../domain/manifestMerge.js'
import type { ManifestYaml } from '../domain/manifests.js'
import { currentBranch } from '../git/commitFiles.js'
import { mergeBase } from '../git/mergeBase.js'
import { readRef } from '../git/refs.js'
import type { Repo } from '../git/repo.js'
import { runGit } from '../git/gitBinary.js'
import { lastWord } from '../remote/remoteGit.js'
import { syncManifestRefs } from './support/aliasRefs.js'
import { commitSigner } from '../git/signing.js'
import { commitIdentities, openRegistryContext, withRegistryLock, type RegistryContext, type RepoOptions } from './support/context.js'
import { planFetchIn, type FetchPlan } from './fetch.js'
import { ManifestStore } from './support/manifestStore.js'
import { mutateRegistry } from './support/mutate.js'
import { integrateArtifacts, type ArtifactSync } from './support/replayVersions.js'
import { ancestry } from './support/remotePlan.js'
import { fetchRegistryRefs, remoteInfo, type RemoteInfo } from './support/remotes.js'
import { renderManifest } from '../domain/manifests.js'

export interface PullOptions extends RepoOptions {
  remote?: string
  onProgress?: (line: string) => void
}

export interface PullResult {
  remote: string
  artifacts: ArtifactSync[]
  /** Local links pointed at renumbered versions (a commit on the current branch). */
  relinked: string[]
  /** What happened to the current branch: up to date, fast-forwarded, merged, or only local. */
  branch: 'up-to-date' | 'fast-forward' | 'merged' | 'ahead' | 'no-upstream'
}

/**
 * Fetch, then make the local registry agree with the remote without losing anything:
 * local-only versions are replayed after the remote's with the next numbers, local
 * links are rewritten to follow them, and the current branch takes the remote's
 * commits — by fast-forward, or by a merge in which registry manifests are merged by
 * meaning (both sides' links kept, ours renumbered) rather than by line.
 */
export async function pull(options: PullOptions): Promise<PullResult> {
  const ctx = await openRegistryContext(options)
  const { repo, env } = ctx
  const { registryBranch } = await ctx.config()
  const remote = await remoteInfo(repo, env, options.remote, registryBranch)
  await fetchRegistryRefs(ctx, remote, options.onProgress)
  const artifacts = await integrateArtifacts(ctx, remote, { replay: true })
  const replayed = artifacts.flatMap((a) => a.replayed)
  const relinked = await relinkManifests(ctx, replayed)
  const branch = await integrateBranch(ctx, remote, replayed)
  return { remote: remote.name, artifacts, relinked, branch }
}

/** What a pull would do: what the fetch would bring, the versions it would replay, and how the current branch would take the remote's. */
export interface PullPlan extends FetchPlan {
  /** As PullResult's: `merged`, a merge commit would be made. */
  branch: PullResult['branch']
}

/**
 * `gmr pull --dry-run`: the fetch plan (the remote listed, nothing downloaded), each
 * diverged artifact's local versions that would be replayed after the remote's, and
 * whether the current branch would fast-forward or merge. Nothing is written.
 */
export async function planPull(options: PullOptions): Promise<PullPlan> {
  const ctx = await openRegistryContext(options)
  const { registryBranch } = await ctx.config()
  const remote = await remoteInfo(ctx.repo, ctx.env, options.remote, registryBranch)
  const { after, ...fetched } = await planFetchIn(ctx, remote)
  const { repo } = ctx
  const ref = await currentBranch(repo)
  const trackedRef = `${remote.trackingPrefix}${ref.slice('refs/heads/'.length)}`
  const [ours, tracked] = [await readRef(repo, ref), await readRef(repo, trackedRef)]
  const theirs = after.get(trackedRef) ?? tracked
  const branch = await predictBranch(repo, ours, theirs, tracked)
  if (branch === 'fast-forward') fetched.refs.push({ ref, old: ours, new: theirs! })
  return { ...fetched, branch }
}

/**
 * How integrateBranch would take the remote's branch, from ancestry alone: when replayed
 * versions make a relink commit first (unpushed links naming them), a fast-forward becomes a merge.
 */
async function predictBranch(repo: Repo, ours: string | null, theirs: string | null, tracked: string | null): Promise<PullResult['branch']> {
  if (theirs === null) return 'no-upstream'
  if (theirs === ours) return 'up-to-date'
  // An unborn branch: integrateBranch finds the remote's tip its own merge base, as for a branch ahead.
  if (ours === null) return 'ahead'
  const relation = await ancestry(repo, ours, theirs, tracked)
  return relation === 'behind' ? 'fast-forward' : relation === 'ahead' ? 'ahead' : 'merged'
}

/**
 * Rewrite work-tree links and artifact aliases that name versions the pull renumbered, as
 * one commit (which, on the registry branch, moves their alias refs too). Renumbering is
 * not a move, so protected aliases follow their version like any other.
 */
async function relinkManifests(ctx: RegistryContext, replayed: readonly ReplayedVersion[]): Promise<string[]> {
  if (replayed.length === 0) return []
  const { names } = await mutateRegistry(ctx, { force: true }, async (store) => {
    const edits = []
    const names: string[] = []
    for (const kind of ['artifact', 'model'] as const) {
      for (const record of await store.list(kind)) {
        const after = followReplayed(kind, record.data, replayed)
        if (after === record.data) continue
        edits.push({ kind, name: record.name, before: record.data, after })
        names.push(record.name)
      }
    }
    return { edits, message: `gmr pull: relink ${names.join(', ')} to renumbered versions`, result: { names } }
  })
  return names
}

async function integrateBranch(ctx: RegistryContext, remote: RemoteInfo, replayed: readonly ReplayedVersion[]): Promise<PullResult['branch']> {
  const { repo, env } = ctx
  const branch = await currentBranch(repo)
  const name = branch.slice('refs/heads/'.length)
  const theirs = await readRef(repo, `${remote.trackingPrefix}${name}`)
  const ours = await readRef(repo, branch)
  if (theirs === null) return 'no-upstream'
  if (theirs === ours) return 'up-to-date'
  const git = (args: string[]) => runGit(args, { cwd: repo.dir, env })
  const base = await mergeBase(repo, ours ?? theirs, theirs)
  if (base === theirs) return 'ahead'
  if (base === ours) {
    const run = await git(['merge', '--ff-only', '-q', theirs])
    if (run.code !== 0) throw new MergeBlockedError(`cannot fast-forward ${name}: ${lastWord(run) ?? 'git failed'}; commit or stash your changes and run gmr pull again`, {
      branch: name,
      step: 'fast-forward',
    })
    return 'fast-forward'
  }
  return withRegistryLock(ctx, async (): Promise<PullResult['branch']> => {
    const run = await git(['merge', '--no-ff', '--no-commit', '-q', theirs])
    const conflicted = (await git(['diff', '--name-only', '--diff-filter=U'])).stdout.split('\n').filter(Boolean)
    if (run.code !== 0 && conflicted.length === 0) {
      throw new MergeBlockedError(`cannot merge ${remote.name}/${name}: ${lastWord(run) ?? 'git failed'}; commit or stash your changes and run gmr pull again`, {
        branch: name,
        step: 'merge',
      })
    }
    const manifests = conflicted.filter(isManifest)
    const problems: string[] = []
    const merged: Array<{ kind: NameKind; name: string; data: ManifestYaml }> = []
    for (const path of manifests) {
      const outcome = await mergeManifestFile(repo, env, path, base, theirs, replayed)
      if (Array.isArray(outcome)) problems.push(...outcome)
      else if (outcome !== null) merged.push(outcome)
    }
    const others = conflicted.filter((path) => !isManifest(path))
    if (problems.length > 0 || others.length > 0) {
      await git(['merge', '--abort'])
      const what = [...problems, ...others.map((p) => `${p} changed on both sides`)].join('; ')
      throw new MergeConflictError(
        `cannot merge ${remote.name}/${name} by itself: ${what}; merge with git (git merge ${remote.name}/${name}), resolve, and commit`,
        { conflicts: [...problems, ...others] },
      )
    }
    const { author, committer } = await commitIdentities(ctx)
    const commitEnv = {
      ...env,
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
    }
    const done = await runGit(['commit', '-q', '--no-edit', '-m', `gmr pull: merge ${remote.name}/${name}`], { cwd: repo.dir, env: commitEnv })
    if (done.code !== 0) {
      throw new MergeBlockedError(`cannot commit the merge of ${remote.name}/${name}: ${lastWord(done) ?? 'git failed'}; fix that, then commit the merge with git commit`, {
        branch: name,
        step: 'commit',
      })
    }
    // On the registry branch the alias refs follow the merged manifests, as after any registry commit.
    const { registryBranch } = await ctx.config()
    if (name === registryBranch) {
      const signer = await commitSigner(repo, env)
      await syncManifestRefs(repo, merged, (await readRef(repo, branch))!, { committer, signer })
    }
    return 'merged'
  })
}

function isManifest(path: string): boolean {
  return (path.startsWith(`${manifestDir('model')}/`) || path.startsWith(`${manifestDir('artifact')}/`)) && path.endsWith('.yaml')
}

/**
 * Merge one conflicted manifest by meaning and stage the result: the merged manifest
 * (null when it was deleted), or the list of what did not combine.
 */
async function mergeManifestFile(
  repo: Repo,
  env: RegistryContext['env'],
  path: string,
  base: string | null,
  theirs: string,
  replayed: readonly ReplayedVersion[],
): Promise<string[] | { kind: NameKind; name: string; data: ManifestYaml } | null> {
  const store = new ManifestStore(repo)
  const at = async (rev: string | null): Promise<ManifestYaml | null> => {
    if (rev === null) return null
    const run = await runGit(['rev-parse', '-q', '--verify', `${rev}:${path}`], { cwd: repo.dir, env })
    const oid = run.stdout.trim()
    return run.code === 0 && oid !== '' ? (await store.readBlob(path, oid)).data : null
  }
  const ours = await at('HEAD')
  const result = mergeManifests(await at(base), ours === null ? null : rewriteLinks(ours, replayed), await at(theirs))
  if (result.conflicts.length > 0) return result.conflicts
  const kind: NameKind = path.startsWith(manifestDir('model')) ? 'model' : 'artifact'
  const full = `${repo.dir}/${path}`
  if (result.merged === null) {
    await repo.fs.remove(full)
    await runGit(['rm', '-q', '--cached', path], { cwd: repo.dir, env })
    return null
  }
  await repo.fs.writeAtomic(full, renderManifest(kind, result.merged))
  await runGit(['add', path], { cwd: repo.dir, env })
  return { kind, name: result.merged.name, data: result.merged }
}
