import type { FsStat } from './fs.js'

/**
 * The coarsest step of common file systems' timestamps (FAT keeps 2 s): a file whose
 * timestamps are whole seconds may be changed again within this long and keep them.
 */
export const COARSE_TICK_MS = 2_000

/**
 * The step of a clock that stamps file changes on a file system that keeps sub-millisecond
 * timestamps: Linux stamps with its coarse clock, one kernel tick (1–10 ms, HZ 1000–100),
 * newer kernels (6.13+, multigrain) finer still; Windows's timer ticks every 15.6 ms.
 */
const FINE_TICK_MS = 20

/**
 * How long after a change of the file `st` describes another change could still leave
 * the same timestamps: FINE_TICK_MS where its ctime has digits below the millisecond (the
 * file system keeps nanoseconds), else COARSE_TICK_MS. A whole-millisecond ctime on a fine
 * file system (one in a million) only makes gmr more careful.
 */
export function timestampTick(st: FsStat): number {
  return st.ctimeMs !== undefined && st.ctimeMs % 1 !== 0 ? FINE_TICK_MS : COARSE_TICK_MS
}

/**
 * Whether the last change of the file `st` describes (its mtime and ctime) lies more than
 * one tick before `moment` (ms since the epoch): then any change from `moment` on, whatever
 * it does to the mtime (`touch -d`), gets a later ctime. This trusts that the file system
 * stamps with this machine's clock, as git's racy-clean rule and the stat cache do.
 */
export function changedBefore(st: FsStat, moment: number): boolean {
  return st.ctimeMs !== undefined && Math.max(st.ctimeMs, st.mtimeMs) < moment - timestampTick(st)
}
