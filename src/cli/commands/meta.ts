import type { Command } from 'commander'
import type { SetMetadataOptions, SetMetadataResult } from '../../ops/setMetadata.js'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { metaJson } from '../jsonOutput.js'
import { mutationOptions, printEdit, type MutationFlags } from '../mutation.js'
import { examples } from '../options.js'
import { DRY_RUN_HELP } from '../renderPlan.js'
import { annotatedLines } from '../renderMetadata.js'
import { operations } from '../operations.js'

const AFTER_THE_FACT =
  '\nThe version commit never changes: what is set here lives in registry/artifacts/<artifact>.yaml\n' +
  '(additions: v<N>:) or, for <model>:v<K>, on the link in registry/models/<model>.yaml, and is\n' +
  'committed like any registry edit. show, versions, diff and history merge it over what was\n' +
  'logged and mark it as added.\n'

export function registerMeta(program: Command, io: CliIo): void {
  const meta = program.command('meta').description("add to a version's (or a link's) description and metadata after the fact")
  meta
    .command('set')
    .description('set metadata keys (and the description) of <artifact>:v<N> or <model>:v<K>')
    .argument('<ref>', '<artifact>:<selector> for a version, <model>:<selector> for a link')
    .argument('[pairs...]', 'key=value; values are YAML scalars, dotted keys nest (as with gmr log --metadata)')
    .option('--description <text>', "replace the description (a version's: shown instead of its logged -m message)")
    .option('--no-commit', 'only edit the manifest; do not commit it')
    .option('--dry-run', DRY_RUN_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples(
        'gmr meta set churn:v3 eval.auc=0.91 reviewed=true',
        'gmr meta set churn:v3 reviewed=true --dry-run',
        'gmr meta set churn:v3 --description "retrained on November data"',
        'gmr meta set churn-model:production owner=risk-team',
      ) + AFTER_THE_FACT,
    )
    .action(async (ref: string, pairs: string[], opts: MutationFlags & { description?: string }) => {
      const { parseMetadataPairs } = await operations.metadataParser()
      const set = parseMetadataPairs(pairs, { what: 'key=value pair', example: `gmr meta set ${ref} accuracy=0.93` })
      await runMeta(io, opts, { ref, set, ...(opts.description !== undefined && { description: opts.description }) })
    })
  meta
    .command('rm')
    .description('remove keys (or the description) added with gmr meta set')
    .argument('<ref>', '<artifact>:<selector> for a version, <model>:<selector> for a link')
    .argument('[keys...]', 'keys to remove (dotted keys reach into maps)')
    .option('--description', 'remove the added description (the logged one shows again)')
    .option('--no-commit', 'only edit the manifest; do not commit it')
    .option('--dry-run', DRY_RUN_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples('gmr meta rm churn:v3 reviewed', 'gmr meta rm churn:v3 --description', 'gmr meta rm churn:v3 reviewed --dry-run') +
        '\nWhat the version was logged with cannot be removed, only overridden with gmr meta set.\n',
    )
    .action(async (ref: string, keys: string[], opts: MutationFlags & { description?: boolean }) => {
      await runMeta(io, opts, { ref, remove: keys, ...(opts.description && { description: null }) })
    })
}

async function runMeta(io: CliIo, opts: MutationFlags, change: Pick<SetMetadataOptions, 'ref' | 'set' | 'remove' | 'description'>): Promise<void> {
  const { setMetadata } = await operations.setMetadata()
  const result: SetMetadataResult = await setMetadata({ ...repoOptions(io), ...change, ...mutationOptions(opts) })
  const fields = annotatedLines(result.fields).map((line) => `  ${line}\n`)
  printEdit(io, opts, result, metaJson(result), `${result.reference}${result.changed ? '' : ' (unchanged)'}\n${fields.join('')}`)
}
