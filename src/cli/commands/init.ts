import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { collect, examples } from '../options.js'
import { initJson } from '../jsonOutput.js'
import { json } from '../render.js'
import { operations } from '../operations.js'

export function registerInit(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('make the current git repository a gmr registry')
    .option('--protected-alias <alias>', 'an alias that moves only through review (repeatable; default: production)', collect, [])
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('gmr init', 'gmr init --protected-alias production --protected-alias canary'))
    .action(async (opts: { protectedAlias: string[]; json?: boolean }) => {
      const { init } = await operations.init()
      const result = await init({
        ...repoOptions(io),
        ...(opts.protectedAlias.length > 0 && { protectedAliases: opts.protectedAlias }),
      })
      if (opts.json) return io.stdout(json(initJson(result)))
      io.stdout(
        `Initialised gmr registry in ${result.dir} (registry branch: ${result.registryBranch}, commit ${result.commit.slice(0, 10)})\n`,
      )
    })
}
