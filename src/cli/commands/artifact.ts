import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { artifactCreatedJson, artifactJson } from '../jsonOutput.js'
import { mutationOptions, printEdit, type MutationFlags } from '../mutation.js'
import { examples, REUSE_RETIRED_NAME_HELP } from '../options.js'
import { DRY_RUN_HELP } from '../renderPlan.js'
import { isoDate, json, table } from '../render.js'
import { operations } from '../operations.js'

export function registerArtifact(program: Command, io: CliIo): void {
  const artifact = program.command('artifact').description('manage model artifacts')
  artifact
    .command('create')
    .description('declare an artifact (writes and commits registry/artifacts/<artifact>.yaml)')
    .argument('<artifact>', 'artifact name')
    .option('--type <type>', 'artifact type', 'model')
    .option('--description <text>', 'what this artifact is')
    .option('--reuse-retired-name', REUSE_RETIRED_NAME_HELP)
    .option('--no-commit', 'only write the manifest; do not commit it')
    .option('--dry-run', DRY_RUN_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples('gmr artifact create churn --description "churn classifier"', 'gmr artifact create scratch --reuse-retired-name', 'gmr artifact create churn --dry-run'),
    )
    .action(async (name: string, opts: MutationFlags & { type: string; description?: string; reuseRetiredName?: boolean }) => {
      const { createArtifact } = await operations.createArtifact()
      const result = await createArtifact({
        ...repoOptions(io),
        name,
        type: opts.type,
        ...(opts.description !== undefined && { description: opts.description }),
        reuseRetiredName: opts.reuseRetiredName ?? false,
        ...mutationOptions(opts),
      })
      const line = `created artifact ${name} (${result.path}${result.commit ? `, commit ${result.commit.slice(0, 10)}` : ', not committed'})\n`
      printEdit(io, opts, result, artifactCreatedJson(result), line, false)
    })

  program
    .command('artifacts')
    .description('list model artifacts')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', examples('gmr artifacts', 'gmr artifacts --json | jq -r ".artifacts[].name"'))
    .action(async (opts: { json?: boolean }) => {
      const { listArtifacts } = await operations.listArtifacts()
      const artifacts = await listArtifacts(repoOptions(io))
      if (opts.json) return io.stdout(json({ artifactCount: artifacts.length, artifacts: artifacts.map(artifactJson) }))
      if (artifacts.length === 0) return io.stdout('no artifacts yet: log one with "gmr log <artifact> <path>"\n')
      io.stdout(
        table(
          ['NAME', 'TYPE', 'VERSIONS', 'LATEST', 'LOGGED', 'DESCRIPTION'],
          artifacts.map((a) => [
            a.name,
            a.type,
            String(a.versions),
            a.latest ? `v${a.latest.version}` : '-',
            a.latest ? isoDate(a.latest.time) : '-',
            a.description,
          ]),
        ),
      )
    })
}
