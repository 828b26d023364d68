import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { cardJson } from '../jsonOutput.js'
import { mutationOptions, printEdit } from '../mutation.js'
import { examples } from '../options.js'
import { json } from '../render.js'
import { DRY_RUN_HELP } from '../renderPlan.js'
import { operations } from '../operations.js'

interface CardFlags {
  set?: string
  commit: boolean
  dryRun?: boolean
  json?: boolean
}

export function registerCard(program: Command, io: CliIo): void {
  program
    .command('card')
    .description("print a registered model's card (registry/models/<model>.md), or replace it with --set")
    .argument('<model>', 'the registered model')
    .option('--set <file>', 'store this markdown file as the card (its front matter is validated first)')
    .option('--no-commit', 'with --set: only write the card; do not commit it')
    .option('--dry-run', `with --set: ${DRY_RUN_HELP}`)
    .option('--json', 'print the front matter and the body as JSON')
    .addHelpText(
      'after',
      examples('gmr card churn-model', 'gmr card churn-model --json | jq .frontMatter.license', 'gmr card churn-model --set ./MODEL_CARD.md', 'gmr card churn-model --set ./MODEL_CARD.md --dry-run') +
        '\nA card is markdown with optional YAML front matter between two --- lines, like a Hugging Face\n' +
        'model card: license, datasets, metrics (a list of {name, value, dataset}), intendedUse,\n' +
        'limitations, language, baseModel, tags, and metric (the key gmr site charts). Other keys\n' +
        'are kept. schemas/modelCard.schema.json is the rule; gmr check validates every card.\n',
    )
    .action(async (model: string, opts: CardFlags) => {
      if (opts.set !== undefined) {
        const { setModelCard } = await operations.setModelCard()
        const result = await setModelCard({ ...repoOptions(io), model, file: opts.set, ...mutationOptions(opts) })
        return printEdit(io, opts, result, cardJson(result), `${result.path}${result.changed ? '' : ' (unchanged)'}\n`)
      }
      const { readModelCard } = await operations.readModelCard()
      const card = await readModelCard({ ...repoOptions(io), model })
      if (opts.json) return io.stdout(json(cardJson(card)))
      io.stdout(card.text.endsWith('\n') || card.text === '' ? card.text : `${card.text}\n`)
    })
}
