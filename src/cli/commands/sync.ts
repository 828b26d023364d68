import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { examples } from '../options.js'
import { syncJson } from '../jsonOutput.js'
import { json, shortOid } from '../render.js'
import { DRY_RUN_HELP, NOTHING_CHANGED, refChangeLine, refMoveLine } from '../renderPlan.js'
import { operations } from '../operations.js'

export function registerSync(program: Command, io: CliIo): void {
  program
    .command('sync')
    .description("move refs/aliases/** to match the registry branch's manifests")
    .option('--dry-run', DRY_RUN_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('gmr sync --dry-run', 'gmr sync && git push origin "refs/aliases/*:refs/aliases/*"'))
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const { sync } = await operations.sync()
      const result = await sync({ ...repoOptions(io), dryRun: opts.dryRun ?? false })
      if (opts.json) return io.stdout(json(syncJson(result)))
      const verb = result.dryRun ? 'would ' : ''
      for (const change of result.changes) io.stdout(refChangeLine(change, verb))
      for (const m of result.retiredBranches) io.stdout(refMoveLine(m, verb, ' (removed: registry/retired.yaml)'))
      for (const d of result.dangling) {
        io.stderr(`warning: ${d.name} alias ${d.alias} names v${d.version}, which does not exist; no ref made\n`)
      }
      if (result.changes.length === 0) io.stdout(`alias refs already match ${result.registryBranch} (${shortOid(result.commit)})\n`)
      if (result.dryRun) io.stdout(NOTHING_CHANGED)
    })
}
