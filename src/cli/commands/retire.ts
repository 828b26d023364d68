import type { Command } from 'commander'
import type { RetiredEntryYaml } from '../../domain/retired.js'
import type { MutationResult } from '../../ops/support/mutate.js'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { mutationOptions, printEdit, type MutationFlags } from '../mutation.js'
import { examples } from '../options.js'
import { DRY_RUN_HELP } from '../renderPlan.js'
import { operations } from '../operations.js'

interface RetireFlags extends MutationFlags {
  force?: boolean
  reason?: string
}

/** One ref change a removal or rename makes (or, with --dry-run, would make). */
interface RefChangeJson {
  action: 'create' | 'move' | 'delete'
  ref: string
  to?: string
}

/** `--json` of model rm, artifact rm and model rename (schemas/cli/retire.schema.json); `dryRun` and `planned` as every edit has them. */
interface RetireJson {
  action: 'remove' | 'rename'
  kind: 'model' | 'artifact'
  name: string
  renamedTo?: string
  commit: string | null
  paths: string[]
  onRegistryBranch: boolean
  registryBranch: string
  retirement: RetiredEntryYaml
  refs: RefChangeJson[]
}

const RETIRE_HELP =
  '\nThe removal is recorded in registry/retired.yaml (who, when, why), so history keeps everything and\n' +
  '"gmr check --base" accepts it; whoever asks for the name later is told it was retired. On the\n' +
  'registry branch the alias refs go with the commit; elsewhere the edit is a proposal, and they go\n' +
  'when it is merged and "gmr sync" runs. Refused while an alias names a version unless --force\n' +
  '(protected aliases need --force on the registry branch, as everywhere).\n'

/** `gmr model rm`, `gmr model rename` and `gmr artifact rm`: added to the `model` and `artifact` groups. */
export function registerRetire(program: Command, io: CliIo): void {
  const group = (name: string) => program.commands.find((command) => command.name() === name)!
  const flags = (command: Command) =>
    command
      .option('--reason <text>', 'why: recorded in registry/retired.yaml and told to whoever asks for it later')
      .option('--force', 'remove even while an alias names a version (and a protected one on the registry branch)')
      .option('--dry-run', DRY_RUN_HELP)
      .option('--no-commit', 'only edit the files; do not commit them')
      .option('--json', 'print the result as JSON')

  flags(group('model').command('rm').description('remove a registered model, recording who, when and why').argument('<model>', 'registered model'))
    .addHelpText('after', RETIRE_HELP + examples('gmr model rm churn-old --dry-run', 'gmr model rm churn-old --reason "replaced by churn-v2"'))
    .action(async (model: string, opts: RetireFlags) => {
      const { removeModel } = await operations.removeModel()
      const result = await removeModel({ ...repoOptions(io), model, ...retireOptions(opts) })
      report(io, opts, result, { action: 'remove', kind: 'model', name: model, refs: refChanges(result) }, `model ${model}`)
    })

  flags(
    group('model')
      .command('rename')
      .description('rename a registered model: its manifest, card and alias refs; history continues under the new name')
      .argument('<model>', 'registered model')
      .argument('<new-name>', 'its new name'),
  )
    .addHelpText('after', RETIRE_HELP + examples('gmr model rename churn churn-classifier --dry-run', 'gmr model rename churn churn-classifier'))
    .action(async (from: string, to: string, opts: RetireFlags) => {
      const { renameModel } = await operations.renameModel()
      const result = await renameModel({ ...repoOptions(io), from, to, ...retireOptions(opts) })
      report(io, opts, result, { action: 'rename', kind: 'model', name: from, renamedTo: to, refs: refChanges(result) }, `model ${from} -> ${to}`)
    })

  flags(group('artifact').command('rm').description('remove an artifact; its branch is kept under refs/gmr/retired/').argument('<artifact>', 'artifact'))
    .addHelpText(
      'after',
      RETIRE_HELP +
        'Its branch artifacts/<artifact> moves to refs/gmr/retired/artifacts/<artifact>/<tip>: no version is lost.\n' +
        'Refused while a registered model links one of its versions (unlink first).\n' +
        examples('gmr artifact rm scratch --dry-run', 'gmr artifact rm scratch --reason "experiment abandoned"'),
    )
    .action(async (artifact: string, opts: RetireFlags) => {
      const { removeArtifact } = await operations.removeArtifact()
      const result = await removeArtifact({ ...repoOptions(io), artifact, ...retireOptions(opts) })
      const moved = result.branch !== null && (result.commit !== null || result.planned?.committed === true) && result.onRegistryBranch
      const branchRefs: RefChangeJson[] = moved ? [{ action: 'create', ref: result.branch!.to, to: result.branch!.oid }, { action: 'delete', ref: result.branch!.from }] : []
      report(io, opts, result, { action: 'remove', kind: 'artifact', name: artifact, refs: [...refChanges(result), ...branchRefs] }, `artifact ${artifact}`)
    })
}

function retireOptions(opts: RetireFlags) {
  return {
    ...mutationOptions(opts),
    force: opts.force ?? false,
    ...(opts.reason !== undefined && { reason: opts.reason }),
  }
}

function refChanges(result: MutationResult): RefChangeJson[] {
  return result.refs.map((change) => (change.action === 'delete' ? { action: change.action, ref: change.ref } : { action: change.action, ref: change.ref, to: change.to }))
}

function report(
  io: CliIo,
  opts: RetireFlags,
  result: MutationResult & { retirement: RetiredEntryYaml },
  what: Pick<RetireJson, 'action' | 'kind' | 'name' | 'renamedTo' | 'refs'>,
  label: string,
): void {
  const document: RetireJson = {
    ...what,
    commit: result.commit,
    paths: result.paths,
    onRegistryBranch: result.onRegistryBranch,
    registryBranch: result.registryBranch,
    retirement: result.retirement,
  }
  const verb = what.action === 'rename' ? 'renamed' : 'removed'
  printEdit(io, opts, result, document, `${verb} ${label} (recorded in registry/retired.yaml)\n`)
}
