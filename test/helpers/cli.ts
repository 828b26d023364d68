import * as fs from 'node:fs'
import { run } from '../../src/cli/program.js'
import type { FsClient } from '../../src/git/fs.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Run a gmr command line in-process, as the binary would, capturing its output. */
export async function gmr(
  cwd: string,
  env: Record<string, string>,
  args: string[],
  options: { fs?: FsClient } = {},
): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await run(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    cwd,
    env,
    fs: options.fs ?? fs,
    stderrIsTTY: false,
  })
  return { code, stdout, stderr }
}
