import { InvalidArgumentError, type Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { examples } from '../options.js'
import { siteJson } from '../jsonOutput.js'
import { humanSize, json } from '../render.js'
import { operations } from '../operations.js'

const DEFAULT_PORT = 8040

function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0: any free port)')
  return port
}

/** A note when the checkout is not the registry branch: the site then shows a proposal. */
function sourceNote(source: { branch: string | null; registryBranch: string }): string {
  if (source.branch === source.registryBranch) return ''
  return `note: built from ${source.branch === null ? 'a detached HEAD' : `branch ${source.branch}`}, not the registry branch ${source.registryBranch}: the site shows the manifests checked out here\n`
}

/** `gmr site` writes the static web view; `gmr serve` shows the same on 127.0.0.1. */
export function registerSite(program: Command, io: CliIo): void {
  program
    .command('site')
    .description('write the registry as a static web site: models (search, tag filter), model and artifact pages, history')
    .requiredOption('--out <dir>', 'the folder to write: new, empty, or a site gmr wrote before (replaced)')
    .option('--metric <key>', 'the metadata key the model pages chart (dotted for nested keys); default: per model')
    .option('--json', 'print what was written as JSON')
    .addHelpText('after', examples('gmr site --out public', 'gmr site --out public --metric metrics.auc', 'gmr serve --port 8040'))
    .action(async (opts: { out: string; metric?: string; json?: boolean }) => {
      const { writeSite } = await operations.buildSite()
      const result = await writeSite({ ...repoOptions(io), out: opts.out, ...(opts.metric !== undefined && { metric: opts.metric }) })
      io.stderr(sourceNote(result.source))
      if (opts.json) return io.stdout(json(siteJson(result)))
      io.stdout(
        `wrote ${result.out}: ${result.files} files (${result.models} model pages, ${result.artifacts} artifact pages), ${humanSize(result.bytes)}; largest page ${result.largest.path} (${humanSize(result.largest.bytes)})\n`,
      )
    })
  program
    .command('serve')
    .description('serve the static web view of the registry on 127.0.0.1 for a local look (Ctrl-C stops)')
    .option('--port <n>', `the port on 127.0.0.1 (0: any free port)`, parsePort, DEFAULT_PORT)
    .option('--metric <key>', 'the metadata key the model pages chart (dotted for nested keys); default: per model')
    .addHelpText('after', examples('gmr serve', 'gmr serve --port 9000'))
    .action(async (opts: { port: number; metric?: string }) => {
      const { serveSite } = await operations.serveSite()
      const server = await serveSite({ ...repoOptions(io), port: opts.port, ...(opts.metric !== undefined && { metric: opts.metric }) })
      io.stderr(sourceNote(server.source))
      io.stdout(`serving the registry at ${server.url} (${server.files} files, built now: run again to see later changes; Ctrl-C stops)\n`)
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      await server.close()
    })
}
