import type { download as Download } from '../ops/download.js'
import { repoOptions } from './context.js'
import type { CliIo } from './io.js'
import { downloadJson } from './jsonOutput.js'
import { progressDisplay } from './progress.js'
import { json } from './render.js'

export interface LocalDownloadFlags {
  to?: string
  include?: string[]
  force?: boolean
  json?: boolean
  verify?: boolean
}

/**
 * `gmr download <ref>` from this clone: the operation with a progress display, then its
 * line (or JSON). The program's command and the start-up fast path (src/cli/downloadRun.ts)
 * both run this, each with the operation as it loaded it.
 */
export async function runLocalDownload(io: CliIo, ref: string, opts: LocalDownloadFlags, download: typeof Download): Promise<void> {
  const progress = progressDisplay(io)
  const result = await download({
    ...repoOptions(io),
    ref,
    include: opts.include ?? [],
    force: opts.force ?? false,
    ...(opts.to !== undefined && { to: opts.to }),
    ...(progress && { onProgress: progress.onProgress }),
    ...(opts.json && { listFiles: true }),
    ...(opts.verify === true && { verify: true }),
  }).finally(() => progress?.end())
  if (opts.json) return io.stdout(json(downloadJson(result, result.fileList ?? [], null)))
  const what = result.written === 0 ? 'already up to date' : `${result.written} written, ${result.unchanged} unchanged`
  io.stdout(`${result.name}:v${result.version} -> ${result.dir} (${result.files} ${result.files === 1 ? 'file' : 'files'}: ${what})\n`)
}
