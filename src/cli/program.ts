import { Command, CommanderError } from 'commander'
import { describeCommandLine } from './commandLine.js'
import { resolvePath } from '../domain/paths.js'
import { parseTimeout, TIMEOUT_ENV } from '../remote/timeouts.js'
import { registerAlias } from './commands/alias.js'
import { registerArtifact } from './commands/artifact.js'
import { registerCache } from './commands/cache.js'
import { registerCard } from './commands/card.js'
import { registerCheck } from './commands/check.js'
import { registerCompletion } from './commands/completion.js'
import { registerDiff } from './commands/diff.js'
import { registerDownload } from './commands/download.js'
import { registerGithubAction } from './commands/githubAction.js'
import { registerHistory } from './commands/history.js'
import { registerInit } from './commands/init.js'
import { registerLink } from './commands/link.js'
import { registerLog } from './commands/log.js'
import { registerManifest } from './commands/manifest.js'
import { registerMeta } from './commands/meta.js'
import { registerModel } from './commands/model.js'
import { registerPrune } from './commands/prune.js'
import { registerRetire } from './commands/retire.js'
import { registerRemote } from './commands/remote.js'
import { registerResolve } from './commands/resolve.js'
import { registerShow } from './commands/show.js'
import { registerSite } from './commands/site.js'
import { registerSync } from './commands/sync.js'
import { registerTag } from './commands/tag.js'
import { registerVerify } from './commands/verify.js'
import { registerVersions } from './commands/versions.js'
import type { CliIo } from './io.js'
import { errorJson } from './jsonOutput.js'
import { EXIT_OK, EXIT_USAGE, holdStderr, reportFailure } from './outcome.js'
import { json } from './render.js'
import { VERSION } from './version.js'
import { onTransferNotice } from '../remote/transferNotices.js'

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
    .option('-q, --quiet', 'print only errors on stderr: no progress, notes or warnings')
    .option('--sign', "sign the commits this command writes (default: git's commit.gpgsign, gpg.format, user.signingkey)")
    .option('--no-sign', 'do not sign them, whatever git is configured to do')
    .option('--timeout <seconds>', 'give up on a remote that sends nothing for this long (default 120; also GMR_TIMEOUT, git config gmr.timeout)')
    .exitOverride()
    .showHelpAfterError('(run "gmr help <command>" for usage)')
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .addHelpText('after', OVERVIEW)
    .hook('preAction', (thisCommand) => {
      const { C: dir, quiet, debug, timeout, sign } = thisCommand.opts<{ C?: string; quiet?: boolean; debug?: boolean; timeout?: string; sign?: boolean }>()
      if (sign !== undefined) io.sign = sign
      if (dir !== undefined) io.cwd = resolvePath(dir, io.cwd)
      if (quiet && !debug) quieten(io)
      if (timeout !== undefined) {
        parseTimeout(timeout, '--timeout')
        io.env = { ...io.env, [TIMEOUT_ENV.stall]: timeout }
      }
    })
  registerInit(program, io)
  registerLog(program, io)
  registerArtifact(program, io)
  registerVersions(program, io)
  registerModel(program, io)
  registerRetire(program, io)
  registerLink(program, io)
  registerAlias(program, io)
  registerTag(program, io)
  registerMeta(program, io)
  registerCard(program, io)
  registerShow(program, io)
  registerResolve(program, io)
  registerDownload(program, io)
  registerManifest(program, io)
  registerHistory(program, io)
  registerSync(program, io)
  registerCheck(program, io)
  registerDiff(program, io)
  registerRemote(program, io)
  registerVerify(program, io)
  registerPrune(program, io)
  registerCache(program, io)
  registerSite(program, io)
  registerGithubAction(program, io)
  registerCompletion(program, io)
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    command.commands.forEach(configure)
  }
  program.commands.forEach(configure)
  return program
}

/** `--json`, or `--format json` (check, diff): errors are then a JSON object too. */
function wantsJson(argv: readonly string[]): boolean {
  return argv.some((arg, i) => arg === '--json' || arg === '--format=json' || (arg === '--format' && argv[i + 1] === 'json'))
}

/** `-q`: stderr carries only the error lines (every error starts with "error: "), and no progress. */
function quieten(io: CliIo): void {
  const stderr = io.stderr
  io.stderr = (text) => {
    if (text.startsWith('error: ')) stderr(text)
  }
  io.stderrIsTTY = false
}

/**
 * Run one gmr command line and return its exit code. Nothing here exits the process,
 * so tests call it in-process with their own io.
 */
export async function run(argv: readonly string[], processIo: CliIo): Promise<number> {
  const io: CliIo = { ...processIo, command: describeCommandLine(argv) }
  const debug = argv.includes('--debug')
  const asJson = wantsJson(argv)
  // Under --json a failure is one error object on stderr (commander's usage text included).
  const held = asJson ? holdStderr(io) : null
  const program = buildProgram(io)
  // A transfer's retries are said on stderr as warnings (not under --json: stderr is then one JSON error, if any).
  const stopNotices = asJson ? () => undefined : onTransferNotice((line) => io.stderr(`warning: ${line}\n`))
  try {
    await program.parseAsync([...argv], { from: 'user' })
    held?.release()
    return EXIT_OK
  } catch (caught) {
    if (caught instanceof CommanderError) {
      if (caught.exitCode === 0) {
        held?.release()
        return EXIT_OK
      }
      if (asJson) processIo.stderr(json(errorJson('UsageError', usageMessage(caught))))
      return EXIT_USAGE
    }
    return reportFailure(asJson ? processIo : io, caught, { debug, json: asJson })
  } finally {
    stopNotices()
  }
}

/** Commander's usage message in one line; for a command given without its subcommand (help shown), what to do. */
function usageMessage(caught: CommanderError): string {
  if (caught.code === 'commander.help') return 'this command needs a subcommand or a known command name; run "gmr help <command>" for usage'
  return caught.message.replace(/^error: /, '').split('\n')[0]!
}

