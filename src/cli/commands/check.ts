import { Option, type Command } from 'commander'
import { CheckFailedError } from '../../domain/errors.js'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { examples } from '../options.js'
import { renderCheck } from '../renderCheck.js'
import { operations } from '../operations.js'

interface CheckFlags {
  base?: string
  rev?: string
  lfs: boolean
  format: 'text' | 'json' | 'github'
  json?: boolean
}

export function registerCheck(program: Command, io: CliIo): void {
  program
    .command('check')
    .description(
      'validate the registry: manifests, links, version numbers, aliases, LFS objects and (on the registry branch) alias refs; with --base, that history only grows',
    )
    .option(
      '--base <rev>',
      'the state this one is proposed against (e.g. origin/main): links must not change, numbers not be reused, artifact branches only grow; protected alias changes are warnings; LFS objects are looked up only for versions the change links',
    )
    .option('--rev <rev>', 'check the registry as committed at <rev> instead of the work tree')
    .addOption(
      new Option('--format <format>', 'text (file:line:col: error: message), json, or github (workflow commands that annotate the YAML lines)')
        .choices(['text', 'json', 'github'])
        .default('text'),
    )
    .option('--no-lfs', 'do not look for the Git LFS objects of linked versions (a CI job that does not fetch them)')
    .option('--json', 'the same as --format json')
    .addHelpText(
      'after',
      examples('gmr check', 'gmr check --base origin/main', 'gmr check --base origin/main --format github   # in a GitHub Actions job') +
        '\nExits 1 when there is an error (warnings alone exit 0), 2 on a usage error.\n',
    )
    .action(async (opts: CheckFlags) => {
      const { check } = await operations.check()
      const result = await check({
        ...repoOptions(io),
        ...(opts.base !== undefined && { base: opts.base }),
        ...(opts.rev !== undefined && { rev: opts.rev }),
        ...(!opts.lfs && { lfs: false as const }),
      })
      const format = opts.json ? 'json' : opts.format
      io.stdout(renderCheck(result, format))
      if (result.errors > 0) {
        const [count, them] = result.errors === 1 ? ['1 error', 'it'] : [`${result.errors} errors`, 'them']
        const where = format === 'json' ? '' : ' (listed above)'
        throw new CheckFailedError(`the registry has ${count}${where}; fix ${them} and run gmr check again`, {
          errors: result.errors,
          warnings: result.warnings,
        })
      }
    })
}
