import type { Command } from 'commander'
import type { PruneResult } from '../../ops/prune.js'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { examples } from '../options.js'
import { humanSize, json, shortOid } from '../render.js'
import { operations } from '../operations.js'

export function registerPrune(program: Command, io: CliIo): void {
  program
    .command('prune')
    .description(
      "delete the large files of versions the registry's retention policy no longer keeps from the local Git LFS store; versions, pointers and refs stay",
    )
    .option('--dry-run', 'only print what would be freed')
    .option('--remote <name>', "prune that remote's store instead: a bare repository at a local path")
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples('gmr prune --dry-run', 'gmr prune', 'gmr prune --remote backup --dry-run') +
        `
The policy is registry/registry.yaml's retention: (keepLast: N, keepWithin: 30d). Linked
and aliased versions are always kept, and so is every object a branch, tag, stash or the
index references, or that was written less than an hour ago. Without a policy nothing is
pruned. A pruned version downloads again after "git lfs fetch <remote> <commit>".
`,
    )
    .action(async (opts: { dryRun?: boolean; remote?: string; json?: boolean }) => {
      const { prune } = await operations.prune()
      const result = await prune({ ...repoOptions(io), dryRun: opts.dryRun ?? false, ...(opts.remote !== undefined && { remote: opts.remote }) })
      io.stdout(opts.json ? json(result) : renderPrune(result))
    })
}

function renderPrune(result: PruneResult): string {
  const verb = result.dryRun ? 'would free' : 'freed'
  const where = result.remote === null ? '' : ` on ${result.remote}`
  if (result.policy === null) return `no retention policy in registry/registry.yaml${where}: every version is kept, nothing to prune\n`
  const lines = result.versions
    .filter((v) => v.objectCount > 0)
    .map((v) => `${verb} ${v.artifact}:v${v.version} (${shortOid(v.commit)}): ${count(v.objectCount)}, ${humanSize(v.size)}`)
  const dropped = result.versions.filter((v) => !v.keep).length
  lines.push(
    `${verb} ${count(result.objectCount)}, ${humanSize(result.size)} in ${result.store}${where}; ${result.versions.length - dropped} version${result.versions.length - dropped === 1 ? '' : 's'} kept, ${dropped} outside the policy`,
  )
  if (result.recentObjectCount > 0) lines.push(`kept ${count(result.recentObjectCount)} written within the last hour`)
  return `${lines.join('\n')}\n`
}

function count(n: number): string {
  return `${n} object${n === 1 ? '' : 's'}`
}
