// Issue 16: the static web view of a large registry. The review scenario's registry
// (1,000 registered models x 50 links to 100 artifacts of 50 versions, each with an
// accuracy to chart), on its registry branch: `gmr site --out DIR`, and the largest page.
import { readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { cleanup, fmtSeconds, gmr, median, scratch, sh } from '../lib.mjs'
import { buildRegistry } from './review.mjs'

const GOAL_SECONDS = 5
const PAGE_LIMIT = 1024 * 1024

function largestFile(dir) {
  let largest = { path: '', bytes: 0 }
  for (const path of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = statSync(join(dir, path))
    if (st.isFile() && st.size > largest.bytes) largest = { path, bytes: st.size }
  }
  return largest
}

export function site(runs) {
  const root = scratch('site')
  try {
    const repo = buildRegistry(root)
    sh('git', ['switch', '-q', 'main'], { cwd: repo })
    const out = join(root, 'site')
    rmSync(join(repo, '.git/gmr'), { recursive: true, force: true })
    const cold = gmr(repo, 'site', '--out', out)
    const warm = median(runs, () => gmr(repo, 'site', '--out', out))
    const largest = largestFile(out)
    const pages = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.html')).length
    return [
      {
        scenario: `gmr site --out DIR (1000 models x 50 links, 100 artifacts; ${pages} pages)`,
        gmr: fmtSeconds(warm),
        baseline: `goal ${GOAL_SECONDS} s; fresh clone (no cache): ${fmtSeconds(cold)}`,
        ratio: warm / GOAL_SECONDS,
        goal: 1,
      },
      {
        scenario: `gmr site: largest page (${largest.path})`,
        gmr: `${(largest.bytes / 1024).toFixed(0)} KiB`,
        baseline: 'goal 1 MiB',
        ratio: largest.bytes / PAGE_LIMIT,
        goal: 1,
      },
    ]
  } finally {
    cleanup(root)
  }
}
