import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { mutationOptions, printEdit, type MutationFlags } from '../mutation.js'
import { modelCreatedJson, modelSummaryJson } from '../jsonOutput.js'
import { collect, examples, REUSE_RETIRED_NAME_HELP } from '../options.js'
import { json, table } from '../render.js'
import { DRY_RUN_HELP } from '../renderPlan.js'
import { operations } from '../operations.js'

export function registerModel(program: Command, io: CliIo): void {
  const model = program.command('model').description('manage registered models')
  model
    .command('create')
    .description('register a model (writes and commits registry/models/<model>.yaml)')
    .argument('<model>', 'model name (one namespace with artifacts)')
    .option('--description <text>', 'what this model is for')
    .option('--tag <tag>', 'a tag (repeatable)', collect, [])
    .option('--card <file>', 'a model card (markdown with YAML front matter) committed with it as registry/models/<model>.md')
    .option('--reuse-retired-name', REUSE_RETIRED_NAME_HELP)
    .option('--no-commit', 'only write the manifest; do not commit it')
    .option('--dry-run', DRY_RUN_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples(
        'gmr model create churn-model --description "customer churn" --tag tabular',
        'gmr model create churn-model --card ./MODEL_CARD.md',
        'gmr model create churn-old --reuse-retired-name',
        'gmr model create churn-model --card ./MODEL_CARD.md --dry-run',
      ),
    )
    .action(async (name: string, opts: MutationFlags & { description?: string; tag: string[]; card?: string; reuseRetiredName?: boolean }) => {
      const { createModel } = await operations.createModel()
      const result = await createModel({
        ...repoOptions(io),
        name,
        tags: opts.tag,
        reuseRetiredName: opts.reuseRetiredName ?? false,
        ...mutationOptions(opts),
        ...(opts.description !== undefined && { description: opts.description }),
        ...(opts.card !== undefined && { card: opts.card }),
      })
      printEdit(io, opts, result, modelCreatedJson(result), `created model ${name} (${result.path})\n`)
    })

  program
    .command('models')
    .description('list registered models')
    .option('--tag <tag>', 'only models with this tag (repeatable: all must match)', collect, [])
    .option('--query <text>', 'only models whose name or description contains this text')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', examples('gmr models', 'gmr models --tag vision --tag production-ready', 'gmr models --query churn --json'))
    .action(async (opts: { tag: string[]; query?: string; json?: boolean }) => {
      const { listModels } = await operations.listModels()
      const models = await listModels({ ...repoOptions(io), tags: opts.tag, ...(opts.query !== undefined && { query: opts.query }) })
      if (opts.json) return io.stdout(json({ modelCount: models.length, models: models.map(modelSummaryJson) }))
      if (models.length === 0) {
        const filtered = opts.tag.length > 0 || opts.query !== undefined
        return io.stdout(filtered ? 'no registered model matches\n' : 'no registered models yet: create one with "gmr model create <model>"\n')
      }
      io.stdout(
        table(
          ['NAME', 'LINKS', 'LATEST', 'ALIASES', 'TAGS', 'DESCRIPTION'],
          models.map((m) => [
            m.name,
            String(m.links),
            m.latest === null ? '-' : `v${m.latest}`,
            Object.entries(m.aliases).map(([a, v]) => `${a}=v${v}`).join(' ') || '-',
            m.tags.join(',') || '-',
            m.description,
          ]),
        ),
      )
    })
}
