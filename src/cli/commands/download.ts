import type { Command } from 'commander'
import type { CliIo } from '../io.js'
import { collect, examples } from '../options.js'
import { runLocalDownload } from '../localDownload.js'
import { downloadJson } from '../jsonOutput.js'
import { json } from '../render.js'
import { InvalidInputError } from '../../domain/errors.js'
import { operations } from '../operations.js'

interface DownloadFlags {
  to?: string
  include: string[]
  force?: boolean
  json?: boolean
  verify?: boolean
}

export function registerDownload(program: Command, io: CliIo): void {
  program
    .command('download')
    .description("write a version's files into a folder; from a remote registry with <git-url>#<name>:<selector>")
    .argument('<ref>', '<name>[:<selector>], or <git-url>#<name>[:<selector>] with no checkout needed')
    .option('--to <dir>', 'target folder (default ./<name>-v<N>); must be new or empty unless --force')
    .option('--include <glob>', 'only files matching this gitignore-style glob (repeatable)', collect, [])
    .option('--force', 'overwrite differing files in a non-empty folder (other files are left alone)')
    .option('--verify', 'first run every check of gmr verify (signatures, every object and large file hashed again); write nothing unless all pass')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples(
        'gmr download churn:v3',
        'gmr download churn:latest --to ./serving',
        'gmr download churn-model:production --verify',
        "gmr download churn --include '*.json'",
        "gmr download churn --include 'weights/' --include '!*.tmp'   # read as a .gitignore is",
        'gmr download https://git.example.com/org/models.git#churn-model:production --to ./model',
        'gmr download ssh://git@git.example.com/org/models.git#churn-model:production --to ./model',
        "gmr download churn-model:production --json | jq -r '.files[] | .sha256 + \"  \" + .path'",
      ) +
        '\nA remote download fetches that one version (depth 1) and its large files into a cache\n($XDG_CACHE_HOME/gmr); downloading it again transfers nothing. Inside a clone, large files\nmissing locally are fetched from the remote on demand. Large files are copied by the kernel\nwhile gmr hashes the same bytes; a file that does not match its SHA-256 is never written.\nAn object this clone knows good and unchanged since (just logged or fetched, or hashed before) is\ncopied without hashing; --verify hashes it all the same.\n',
    )
    .action(async (ref: string, opts: DownloadFlags) => {
      if (ref.includes('#')) return downloadFromRemote(io, ref, opts)
      return runLocalDownload(io, ref, opts, (await operations.download()).download)
    })
}

async function downloadFromRemote(io: CliIo, ref: string, opts: DownloadFlags): Promise<void> {
  if (opts.verify === true) {
    throw new InvalidInputError('--verify checks a version against this clone\'s trust (signatures, objects, large files); clone the registry and run "gmr download <name>:<selector> --verify" there', { ref })
  }
  const { downloadRemote } = await operations.remoteDownload()
  const result = await downloadRemote({
    fs: io.fs,
    ref,
    cwd: io.cwd,
    env: io.env,
    include: opts.include,
    force: opts.force ?? false,
    ...(opts.to !== undefined && { to: opts.to }),
    ...(opts.json && { listFiles: true }),
  })
  for (const note of result.notes) io.stderr(`note: ${note}\n`)
  if (opts.json) return io.stdout(json(downloadJson(result, result.fileList ?? [], result)))
  const what = result.written === 0 ? 'already up to date' : `${result.written} written, ${result.unchanged} unchanged`
  const version = result.artifactVersion === null ? result.selector : `${result.selector}, artifact v${result.artifactVersion}`
  io.stdout(`${result.name} (${version}) -> ${result.dir} (${result.files} ${result.files === 1 ? 'file' : 'files'}: ${what})\n`)
}

