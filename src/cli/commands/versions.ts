import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { writeVersionsJson } from '../jsonOutput.js'
import { examples } from '../options.js'
import { annotate, versionAnnotation } from '../../domain/metadataAdditions.js'
import { isoDate, shortOid, table } from '../render.js'
import { ADDED_LEGEND, annotatedInline } from '../renderMetadata.js'

export function registerVersions(program: Command, io: CliIo): void {
  program
    .command('versions')
    .description("list an artifact's versions, oldest first")
    .argument('<artifact>', 'artifact name')
    .option('--json', 'print the versions as JSON')
    .addHelpText('after', examples('gmr versions churn', 'gmr versions churn --json | jq ".versions[-1].metadata"'))
    .action((artifact: string, opts: { json?: boolean }) => versionsAction(io, artifact, opts))
}

/** `gmr versions <artifact>`: also run directly by the start-up fast path (lookup.ts), without commander. */
export async function versionsAction(io: CliIo, artifact: string, opts: { json?: boolean }): Promise<void> {
  const { listVersions } = await import('../../ops/listVersions.js')
  const result = await listVersions({ ...repoOptions(io), artifact })
  if (opts.json) return writeVersionsJson(result, io.stdout)
  if (result.versions.length === 0) return io.stdout(`${artifact} has no versions yet\n`)
  io.stdout(
    table(
      ['VERSION', 'COMMIT', 'LOGGED', 'AUTHOR', 'METADATA'],
      result.versions.map((v) => [
        `v${v.version}`,
        shortOid(v.commit),
        isoDate(v.time),
        v.author.replace(/ <.*>$/, ''),
        annotatedInline(annotate(v, versionAnnotation({ name: artifact, additions: result.additions }, v.version))),
      ]),
    ),
  )
  if (Object.keys(result.additions).length > 0) io.stdout(`${ADDED_LEGEND}\n`)
}
