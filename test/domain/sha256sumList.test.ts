import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatSha256sumList } from '../../src/domain/sha256sumList.js'
import { hasTool } from '../helpers/tools.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describe('formatSha256sumList', () => {
  it('sorts by path and writes "<hex>  <path>"', () => {
    expect(formatSha256sumList([{ path: 'b/x', sha256: 'b'.repeat(64) }, { path: 'a y', sha256: 'a'.repeat(64) }])).toBe(
      `${'a'.repeat(64)}  a y\n${'b'.repeat(64)}  b/x\n`,
    )
  })

  it.skipIf(!hasTool('sha256sum'))('escapes backslash, newline and carriage return exactly as GNU sha256sum does, and sha256sum -c reads it', () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'gmr-sha256sum-'))
    try {
      const names = ['plain.txt', 'back\\slash', 'new\nline', 'carriage\rreturn', 'both\\and\n']
      for (const name of names) fs.writeFileSync(join(dir, name), `content of ${name}`)
      const entries = names.map((path) => ({ path, sha256: sha256(`content of ${path}`) }))
      const ours = formatSha256sumList(entries)
      const theirs = execFileSync('sha256sum', ['--', ...[...names].sort()], { cwd: dir, encoding: 'utf8' })
      expect(ours).toBe(theirs)
      fs.writeFileSync(join(dir, 'SUMS'), ours)
      const check = spawnSync('sha256sum', ['-c', 'SUMS'], { cwd: dir, encoding: 'utf8' })
      expect(check.status, check.stderr).toBe(0)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
