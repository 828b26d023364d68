import * as fs from 'node:fs'
import type { CliIo } from './io.js'
import { cloneCommand } from './cloneCommand.js'
import { describeCommandLine } from './commandLine.js'
import { downloadCommand } from './downloadCommand.js'
import { logCommand } from './logCommand.js'
import { lookupCommand } from './lookup.js'

// The process entry point: the only place that knows about the real process.
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
// The CLI's first lazy-load boundary: which part of it this command line needs. Lookups
// (`gmr resolve`, `gmr versions`, the commands scripts call in loops) run from one bundle
// file of their own without building the commander program, and so does `gmr clone`
// (so that git's clone starts right after node does), and so does a plain `gmr download`
// from this clone (so that the copy starts right after node does), and a plain
// `gmr log <artifact> <path>...` (so that hashing does); everything else loads the
// program, which loads each operation on first use (src/cli/operations.ts).
const lookup = lookupCommand(argv)
const clone = lookup === null ? cloneCommand(argv) : null
const download = lookup === null && clone === null ? downloadCommand(argv) : null
const log = lookup === null && clone === null && download === null ? logCommand(argv, describeCommandLine(argv)) : null
process.exitCode = await (lookup !== null
  ? (await import('./lookupRun.js')).runLookupCommand(lookup, io)
  : clone !== null
    ? (await import('./cloneRun.js')).runCloneCommand(clone, io)
    : download !== null
      ? (await import('./downloadRun.js')).runDownloadCommand(download, io)
      : log !== null
        ? (await import('./logRun.js')).runLogCommand(log, io)
        : (await import('./program.js')).run(argv, io))
