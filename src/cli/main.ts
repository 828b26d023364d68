import * as fs from 'node:fs'
import { run } from './program.js'

// The process entry point: the only place that knows about the real process.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
})
process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  fs,
  stderrIsTTY: process.stderr.isTTY === true,
})
