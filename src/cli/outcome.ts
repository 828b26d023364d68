import { GmrError } from '../domain/errors.js'
import { storageFailure } from '../git/fs.js'
import type { CliIo } from './io.js'
import { errorJson } from './jsonOutput.js'
import { json } from './render.js'

export const EXIT_OK = 0
export const EXIT_ERROR = 1
export const EXIT_USAGE = 2

/**
 * One line on stderr for a failed command (a stack trace only with --debug), or under
 * --json one error object `{"error": {"code", "message"}}`; and its exit code.
 */
export function reportFailure(io: CliIo, caught: unknown, options: { debug: boolean; json: boolean }): number {
  const { debug } = options
  const err = asUserError(caught)
  if (options.json) {
    const code = err instanceof GmrError ? err.code : 'UnexpectedError'
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err)
    io.stderr(json(errorJson(code, message)))
    return EXIT_ERROR
  }
  if (err instanceof GmrError) {
    io.stderr(`error: ${err.message}\n`)
    if (debug && err.stack) io.stderr(`${err.stack}\n`)
    return EXIT_ERROR
  }
  const message = err instanceof Error ? err.message : String(err)
  io.stderr(`error: ${message.split('\n')[0]}${debug ? '' : ' (unexpected; run again with --debug for details)'}\n`)
  if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`)
  return EXIT_ERROR
}

/**
 * Under --json a failed command writes exactly one error object on stderr, so whatever
 * else it would write there (notes, warnings, commander's usage text) is held back into
 * `io` and written by `release` only once it has succeeded. No progress is drawn.
 */
export function holdStderr(io: CliIo): { release(): void } {
  const held: string[] = []
  const stderr = io.stderr
  io.stderr = (text) => void held.push(text)
  io.stderrIsTTY = false
  return { release: () => held.forEach((text) => stderr(text)) }
}

/**
 * A system error a user can cause (full disk, read-only, no permission, name too long)
 * that reached here raw, from a layer that does not go through the file-system adapter,
 * becomes the same one line the adapter would have said.
 */
function asUserError(err: unknown): unknown {
  const { path, dest, syscall } = (err ?? {}) as { path?: unknown; dest?: unknown; syscall?: unknown }
  if (typeof path !== 'string') return err
  const where = typeof dest === 'string' ? `${path}' -> '${dest}` : path
  return storageFailure(err, ACTIONS[String(syscall)] ?? 'use', where)
}

const ACTIONS: Record<string, string> = {
  open: 'open',
  mkdir: 'create the folder',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove',
  write: 'write',
  scandir: 'read the folder',
  read: 'read',
  symlink: 'create',
  link: 'create',
  chmod: 'change the mode of',
}
