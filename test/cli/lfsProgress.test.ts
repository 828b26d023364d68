import * as fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/cli/io.js'
import { PROGRESS_MIN_BYTES, progressDisplay } from '../../src/cli/progress.js'

const MiB = 1024 * 1024

function io(tty: boolean): CliIo & { err: string } {
  const out = {
    err: '',
    stdout: () => {},
    stderr: (s: string) => void (out.err += s),
    cwd: '/',
    env: {},
    fs,
    stderrIsTTY: tty,
  }
  return out
}

describe('the progress line', () => {
  it('does not exist when stderr is not a terminal', () => {
    expect(progressDisplay(io(false))).toBeUndefined()
  })

  it('ignores files under 64 MiB, redraws at most every 100 ms, and clears itself when a file is done', () => {
    const terminal = io(true)
    let now = 0
    const progress = progressDisplay(terminal, { now: () => now })!
    const total = PROGRESS_MIN_BYTES + MiB
    progress.onProgress({ phase: 'hash', path: 'small.bin', done: 0, total: PROGRESS_MIN_BYTES - 1 })
    progress.onProgress({ phase: 'hash', path: 'small.bin', done: PROGRESS_MIN_BYTES - 1, total: PROGRESS_MIN_BYTES - 1 })
    expect(terminal.err).toBe('')
    progress.onProgress({ phase: 'hash', path: 'big.bin', done: 0, total })
    now = 50
    progress.onProgress({ phase: 'hash', path: 'big.bin', done: 10 * MiB, total })
    now = 150
    progress.onProgress({ phase: 'hash', path: 'big.bin', done: 13 * MiB, total })
    progress.onProgress({ phase: 'hash', path: 'big.bin', done: total, total })
    expect(terminal.err).toBe(
      '\r\x1b[Khashing big.bin: 0% (0 B of 65 MiB)' + '\r\x1b[Khashing big.bin: 20% (13 MiB of 65 MiB)' + '\r\x1b[K',
    )
  })

  it('clears a line left behind when the command ends early, and names each phase', () => {
    const terminal = io(true)
    const progress = progressDisplay(terminal)!
    progress.onProgress({ phase: 'write', path: 'w.bin', done: 0, total: 2 * PROGRESS_MIN_BYTES })
    progress.end()
    progress.end()
    expect(terminal.err).toBe('\r\x1b[Kwriting w.bin: 0% (0 B of 128 MiB)\r\x1b[K')
    const checking = io(true)
    progressDisplay(checking)!.onProgress({ phase: 'verify', path: 'v.bin', done: 0, total: PROGRESS_MIN_BYTES })
    expect(checking.err).toContain('checking v.bin: 0%')
  })
})
