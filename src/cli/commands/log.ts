import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { collect, examples } from '../options.js'
import { json } from '../render.js'

interface LogFlags {
  metadata: string[]
  metadataFile?: string
  json?: boolean
}

export function registerLog(program: Command, io: CliIo): void {
  program
    .command('log')
    .description('log a new version of a model artifact from files and folders')
    .argument('<artifact>', 'artifact name')
    .argument('<path...>', 'files and folders (a folder contributes its contents)')
    .option('-m, --metadata <key=value>', 'metadata; values are YAML scalars, dotted keys nest (repeatable)', collect, [])
    .option('--metadata-file <file>', 'JSON or YAML file of metadata (--metadata wins)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples(
        'gmr log churn ./out',
        'gmr log churn ./out/model.onnx ./out/config.json --metadata accuracy=0.93 --metadata framework=onnx',
        'gmr log churn ./out --metadata-file metrics.json --metadata metrics.auc=0.97',
      ) + '\nLogging files identical to an existing version writes nothing and prints "<artifact>:v<N> (unchanged)".\n',
    )
    .action(async (artifact: string, paths: string[], opts: LogFlags) => {
      const { parseMetadataPairs } = await import('../../domain/metadata.js')
      const { logVersion } = await import('../../ops/logVersion.js')
      const result = await logVersion({
        ...repoOptions(io),
        artifact,
        paths,
        metadata: parseMetadataPairs(opts.metadata),
        ...(opts.metadataFile !== undefined && { metadataFile: opts.metadataFile }),
      })
      if (opts.json) {
        const { files, ...rest } = result
        return io.stdout(json({ ...rest, files: files.length }))
      }
      io.stdout(`${result.artifact}:v${result.version}${result.unchanged ? ' (unchanged)' : ''}\n`)
    })
}
