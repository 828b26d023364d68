import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { examples } from '../options.js'
import { json } from '../render.js'

export function registerResolve(program: Command, io: CliIo): void {
  program
    .command('resolve')
    .description('print the commit id a reference names')
    .argument('<ref>', '<name>[:<selector>], selector v<N>, latest (default) or an alias')
    .option('--json', 'print the resolved version as JSON')
    .addHelpText('after', examples('gmr resolve churn:v3', 'gmr resolve churn', 'git show $(gmr resolve churn:latest)'))
    .action(async (ref: string, opts: { json?: boolean }) => {
      const { resolve } = await import('../../ops/resolve.js')
      const result = await resolve({ ...repoOptions(io), ref })
      if (opts.json) {
        const { record, ...rest } = result
        return io.stdout(json({ ...rest, tree: record.tree, time: record.time, metadata: record.metadata }))
      }
      io.stdout(`${result.commit}\n`)
    })
}
