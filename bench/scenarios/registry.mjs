// Issue 4: a registry of 1,000 registered models with 50 links each, aliases as refs,
// and one model whose manifest changed 500 times.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { bareNode, cleanup, fmtSeconds, gmr, interleavedMedians, median, scratch, sh } from '../lib.mjs'

const MODELS = 1000
const LINKS = 50
const CHANGES = 500
const HEADER = '# yaml-language-server: $schema=https://gmr.dev/schemas/model.schema.json\n'

function manifest(i, commits, production) {
  const model = {
    name: `model-${i}`,
    description: `benchmark model ${i}`,
    tags: i % 2 === 0 ? ['t', 'team:bench'] : ['team:bench'],
    versions: commits.map((commit, v) => ({ version: v, artifact: 'base', artifactVersion: v, commit, linkedAt: '2026-11-01T10:00:00Z' })),
    aliases: { production, staging: LINKS - 2 },
  }
  return HEADER + stringify(model, { lineWidth: 0, flowCollectionPadding: false })
}

function fileCommit(ref, parentMark, files, message, when) {
  let out = `commit ${ref}\ncommitter Bench <bench@example.com> ${when} +0000\n`
  out += `data ${Buffer.byteLength(message)}\n${message}\n`
  if (parentMark) out += `from ${parentMark}\n`
  for (const [path, text] of files) out += `M 100644 inline ${path}\ndata ${Buffer.byteLength(text)}\n${text}\n`
  return out
}

export function buildRegistry(root) {
  const repo = join(root, 'repo')
  sh('git', ['init', '-q', '-b', 'main', repo])
  gmr(repo, 'init').toString()
  // The artifact: 50 versions in gmr's message format.
  let stream = ''
  for (let v = 0; v < LINKS; v++) {
    const message = `base v${v}\n\nartifact: base\nversion: ${v}\nmetadata: {}\n`
    stream += `commit refs/heads/artifacts/base\nmark :${v + 1}\ncommitter Bench <bench@example.com> ${1_700_000_000 + v} +0000\n`
    stream += `data ${Buffer.byteLength(message)}\n${message}\n${v > 0 ? `from :${v}\n` : ''}M 100644 inline model.bin\ndata ${`w${v}`.length}\nw${v}\n`
  }
  sh('git', ['fast-import', '--quiet'], { cwd: repo, input: stream })
  const commits = sh('git', ['rev-list', '--reverse', 'artifacts/base'], { cwd: repo }).trim().split('\n')
  // 1,000 manifests in one commit, then 500 commits that each change model-0.
  const files = Array.from({ length: MODELS }, (_, i) => [`registry/models/model-${i}.yaml`, manifest(i, commits, LINKS - 1)])
  stream = fileCommit('refs/heads/main', 'refs/heads/main^0', files, 'gmr: 1000 models', 1_700_100_000)
  for (let c = 0; c < CHANGES; c++) {
    stream += fileCommit('refs/heads/main', '', [['registry/models/model-0.yaml', manifest(0, commits, c % LINKS)]], `move production (${c})`, 1_700_100_001 + c)
  }
  sh('git', ['fast-import', '--quiet'], { cwd: repo, input: stream })
  sh('git', ['reset', '-q', '--hard', 'main'], { cwd: repo })
  gmr(repo, 'sync')
  sh('git', ['pack-refs', '--all'], { cwd: repo })
  return repo
}

export function registry(runs) {
  const root = scratch('registry')
  try {
    const repo = buildRegistry(root)
    const dropCaches = () => {
      rmSync(join(repo, '.git/gmr/manifests'), { recursive: true, force: true })
      rmSync(join(repo, '.git/gmr/registry-log'), { recursive: true, force: true })
    }
    dropCaches()
    const modelsCold = gmr(repo, 'models', '--tag', 't', '--json')
    const models = median(runs, () => gmr(repo, 'models', '--tag', 't', '--json'))
    gmr(repo, 'resolve', 'model-500:production')
    const [resolve, node] = interleavedMedians(runs, [() => gmr(repo, 'resolve', 'model-500:production'), () => bareNode()])
    dropCaches()
    const historyCold = gmr(repo, 'history', 'model-0', '--json')
    const history = median(runs, () => gmr(repo, 'history', 'model-0', '--json'))
    return [
      {
        scenario: `gmr resolve model:production (${MODELS} models x ${LINKS} links)`,
        gmr: fmtSeconds(resolve),
        baseline: `node -e 0: ${fmtSeconds(node)}`,
        ratio: resolve / node,
        goal: 1.5,
      },
      {
        scenario: `gmr models --tag t --json (${MODELS} models)`,
        gmr: fmtSeconds(models),
        baseline: `goal 0.5 s; fresh clone (no cache): ${fmtSeconds(modelsCold)}`,
        ratio: models / 0.5,
        goal: 1,
      },
      {
        scenario: `gmr history model-0 (${CHANGES} manifest changes)`,
        gmr: fmtSeconds(history),
        baseline: `goal 1 s; fresh clone (no cache): ${fmtSeconds(historyCold)}`,
        ratio: history / 1,
        goal: 1,
      },
    ]
  } finally {
    cleanup(root)
  }
}
