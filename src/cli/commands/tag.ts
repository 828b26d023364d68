import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { mutationOptions, printEdit, type MutationFlags } from '../mutation.js'
import { examples } from '../options.js'
import { tagsJson } from '../jsonOutput.js'
import { DRY_RUN_HELP } from '../renderPlan.js'
import { operations } from '../operations.js'

export function registerTag(program: Command, io: CliIo): void {
  const tag = program.command('tag').description('add or remove tags of a registered model')
  for (const action of ['add', 'rm'] as const) {
    tag
      .command(action)
      .description(action === 'add' ? 'add tags (kept unique and sorted)' : 'remove tags')
      .argument('<model>', 'the registered model')
      .argument('<tag...>', 'tags, e.g. vision or team:search')
      .option('--no-commit', 'only edit the manifest; do not commit it')
      .option('--dry-run', DRY_RUN_HELP)
      .option('--json', 'print the result as JSON')
      .addHelpText('after', examples(`gmr tag ${action} churn-model tabular team:growth`, `gmr tag ${action} churn-model tabular --dry-run`))
      .action(async (model: string, tags: string[], opts: MutationFlags) => {
        const run = action === 'add' ? (await operations.addTags()).addTags : (await operations.removeTags()).removeTags
        const result = await run({ ...repoOptions(io), model, tags, ...mutationOptions(opts) })
        printEdit(io, opts, result, tagsJson(result), `${model} tags: ${result.tags.join(', ') || '(none)'}${result.changed ? '' : ' (unchanged)'}\n`)
      })
  }
}
