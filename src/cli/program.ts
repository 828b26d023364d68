import { Command, CommanderError } from 'commander'
import { resolvePath } from '../domain/paths.js'
import { registerAlias } from './commands/alias.js'
import { registerArtifact } from './commands/artifact.js'
import { registerCheck } from './commands/check.js'
import { registerDiff } from './commands/diff.js'
import { registerDownload } from './commands/download.js'
import { registerHistory } from './commands/history.js'
import { registerInit } from './commands/init.js'
import { registerLink } from './commands/link.js'
import { registerLog } from './commands/log.js'
import { registerModel } from './commands/model.js'
import { registerRemote } from './commands/remote.js'
import { registerResolve } from './commands/resolve.js'
import { registerShow } from './commands/show.js'
import { registerSync } from './commands/sync.js'
import { registerTag } from './commands/tag.js'
import { registerVerify } from './commands/verify.js'
import { registerVersions } from './commands/versions.js'
import type { CliIo } from './io.js'
import { EXIT_OK, EXIT_USAGE, reportFailure } from './outcome.js'
import { VERSION } from './version.js'

export { EXIT_ERROR, EXIT_OK, EXIT_USAGE } from './outcome.js'

const OVERVIEW = `
gmr keeps model versions, registered models and aliases in the git repository
your code already lives in. The storage format, the reference grammar and the
architecture are in docs/ (shipped with gmr: docs/storage-format.md).

Quick tour:
  $ gmr init
  $ gmr log churn ./out --metadata accuracy=0.93      # prints churn:v0
  $ gmr versions churn
  $ gmr model create churn-model
  $ gmr link churn:v0 churn-model --alias staging     # prints churn-model:v0
  $ gmr download churn-model:staging --to ./serving
  $ gmr history churn-model

References: <name>[:<selector>], selector v<N>, latest (the default) or an alias.
Every read command takes --json. Exit codes: 0 ok, 1 error, 2 usage.
`

export function buildProgram(io: CliIo): Command {
  const program = new Command('gmr')
  program
    .description('a model registry that lives inside an ordinary git repository')
    .version(VERSION, '--version', 'print the gmr version')
    .option('-C <path>', 'run as if gmr was started in <path>')
    .option('--debug', 'print stack traces for errors')
    .exitOverride()
    .showHelpAfterError('(run "gmr help <command>" for usage)')
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .addHelpText('after', OVERVIEW)
    .hook('preAction', (thisCommand) => {
      const dir = thisCommand.opts<{ C?: string }>().C
      if (dir !== undefined) io.cwd = resolvePath(dir, io.cwd)
    })
  registerInit(program, io)
  registerLog(program, io)
  registerArtifact(program, io)
  registerVersions(program, io)
  registerModel(program, io)
  registerLink(program, io)
  registerAlias(program, io)
  registerTag(program, io)
  registerShow(program, io)
  registerResolve(program, io)
  registerDownload(program, io)
  registerHistory(program, io)
  registerSync(program, io)
  registerCheck(program, io)
  registerDiff(program, io)
  registerRemote(program, io)
  registerVerify(program, io)
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    command.commands.forEach(configure)
  }
  program.commands.forEach(configure)
  return program
}

/**
 * Run one gmr command line and return its exit code. Nothing here exits the process,
 * so tests call it in-process with their own io.
 */
export async function run(argv: readonly string[], processIo: CliIo): Promise<number> {
  const io: CliIo = { ...processIo, command: describeCommandLine(argv) }
  const program = buildProgram(io)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EXIT_OK
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    return reportFailure(io, err, argv.includes('--debug'))
  }
}

/** The command line as the registry lock records it: short, one line. */
function describeCommandLine(argv: readonly string[]): string {
  const line = ['gmr', ...argv].join(' ').replace(/\s+/g, ' ')
  return line.length > 200 ? `${line.slice(0, 197)}...` : line
}
