import type { LfsProgress } from '../git/lfsStore.js'
import type { CliIo } from './io.js'
import { humanSize } from './render.js'

/** Files smaller than this finish too fast for a progress line to help. */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024

export interface ProgressOptions {
  minBytes?: number
  /** Redraw at most this often (ms). */
  intervalMs?: number
  now?: () => number
}

export interface ProgressDisplay {
  /** Give to the operation's `onProgress`. */
  onProgress(progress: LfsProgress): void
  /** Clear the line; call when the command ends, whether it succeeded or not. */
  end(): void
}

const VERBS: Record<LfsProgress['phase'], string> = { hash: 'hashing', write: 'writing', verify: 'checking' }
// Carriage return, then erase to the end of the line.
const CLEAR = '\r\x1b[K'

/**
 * A one-line progress display on stderr for large files, or undefined when stderr is not
 * a terminal: CI logs and pipes get no escape codes and no progress at all.
 */
export function progressDisplay(io: CliIo, options: ProgressOptions = {}): ProgressDisplay | undefined {
  if (!io.stderrIsTTY) return undefined
  const minBytes = options.minBytes ?? PROGRESS_MIN_BYTES
  const interval = options.intervalMs ?? 100
  const now = options.now ?? Date.now
  let shown = false
  let lastDraw = -Infinity
  const clear = () => {
    if (shown) io.stderr(CLEAR)
    shown = false
  }
  return {
    onProgress(progress) {
      if (progress.total < minBytes) return
      if (progress.done >= progress.total) return clear()
      const t = now()
      if (progress.done > 0 && t - lastDraw < interval) return
      lastDraw = t
      const percent = Math.floor((progress.done / progress.total) * 100)
      io.stderr(
        `${CLEAR}${VERBS[progress.phase]} ${progress.path}: ${percent}% (${humanSize(progress.done)} of ${humanSize(progress.total)})`,
      )
      shown = true
    },
    end: clear,
  }
}
