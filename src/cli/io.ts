import type { Env } from '../git/config.js'
import type { FsClient } from '../git/fs.js'

/**
 * Everything a command may touch of the outside world. The real process passes its
 * own; tests pass buffers, so every command runs in-process.
 */
export interface CliIo {
  /** Text, or bytes already encoded (UTF-8) as a command keeps its output. */
  stdout(text: string | Buffer): void
  stderr(text: string): void
  cwd: string
  env: Env
  fs: FsClient
  /** `fs` is the real disk (the process's own), which the git binary sees too. */
  onDisk?: boolean
  /** Whether stderr is a terminal (progress is drawn only then). */
  stderrIsTTY: boolean
  /** The command line being run, as recorded in the registry lock (set by `run`). */
  command?: string
  /** --sign / --no-sign: sign the commits this command writes, whatever git's config says. */
  sign?: boolean
}
