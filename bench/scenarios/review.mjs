// Issue 5: reviewing a registry change. 1,000 registered models with 50 links each (to
// 100 artifacts of 50 versions), alias refs synced on main, and a proposal branch that
// changes 10 models. `gmr check --base main` and `gmr diff main HEAD` on the proposal.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { cleanup, fmtSeconds, gmr, median, scratch, sh } from '../lib.mjs'

const MODELS = 1000
const LINKS = 50
const ARTIFACTS = 100
const CHANGED = 10
const HEADER = '# yaml-language-server: $schema=https://gmr.dev/schemas/model.schema.json\n'
const WHEN = 1_700_000_000

function manifest(i, commits, { production, tags }) {
  const artifact = `a-${i % ARTIFACTS}`
  const model = {
    name: `model-${i}`,
    description: `benchmark model ${i}`,
    tags,
    versions: commits[artifact].map((commit, v) => ({ version: v, artifact, artifactVersion: v, commit, linkedAt: '2026-11-01T10:00:00Z' })),
    aliases: { production, staging: LINKS - 2 },
  }
  return HEADER + stringify(model, { lineWidth: 0, flowCollectionPadding: false })
}

function filesCommit(ref, from, files, message, when) {
  let out = `commit ${ref}\ncommitter Bench <bench@example.com> ${when} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n`
  if (from) out += `from ${from}\n`
  for (const [path, text] of files) out += `M 100644 inline ${path}\ndata ${Buffer.byteLength(text)}\n${text}\n`
  return out
}

/** The artifact branches, in gmr's message format with a metric, through git fast-import. */
function artifactBranches(repo, root) {
  let stream = ''
  for (let a = 0; a < ARTIFACTS; a++) {
    for (let v = 0; v < LINKS; v++) {
      const mark = a * LINKS + v + 1
      const message = `a-${a} v${v}\n\nartifact: a-${a}\nversion: ${v}\nmetadata:\n  accuracy: ${(0.5 + v / 100).toFixed(2)}\n`
      const content = `weights ${a} ${v}\n`
      stream += `commit refs/heads/artifacts/a-${a}\nmark :${mark}\ncommitter Bench <bench@example.com> ${WHEN + mark} +0000\n`
      stream += `data ${Buffer.byteLength(message)}\n${message}\n${v > 0 ? `from :${mark - 1}\n` : ''}`
      stream += `M 100644 inline model.bin\ndata ${Buffer.byteLength(content)}\n${content}\n`
    }
  }
  const marks = join(root, 'marks')
  sh('git', ['fast-import', '--quiet', `--export-marks=${marks}`], { cwd: repo, input: stream })
  const byMark = new Map(readFileSync(marks, 'utf8').trim().split('\n').map((line) => line.slice(1).split(' ')))
  const commits = {}
  for (let a = 0; a < ARTIFACTS; a++) {
    commits[`a-${a}`] = Array.from({ length: LINKS }, (_, v) => byMark.get(String(a * LINKS + v + 1)))
  }
  return commits
}

export function buildRegistry(root) {
  const repo = join(root, 'repo')
  sh('git', ['init', '-q', '-b', 'main', repo])
  gmr(repo, 'init')
  const commits = artifactBranches(repo, root)
  const base = Array.from({ length: MODELS }, (_, i) => [`registry/models/model-${i}.yaml`, manifest(i, commits, { production: LINKS - 1, tags: ['team:bench'] })])
  // The proposal: 10 models move production back one version and gain a tag.
  const proposal = base
    .slice(0, CHANGED)
    .map(([path], i) => [path, manifest(i, commits, { production: LINKS - 2, tags: ['reviewed', 'team:bench'] })])
  let stream = filesCommit('refs/heads/main', 'refs/heads/main^0', base, `gmr: ${MODELS} models`, WHEN + 100_000)
  stream += filesCommit('refs/heads/proposal', 'refs/heads/main', proposal, 'move production of 10 models', WHEN + 100_001)
  sh('git', ['fast-import', '--quiet'], { cwd: repo, input: stream })
  sh('git', ['reset', '-q', '--hard', 'main'], { cwd: repo })
  gmr(repo, 'sync')
  sh('git', ['pack-refs', '--all'], { cwd: repo })
  sh('git', ['switch', '-q', 'proposal'], { cwd: repo })
  return repo
}

export function review(runs) {
  const root = scratch('review')
  try {
    const repo = buildRegistry(root)
    const dropCaches = () => rmSync(join(repo, '.git/gmr'), { recursive: true, force: true })
    // A fresh clone in CI has none of gmr's caches: manifests and version lists are read from git.
    const checkCold = median(runs, () => gmr(repo, 'check', '--base', 'main'), dropCaches)
    const check = median(runs, () => gmr(repo, 'check', '--base', 'main'))
    dropCaches()
    const diffCold = gmr(repo, 'diff', 'main', 'HEAD', '--format', 'markdown')
    const diff = median(runs, () => gmr(repo, 'diff', 'main', 'HEAD', '--format', 'markdown'))
    sh('git', ['switch', '-q', 'main'], { cwd: repo })
    const checkMain = median(runs, () => gmr(repo, 'check'))
    const scale = `${MODELS} models x ${LINKS} links, ${CHANGED} changed`
    return [
      {
        scenario: `gmr check --base main (${scale}), fresh clone (no gmr caches)`,
        gmr: fmtSeconds(checkCold),
        baseline: 'goal 2 s',
        ratio: checkCold / 2,
        goal: 1,
      },
      {
        scenario: `gmr check --base main (${scale}), warm`,
        gmr: fmtSeconds(check),
        baseline: 'goal 1 s',
        ratio: check / 1,
        goal: 1,
      },
      {
        scenario: `gmr check on main, alias refs too (${MODELS * 2} refs)`,
        gmr: fmtSeconds(checkMain),
        baseline: 'goal 3 s',
        ratio: checkMain / 3,
        goal: 1,
      },
      {
        scenario: `gmr diff main HEAD --format markdown (${scale})`,
        gmr: fmtSeconds(diff),
        baseline: `goal 2 s; fresh clone (no cache): ${fmtSeconds(diffCold)}`,
        ratio: diff / 2,
        goal: 1,
      },
    ]
  } finally {
    cleanup(root)
  }
}
