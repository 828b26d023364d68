import type { RepoOptions } from '../ops/support/context.js'
import type { CliIo } from './io.js'

/** The options every operation takes, from the process's io and the global `-C`. */
export function repoOptions(io: CliIo): RepoOptions {
  return {
    fs: io.fs,
    dir: io.cwd,
    env: io.env,
    command: io.command ?? 'gmr',
    onNotice: (message) => io.stderr(`note: ${message}\n`),
    ...(io.onDisk === true && { onDisk: true }),
    ...(io.sign !== undefined && { sign: io.sign }),
  }
}
