import * as fs from 'node:fs'
import type { CliIo } from './io.js'
import { runLookup } from './lookup.js'

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
// Lookups skip loading the commander program; everything else runs through it.
process.exitCode = await (runLookup(argv, io) ?? (await import('./program.js')).run(argv, io))
