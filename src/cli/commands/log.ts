import { InvalidArgumentError, type Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { collect, examples, REUSE_RETIRED_NAME_HELP } from '../options.js'
import { progressDisplay } from '../progress.js'
import { PLAN_ONLY_HELP } from '../dryRun.js'
import { NOTHING_CHANGED } from '../renderPlan.js'
import { logJson, logPlanJson } from '../jsonOutput.js'
import { humanSize, json } from '../render.js'
import type { LogVersionPlan } from '../../ops/logVersion.js'
import { printLogged } from '../logOutput.js'
import { operations } from '../operations.js'

interface LogFlags {
  message?: string
  alias: string[]
  force?: boolean
  reuseRetiredName?: boolean
  metadata: string[]
  metadataFile?: string
  largeFileThreshold?: number
  dryRun?: boolean
  json?: boolean
}

export function registerLog(program: Command, io: CliIo): void {
  program
    .command('log')
    .description('log a new version of a model artifact from files and folders')
    .argument('<artifact>', 'artifact name')
    .argument('<path...>', 'files and folders (a folder contributes its contents)')
    .option('-m, --message <text>', "what this version is, like git commit -m (kept as description in the version commit's message)", nonEmpty)
    .option('--metadata <key=value>', 'metadata; values are YAML scalars, dotted keys nest (repeatable)', collect, [])
    .option('--metadata-file <file>', 'JSON or YAML file of metadata (--metadata wins)')
    .option(
      '--large-file-threshold <bytes>',
      'store files of at least this many bytes in Git LFS (default: largeFileThreshold in registry/registry.yaml, 1 MiB)',
      byteCount,
    )
    .option('--alias <alias>', "point this alias of the artifact at the version (repeatable; committed in the artifact's manifest)", collect, [])
    .option('--force', 'allow moving a protected alias on the registry branch')
    .option('--reuse-retired-name', REUSE_RETIRED_NAME_HELP)
    .option('--dry-run', PLAN_ONLY_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples(
        'gmr log churn ./out',
        'gmr log churn ./out -m "retrained on November data"',
        'gmr log churn ./out/model.onnx ./out/config.json --metadata accuracy=0.93 --metadata framework=onnx',
        'gmr log churn ./out --metadata-file metrics.json --metadata metrics.auc=0.97',
        'gmr log churn ./out --alias best',
        'gmr log churn ./out --large-file-threshold 10485760',
        'gmr log scratch ./out --reuse-retired-name',
        'gmr log churn ./out --dry-run',
      ) +
        '\nLogging files identical to an existing version writes nothing and prints "<artifact>:v<N> (unchanged)";\n' +
        'metadata or a message it does not hold are not recorded, and stderr names the "gmr meta set" command that records them.\n' +
        'Large files go to .git/lfs/objects as Git LFS does it; the version holds their pointers and a .gitattributes.\n' +
        '--dry-run hashes the files and prints the version it would create (files, sizes, LFS or not) or "unchanged: same as vN";\n' +
        'it writes no object, no ref and nothing to the LFS store.\n',
    )
    .action(async (artifact: string, paths: string[], opts: LogFlags) => {
      const { parseMetadataPairs } = await operations.metadataParser()
      const { logVersion, planLogVersion } = await operations.logVersion()
      const progress = progressDisplay(io)
      const options = {
        ...repoOptions(io),
        artifact,
        paths,
        ...(opts.message !== undefined && { description: opts.message }),
        metadata: parseMetadataPairs(opts.metadata),
        ...(opts.metadataFile !== undefined && { metadataFile: opts.metadataFile }),
        ...(opts.largeFileThreshold !== undefined && { largeFileThreshold: opts.largeFileThreshold }),
        ...(progress && { onProgress: progress.onProgress }),
        aliases: opts.alias,
        force: opts.force ?? false,
        reuseRetiredName: opts.reuseRetiredName ?? false,
      }
      if (opts.dryRun) {
        const plan = await planLogVersion(options).finally(() => progress?.end())
        return io.stdout(opts.json ? json(logPlanJson(plan)) : renderLogPlan(plan))
      }
      const result = await logVersion(options).finally(() => progress?.end())
      if (opts.json) {
        const { resolve } = await operations.resolve()
        const resolved = await resolve({ ...repoOptions(io), ref: `${result.artifact}:v${result.version}` })
        return io.stdout(json(logJson(result, resolved)))
      }
      printLogged(io, result)
    })
}

/** Text with something in it. */
function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('give the description after -m (e.g. -m "retrained on November data").')
  return value
}

/** A whole number of bytes, at least 1. */
function byteCount(value: string): number {
  const n = Number(value)
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('give a whole number of bytes, at least 1 (e.g. 1048576 for 1 MiB).')
  }
  return n
}

/** The version a log would create, file by file, or the existing one it matches. */
function renderLogPlan(plan: LogVersionPlan): string {
  const large = plan.files.filter((f) => f.lfs).length
  const lines = [
    plan.unchanged
      ? `${plan.artifact}: unchanged: same as v${plan.version} (${plan.files.length} files); a log would create no version`
      : `would log ${plan.artifact}:v${plan.version}: ${plan.files.length} file${plan.files.length === 1 ? '' : 's'}${large > 0 ? `, ${large} in Git LFS` : ''}`,
  ]
  if (!plan.unchanged) for (const f of plan.files) lines.push(`  ${f.path}  ${humanSize(f.size)}${f.lfs ? '  (LFS)' : ''}`)
  if (plan.newLfsObjects > 0) lines.push(`would add ${plan.newLfsObjects} large file${plan.newLfsObjects === 1 ? '' : 's'} (${humanSize(plan.newLfsBytes)}) to the LFS store`)
  if (plan.aliases.length > 0) lines.push(`would point ${plan.aliases.join(', ')} at ${plan.artifact}:v${plan.version}`)
  return `${lines.join('\n')}\n${NOTHING_CHANGED}`
}
