import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { collect, examples } from '../options.js'
import { PLAN_ONLY_HELP } from '../dryRun.js'
import { NOTHING_CHANGED } from '../renderPlan.js'
import { initJson, initPlanJson } from '../jsonOutput.js'
import { json } from '../render.js'
import { operations } from '../operations.js'

export function registerInit(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('make the current git repository a gmr registry')
    .option('--protected-alias <alias>', 'an alias that moves only through review (repeatable; default: production)', collect, [])
    .option('--dry-run', PLAN_ONLY_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('gmr init', 'gmr init --protected-alias production --protected-alias canary', 'gmr init --dry-run'))
    .action(async (opts: { protectedAlias: string[]; dryRun?: boolean; json?: boolean }) => {
      const { init, planInit } = await operations.init()
      const options = { ...repoOptions(io), ...(opts.protectedAlias.length > 0 && { protectedAliases: opts.protectedAlias }) }
      if (opts.dryRun) {
        const plan = await planInit(options)
        if (opts.json) return io.stdout(json(initPlanJson(plan)))
        const files = plan.files.map((f) => `would create ${f.path}:\n${f.text.trimEnd().replace(/^/gm, '  ')}\n`)
        return io.stdout(`${files.join('')}would commit it on ${plan.registryBranch} (the registry branch)\n${NOTHING_CHANGED}`)
      }
      const result = await init(options)
      if (opts.json) return io.stdout(json(initJson(result)))
      io.stdout(
        `Initialised gmr registry in ${result.dir} (registry branch: ${result.registryBranch}, commit ${result.commit.slice(0, 10)})\n`,
      )
    })
}
