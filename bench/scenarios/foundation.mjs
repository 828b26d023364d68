// Issue 2: logging many small files, and lookups on an artifact with 10,000 versions.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bareNode, cleanup, fmtSeconds, gmr, median, scratch, sh, time } from '../lib.mjs'

const FILES = 10_000
const VERSIONS = 10_000

function smallFiles(dir) {
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, `shard-${String(i % 100).padStart(3, '0')}`)
    if (i < 100) mkdirSync(sub, { recursive: true })
    writeFileSync(join(sub, `file-${i}.txt`), `content of file ${i}\n`.repeat(1 + (i % 7)))
  }
}

export function newRegistry(root) {
  const repo = join(root, 'repo')
  mkdirSync(repo)
  sh('git', ['init', '-q', '-b', 'main'], { cwd: repo })
  writeFileSync(join(repo, 'README.md'), 'bench\n')
  sh('git', ['add', '.'], { cwd: repo })
  sh('git', ['commit', '-q', '-m', 'init'], { cwd: repo })
  gmr(repo, 'init')
  return repo
}

export function logSmallFiles(runs) {
  const root = scratch('small')
  try {
    const input = join(root, 'model')
    mkdirSync(input)
    smallFiles(input)
    const repo = newRegistry(root)
    let n = 0
    const ours = median(runs, () => gmr(repo, 'log', `small-${n++}`, input))
    let m = 0
    const theirs = median(
      runs,
      () => time('sh', ['-c', 'git add -A && git commit -q -m files'], { cwd: join(root, `git-${m++}`) }),
      (i) => {
        const dir = join(root, `git-${i}`)
        mkdirSync(dir)
        sh('git', ['init', '-q'], { cwd: dir })
        sh('cp', ['-r', `${input}/.`, dir])
      },
    )
    return [
      {
        scenario: `gmr log, ${FILES.toLocaleString('en')} small files`,
        gmr: fmtSeconds(ours),
        baseline: `git add -A && git commit: ${fmtSeconds(theirs)}`,
        ratio: ours / theirs,
        goal: 2,
      },
    ]
  } finally {
    cleanup(root)
  }
}

/** 10,000 versions written quickly with git fast-import, in gmr's message format. */
function manyVersions(repo) {
  let stream = ''
  const when = 1_700_000_000
  for (let v = 0; v < VERSIONS; v++) {
    const message = `big v${v}\n\nartifact: big\nversion: ${v}\nmetadata:\n  step: ${v}\n`
    const content = `weights ${v}\n`
    stream += `commit refs/heads/artifacts/big\nmark :${v + 1}\n`
    stream += `author Bench <bench@example.com> ${when + v} +0000\ncommitter Bench <bench@example.com> ${when + v} +0000\n`
    stream += `data ${Buffer.byteLength(message)}\n${message}\n`
    if (v > 0) stream += `from :${v}\n`
    stream += `M 100644 inline model.bin\ndata ${Buffer.byteLength(content)}\n${content}\n`
  }
  sh('git', ['fast-import', '--quiet'], { cwd: repo, input: stream })
}

export function lookups(runs) {
  const root = scratch('versions')
  try {
    const repo = newRegistry(root)
    manyVersions(repo)
    const cold = gmr(repo, 'versions', 'big', '--json')
    const resolve = median(runs, () => gmr(repo, 'resolve', 'big:v5000'))
    const versions = median(runs, () => gmr(repo, 'versions', 'big', '--json'))
    const node = median(runs, () => bareNode())
    return [
      {
        scenario: `gmr resolve big:v5000 (${VERSIONS.toLocaleString('en')} versions)`,
        gmr: fmtSeconds(resolve),
        baseline: `node -e 0: ${fmtSeconds(node)}`,
        ratio: resolve / node,
        goal: 2,
      },
      {
        scenario: `gmr versions big --json (${VERSIONS.toLocaleString('en')} versions)`,
        gmr: fmtSeconds(versions),
        baseline: `goal 0.3 s; first run, building the index: ${fmtSeconds(cold)}`,
        ratio: versions / 0.3,
        goal: 1,
      },
    ]
  } finally {
    cleanup(root)
  }
}
