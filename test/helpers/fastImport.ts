import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import type { TempRepo } from './gitRepo.js'

/** gmr's own message body for version `v` of `artifact`. */
export function plainBody(artifact: string, v: number): string {
  return `artifact: ${artifact}\nversion: ${v}\nmetadata:\n  step: ${v}\n`
}

/**
 * `count` versions of `artifact` after `from` (a commit id, or null for a new branch),
 * written quickly by git fast-import with gmr's subject line and `body(v)` (by default
 * gmr's own); `salt` makes the files, and so the commits, differ from an earlier chain.
 * Returns their commit ids, oldest first.
 */
export function appendVersions(
  repo: TempRepo,
  artifact: string,
  start: number,
  count: number,
  from: string | null,
  options: { body?: (v: number) => string; salt?: string } = {},
): string[] {
  const body = options.body ?? ((v: number) => plainBody(artifact, v))
  let stream = ''
  for (let v = start; v < start + count; v++) {
    const message = `${artifact} v${v}\n\n${body(v)}`
    stream += `commit refs/heads/artifacts/${artifact}\nmark :${v + 1}\ncommitter Ada <ada@example.com> ${1_700_000_000 + v} +0000\n`
    stream += `data ${Buffer.byteLength(message)}\n${message}\n`
    if (v === start && from !== null) stream += `from ${from}\n`
    else if (v > start) stream += `from :${v}\n`
    stream += `M 100644 inline model.bin\ndata <<EOF\nweights ${v}${options.salt ?? ''}\nEOF\n`
  }
  const marks = `${repo.scratch}/marks`
  execFileSync('git', ['fast-import', '--quiet', '--force', `--export-marks=${marks}`], { cwd: repo.dir, env: repo.env, input: stream })
  const byMark = new Map(fs.readFileSync(marks, 'utf8').trim().split('\n').map((l) => l.slice(1).split(' ') as [string, string]))
  return Array.from({ length: count }, (_, i) => byMark.get(String(start + i + 1))!)
}
