import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { examples } from '../options.js'
import { operations } from '../operations.js'
import { printResolved } from '../lookupOutput.js'

export function registerResolve(program: Command, io: CliIo): void {
  program
    .command('resolve')
    .description('print the commit id a reference names (or named at a past moment, with --at)')
    .argument('<ref>', '<name>[:<selector>], selector v<N>, latest (default) or an alias')
    .option('--at <date>', 'what the reference meant then (an alias: from the ledger, what deployments saw): YYYY-MM-DD (end of that day, UTC) or an ISO date-time')
    .option('--json', 'print the resolved version as JSON')
    .addHelpText(
      'after',
      examples(
        'gmr resolve churn:v3',
        'gmr resolve churn-model:production',
        'gmr resolve churn-model:production --at 2026-11-01',
        'git show $(gmr resolve churn:latest)',
      ),
    )
    .action((ref: string, opts: ResolveFlags) => resolveAction(io, ref, opts))
}

export interface ResolveFlags {
  at?: string
  json?: boolean
}

async function resolveAction(io: CliIo, ref: string, opts: ResolveFlags): Promise<void> {
  const options = { ...repoOptions(io), ref }
  const result =
    opts.at === undefined
      ? await (await operations.resolve()).resolve(options)
      : await (await operations.resolveAt()).resolveAt({ ...options, at: opts.at })
  printResolved(io, result, opts)
}
