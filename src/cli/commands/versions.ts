import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { examples } from '../options.js'
import { operations } from '../operations.js'
import { versionsRendering } from '../lookupOutput.js'

export function registerVersions(program: Command, io: CliIo): void {
  program
    .command('versions')
    .description("list an artifact's versions, oldest first")
    .argument('<artifact>', 'artifact name')
    .option('--json', 'print the versions as JSON')
    .addHelpText('after', examples('gmr versions churn', 'gmr versions churn --json | jq ".versions[-1].metadata"'))
    .action((artifact: string, opts: { json?: boolean }) => versionsAction(io, artifact, opts))
}

async function versionsAction(io: CliIo, artifact: string, opts: { json?: boolean }): Promise<void> {
  const { writeVersions } = await operations.renderVersions()
  await writeVersions({ ...repoOptions(io), artifact }, versionsRendering(opts), io.stdout)
}
