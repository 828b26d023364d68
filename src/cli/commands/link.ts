import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { mutationOptions, printEdit, type MutationFlags } from '../mutation.js'
import { collect, examples } from '../options.js'
import { linkResultJson } from '../jsonOutput.js'
import { DRY_RUN_HELP } from '../renderPlan.js'
import { operations } from '../operations.js'

export function registerLink(program: Command, io: CliIo): void {
  program
    .command('link')
    .description("link an artifact version into a registered model as its next version; prints <model>:v<K>")
    .argument('<artifact-ref>', 'the artifact version, <artifact>[:<selector>]')
    .argument('<model>', 'the registered model')
    .option('--alias <alias>', 'point this alias at the new link (repeatable)', collect, [])
    .option('--force', 'allow moving a protected alias on the registry branch')
    .option('--no-commit', 'only edit the manifest; do not commit it')
    .option('--dry-run', DRY_RUN_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples('gmr link churn:v3 churn-model', 'gmr link churn:latest churn-model --alias staging', 'gmr link churn:latest churn-model --dry-run') +
        '\nLinking a commit that is already linked prints the existing link and changes nothing.\n',
    )
    .action(async (artifactRef: string, model: string, opts: MutationFlags & { alias: string[]; force?: boolean }) => {
      const { linkModel } = await operations.link()
      const result = await linkModel({
        ...repoOptions(io),
        artifactRef,
        model,
        aliases: opts.alias,
        ...mutationOptions(opts),
        force: opts.force ?? false,
      })
      printEdit(io, opts, result, linkResultJson(result), `${model}:v${result.link.version}${result.existed ? ' (already linked)' : ''}\n`)
    })

  program
    .command('unlink')
    .description('remove a link from a registered model (its number is never reused)')
    .argument('<model-ref>', '<model>:v<K>')
    .option('--no-commit', 'only edit the manifest; do not commit it')
    .option('--dry-run', DRY_RUN_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('gmr unlink churn-model:v2', 'gmr unlink churn-model:v2 --dry-run') + '\nAn alias on the link must be moved or removed first.\n')
    .action(async (ref: string, opts: MutationFlags) => {
      const { unlinkModel } = await operations.unlink()
      const result = await unlinkModel({ ...repoOptions(io), ref, ...mutationOptions(opts) })
      printEdit(io, opts, result, linkResultJson(result), `unlinked ${result.model}:v${result.link.version} (${result.link.artifact}:v${result.link.artifactVersion})\n`)
    })
}
