import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { fetchJson, fetchPlanJson, pullJson, pullPlanJson, pushJson } from '../jsonOutput.js'
import { examples } from '../options.js'
import { gitProgress, printCloned } from '../remoteOutput.js'
import { humanSize, json, shortOid } from '../render.js'
import type { FetchPlan } from '../../ops/fetch.js'
import type { PullPlan } from '../../ops/pull.js'
import type { PushPlan } from '../../ops/push.js'
import type { ArtifactSync } from '../../ops/support/replayVersions.js'
import { operations } from '../operations.js'
import { PLAN_ONLY_HELP, refMove } from '../dryRun.js'
import { NOTHING_CHANGED } from '../renderPlan.js'

function describeArtifacts(artifacts: readonly ArtifactSync[]): string[] {
  const lines: string[] = []
  for (const a of artifacts) {
    if (a.relation === 'new-remote') lines.push(`${a.artifact}: new from the remote`)
    else if (a.relation === 'behind') lines.push(`${a.artifact}: fast-forwarded to ${shortOid(a.remoteTip!)}`)
    else if (a.relation === 'ahead') lines.push(`${a.artifact}: local versions not pushed yet (gmr push)`)
    else if (a.relation === 'diverged' && a.replayed.length === 0) lines.push(`${a.artifact}: both sides have new versions; run gmr pull`)
    for (const r of a.replayed) lines.push(`${a.artifact}: your v${r.fromVersion} is now v${r.version}${r.commit === r.fromCommit ? '' : ` (${shortOid(r.commit)})`}`)
  }
  return lines
}

export function registerRemote(program: Command, io: CliIo): void {
  program
    .command('clone')
    .description('clone a registry: registry branch, artifact branches and alias refs (large files on demand)')
    .argument('<url>', 'the git remote (https://, ssh, or a path)')
    .argument('[dir]', 'target folder (default: the repository name)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('gmr clone https://git.example.com/org/models.git', 'gmr clone git@git.example.com:org/models.git models'))
    .action(async (url: string, dir: string | undefined, opts: { json?: boolean }) => {
      const { clone } = await operations.clone()
      const onProgress = gitProgress(io)
      const result = await clone({ fs: io.fs, url, cwd: io.cwd, env: io.env, ...(dir !== undefined && { dir }), ...(onProgress && { onProgress }) })
      printCloned(io, result, opts)
    })

  program
    .command('fetch')
    .description('fetch branches, artifact versions and alias refs from a remote; fast-forward artifact branches')
    .argument('[remote]', 'remote name (default: the registry branch upstream, or origin)')
    .option('--dry-run', PLAN_ONLY_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples('gmr fetch', 'gmr fetch upstream', 'gmr fetch --dry-run') +
        '\nAlias refs take the remote\'s values, except one you moved and have not pushed yet: it stays\nwhere your ledger says (also after a plain git fetch overwrote it).\n' +
        '\n--dry-run lists the remote (git ls-remote) and prints the refs that would move as old..new,\nand what would become of each artifact branch; it downloads and writes nothing.\n',
    )
    .action(async (remote: string | undefined, opts: { dryRun?: boolean; json?: boolean }) => {
      const { fetchRegistry, planFetch } = await operations.fetch()
      if (opts.dryRun) {
        const plan = await planFetch({ ...repoOptions(io), ...(remote !== undefined && { remote }) })
        return io.stdout(opts.json ? json(fetchPlanJson(plan)) : renderFetchPlan(plan, []))
      }
      const onProgress = gitProgress(io)
      const result = await fetchRegistry({ ...repoOptions(io), ...(remote !== undefined && { remote }), ...(onProgress && { onProgress }) })
      if (opts.json) return io.stdout(json(fetchJson(result)))
      const lines = describeArtifacts(result.artifacts)
      io.stdout(lines.length === 0 ? `up to date with ${result.remote}\n` : `${lines.join('\n')}\n`)
    })

  program
    .command('pull')
    .description('fetch, replay local-only versions after the remote ones, relink, and merge the current branch')
    .argument('[remote]', 'remote name (default: the registry branch upstream, or origin)')
    .option('--dry-run', PLAN_ONLY_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples('gmr pull', 'gmr pull --dry-run') +
        '\nWhen someone pushed versions of an artifact you also logged to, your new versions are\nrenumbered after theirs and your unpushed links follow; manifests are merged by meaning.\n' +
        '--dry-run prints what the fetch would bring (refs old..new), the local versions it would replay,\nand whether the current branch would fast-forward or merge; it downloads and writes nothing.\n',
    )
    .action(async (remote: string | undefined, opts: { dryRun?: boolean; json?: boolean }) => {
      const { pull, planPull } = await operations.pull()
      if (opts.dryRun) {
        const plan = await planPull({ ...repoOptions(io), ...(remote !== undefined && { remote }) })
        return io.stdout(opts.json ? json(pullPlanJson(plan)) : renderFetchPlan(plan, [PLANNED_BRANCH[plan.branch]]))
      }
      const onProgress = gitProgress(io)
      const result = await pull({ ...repoOptions(io), ...(remote !== undefined && { remote }), ...(onProgress && { onProgress }) })
      if (opts.json) return io.stdout(json(pullJson(result)))
      const lines = describeArtifacts(result.artifacts)
      if (result.relinked.length > 0) lines.push(`relinked ${result.relinked.join(', ')} to the renumbered versions`)
      const branch = {
        'up-to-date': 'current branch up to date',
        'fast-forward': 'current branch fast-forwarded',
        merged: 'current branch merged (manifests merged by meaning)',
        ahead: 'current branch has commits to push',
        'no-upstream': 'current branch is not on the remote yet',
      }[result.branch]
      io.stdout(`${[...lines, branch].join('\n')}\n`)
    })

  program
    .command('push')
    .description('push new versions (large files first), the current branch and alias refs, atomically')
    .argument('[remote]', 'remote name (default: the registry branch upstream, or origin)')
    .option('--dry-run', PLAN_ONLY_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples('gmr push', 'gmr push --dry-run', 'gmr push upstream --dry-run --json', 'gmr sync && gmr push   # CI on the registry branch, after a merge') +
        '\nAlias refs are pushed with a lease on the value last fetched: if someone moved one since,\nthe push is refused and nothing changes on the remote.\n' +
        '--dry-run lists the remote (git ls-remote), prints every ref as old..new and the large files to upload,\nand refuses as the push would (a ref someone moved, commits you do not have); it writes nothing.\n' +
        'Over an ssh remote, large files go to the LFS URL that "ssh <host> git-lfs-authenticate" answers.\n' +
        'Failed LFS requests are retried (warning lines; git config lfs.transfer.maxretries, 0 for none).\n',
    )
    .action(async (remote: string | undefined, opts: { dryRun?: boolean; json?: boolean }) => {
      const { push } = await operations.push()
      const onProgress = gitProgress(io)
      const options = { ...repoOptions(io), ...(remote !== undefined && { remote }), ...(onProgress && { onProgress }) }
      if (opts.dryRun) {
        const plan = await push({ ...options, dryRun: true })
        return io.stdout(opts.json ? json(pushJson(plan)) : renderPushPlan(plan))
      }
      const result = await push(options)
      if (opts.json) return io.stdout(json(pushJson(result)))
      if (result.updates.length === 0) return io.stdout(`everything up to date on ${result.remote}\n`)
      for (const u of result.updates) io.stdout(`${u.src === '' ? 'deleted' : 'pushed'} ${u.dst}\n`)
      if (result.lfs.objects > 0) io.stdout(`uploaded ${result.lfs.objects} large files (${humanSize(result.lfs.bytes)})\n`)
    })
}

/** A push plan: each ref as old..new (what the remote lists now), the new versions, the large files to upload. */
function renderPushPlan(plan: PushPlan): string {
  if (plan.refs.length === 0) return `everything up to date on ${plan.remote.name}\n${NOTHING_CHANGED}`
  const lines = [`would push to ${plan.remote.name}:`]
  for (const ref of plan.refs) {
    const how = ref.new === null ? 'delete' : ref.old === null ? 'new' : ref.fastForward ? 'fast-forward' : 'forced, leased'
    lines.push(`  ${refMove(ref.dst, ref.old, ref.new)}  (${how})`)
  }
  if (plan.versions.length > 0) lines.push(`new versions: ${plan.versions.map((v) => `${v.artifact}:v${v.version}`).join(', ')}`)
  if (plan.lfsObjects.length > 0) lines.push(`would upload ${plan.lfsObjects.length} large file${plan.lfsObjects.length === 1 ? '' : 's'} (${humanSize(plan.lfsBytes)}) unless the server has them`)
  return `${lines.join('\n')}\n${NOTHING_CHANGED}`
}

const PLANNED_BRANCH: Record<PullPlan['branch'], string> = {
  'up-to-date': 'current branch up to date',
  'fast-forward': 'current branch would fast-forward',
  merged: 'current branch would be merged (manifests merged by meaning)',
  ahead: 'current branch has commits to push',
  'no-upstream': 'current branch is not on the remote yet',
}

/** A fetch plan: the refs that would move, then each artifact branch that would change. */
function renderFetchPlan(plan: FetchPlan, more: readonly string[]): string {
  const lines = plan.refs.map((r) => `  ${refMove(r.ref, r.old, r.new)}`)
  if (lines.length > 0) lines.unshift(`would update from ${plan.remote}:`)
  for (const a of plan.artifacts) {
    if (a.relation === 'new-remote') lines.push(`${a.artifact}: new from the remote`)
    else if (a.relation === 'behind') lines.push(`${a.artifact}: would fast-forward to ${shortOid(a.remoteTip!)}`)
    else if (a.relation === 'ahead') lines.push(`${a.artifact}: local versions not pushed yet (gmr push)`)
    else if (a.relation === 'diverged') lines.push(`${a.artifact}: both sides have new versions; a pull would replay your ${a.localOnly} after the remote's`)
  }
  if (lines.length === 0 && more.length === 0) lines.push(`up to date with ${plan.remote}`)
  return `${[...lines, ...more].join('\n')}\n${NOTHING_CHANGED}`
}
