import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { mutationOptions, printEdit, type MutationFlags } from '../mutation.js'
import { aliasesJson, aliasRemovedJson, aliasSetJson } from '../jsonOutput.js'
import { examples } from '../options.js'
import { json, shortOid, table } from '../render.js'
import { DRY_RUN_HELP } from '../renderPlan.js'
import { operations } from '../operations.js'

export function registerAlias(program: Command, io: CliIo): void {
  const alias = program.command('alias').description('set or remove aliases of registered models and artifacts')
  alias
    .command('set')
    .description('point an alias at a version (moving it if another version held it)')
    .argument('<name>', 'a registered model or an artifact')
    .argument('<alias>', 'alias name, e.g. production, staging, best')
    .argument('<version>', 'v<N> (or latest, or another alias)')
    .option('--force', 'allow moving a protected alias on the registry branch')
    .option('--no-commit', 'only edit the manifest; do not commit it')
    .option('--dry-run', DRY_RUN_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples('gmr alias set churn-model staging v3', 'gmr alias set churn best latest', 'gmr alias set churn-model production v3 --force --dry-run') +
        '\nOn the registry branch the alias ref moves with the commit; on any other branch the edit is a\nproposal that takes effect when merged and "gmr sync" runs. Protected aliases (registry.yaml)\nmove on the registry branch only with --force.\n',
    )
    .action(async (name: string, aliasName: string, version: string, opts: MutationFlags & { force?: boolean }) => {
      const { setAlias } = await operations.setAlias()
      const result = await setAlias({
        ...repoOptions(io),
        name,
        alias: aliasName,
        version,
        force: opts.force ?? false,
        ...mutationOptions(opts),
      })
      const moved = result.previous !== null && result.previous !== result.version ? ` (moved from v${result.previous})` : ''
      printEdit(io, opts, result, aliasSetJson(result), `${name}:${aliasName} -> v${result.version}${result.changed ? moved : ' (unchanged)'}\n`)
    })
  alias
    .command('rm')
    .description('remove an alias')
    .argument('<name>', 'a registered model or an artifact')
    .argument('<alias>', 'alias name')
    .option('--force', 'allow removing a protected alias on the registry branch')
    .option('--no-commit', 'only edit the manifest; do not commit it')
    .option('--dry-run', DRY_RUN_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('gmr alias rm churn-model staging', 'gmr alias rm churn-model staging --dry-run'))
    .action(async (name: string, aliasName: string, opts: MutationFlags & { force?: boolean }) => {
      const { removeAlias } = await operations.removeAlias()
      const result = await removeAlias({ ...repoOptions(io), name, alias: aliasName, force: opts.force ?? false, ...mutationOptions(opts) })
      printEdit(io, opts, result, aliasRemovedJson(result), `removed ${name}:${aliasName} (was v${result.previous})\n`)
    })

  program
    .command('aliases')
    .description("list a registered model's or an artifact's aliases, and whether each ref agrees")
    .argument('<name>', 'a registered model or an artifact')
    .option('--json', 'print the aliases as JSON')
    .addHelpText('after', examples('gmr aliases churn-model', 'gmr aliases churn --json'))
    .action(async (name: string, opts: { json?: boolean }) => {
      const { listAliases } = await operations.listAliases()
      const aliases = await listAliases({ ...repoOptions(io), name })
      if (opts.json) return io.stdout(json(aliasesJson(name, aliases)))
      if (aliases.length === 0) return io.stdout(`${name} has no aliases\n`)
      io.stdout(
        table(
          ['ALIAS', 'VERSION', 'COMMIT', 'REF'],
          aliases.map((a) => [
            a.alias,
            `v${a.version}`,
            a.commit ? shortOid(a.commit) : '(missing)',
            a.inSync ? 'in sync' : a.ref === null ? 'no ref yet (run gmr sync on the registry branch)' : `at ${shortOid(a.ref)} (run gmr sync)`,
          ]),
        ),
      )
    })
}
