import * as fs from 'node:fs'
import type { CliIo } from './io.js'
import { cloneCommand } from './cloneCommand.js'
import { loadBundle, type CodeCacheOptions } from './codeCache.js'
import { describeCommandLine } from './commandLine.js'
import { downloadCommand } from './downloadCommand.js'
import { logCommand } from './logCommand.js'
import { lookupCommand } from './lookup.js'
import type * as CloneRun from './cloneRun.js'
import type * as DownloadRun from './downloadRun.js'
import type * as LogRun from './logRun.js'
import type * as LookupRun from './lookupRun.js'
import type * as Program from './program.js'

// The process entry point: the only place that knows about the real process. Built as
// CommonJS (scripts/bundle-cli.mjs): `__dirname` is the folder of the bundle files.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
})
const argv = process.argv.slice(2)
const io: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  fs,
  onDisk: true,
  stderrIsTTY: process.stderr.isTTY === true,
}
const bundles: CodeCacheOptions = { dir: __dirname, fs, env: process.env, report: io.stderr }

/**
 * Runs one part of the CLI from its bundle file, through V8's code cache
 * (src/cli/codeCache.ts), and keeps the cache after a successful run.
 */
async function runPart<T>(name: string, run: (part: T) => Promise<number>, cacheKey = name): Promise<number> {
  const bundle = loadBundle(name, cacheKey, bundles)
  const code = await run(bundle.exports as T)
  if (code === 0) bundle.keep()
  return code
}

// The CLI's first lazy-load boundary: which part of it this command line needs. Lookups
// (`gmr resolve`, `gmr versions`, the commands scripts call in loops) run from one bundle
// file of their own without building the commander program, and so does `gmr clone`
// (so that git's clone starts right after node does), and so does a plain `gmr download`
// from this clone (so that the copy starts right after node does), and a plain
// `gmr log <artifact> <path>...` (so that hashing does); everything else loads the
// program, which initialises each operation on first use (src/cli/operations.ts).
function runCli(): Promise<number> {
  const lookup = lookupCommand(argv)
  if (lookup !== null) return runPart<typeof LookupRun>('lookupRun', (part) => part.runLookupCommand(lookup, io), `lookupRun-${lookup.command}`)
  const clone = cloneCommand(argv)
  if (clone !== null) return runPart<typeof CloneRun>('cloneRun', (part) => part.runCloneCommand(clone, io))
  const download = downloadCommand(argv)
  if (download !== null) return runPart<typeof DownloadRun>('downloadRun', (part) => part.runDownloadCommand(download, io))
  const log = logCommand(argv, describeCommandLine(argv))
  if (log !== null) return runPart<typeof LogRun>('logRun', (part) => part.runLogCommand(log, io))
  // One cache per command word: each holds the functions its own command ran.
  const command = argv[0] !== undefined && /^[a-z][a-z-]{0,23}$/.test(argv[0]) ? `program-${argv[0]}` : 'program'
  return runPart<typeof Program>('program', (part) => part.run(argv, io), command)
}

void runCli().then((code) => {
  process.exitCode = code
})
