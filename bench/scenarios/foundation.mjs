// Issue 2: logging many small files, and lookups on an artifact with 10,000 versions.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bareNode, cleanup, fmtBytes, fmtSeconds, GMR, gmr, interleavedMedians, median, scratch, sh, time, timeWithRss } from '../lib.mjs'

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
    const rss = []
    const ours = median(runs, () => {
      const run = timeWithRss(process.execPath, [GMR, 'log', `small-${n++}`, input], { cwd: repo })
      rss.push(run.rss)
      return run.seconds
    })
    let m = 0
    const gitRss = []
    const theirs = median(
      runs,
      () => {
        const run = timeWithRss('sh', ['-c', 'git add -A && git commit -q -m files'], { cwd: join(root, `git-${m++}`) })
        gitRss.push(run.rss)
        return run.seconds
      },
      (i) => {
        const dir = join(root, `git-${i}`)
        mkdirSync(dir)
        sh('git', ['init', '-q'], { cwd: dir })
        // 10,000 loose objects would start a detached auto gc after the commit: not part of the timed work.
        sh('git', ['config', 'gc.auto', '0'], { cwd: dir })
        sh('cp', ['-r', `${input}/.`, dir])
      },
    )
    const peak = Math.max(...rss.map((r) => r ?? 0))
    return [
      {
        scenario: `gmr log, ${FILES.toLocaleString('en')} small files`,
        gmr: fmtSeconds(ours),
        baseline: `fresh git add -A && git commit: ${fmtSeconds(theirs)}`,
        ratio: ours / theirs,
        goal: 1,
      },
      {
        scenario: `gmr log, ${FILES.toLocaleString('en')} small files, peak RSS`,
        gmr: fmtBytes(peak),
        baseline: `goal 100 MB; git: ${fmtBytes(Math.max(...gitRss.map((r) => r ?? 0)))}`,
        ratio: peak / (100 * 1024 * 1024),
        goal: 1,
      },
    ]
  } finally {
    cleanup(root)
  }
}

/** 10,000 versions written quickly with git fast-import, in gmr's message format. */
export function manyVersions(repo) {
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
    gmr(repo, 'versions', 'big', '--json')
    // In turn, one of each per round: the start-up ratios are divided by a node start-up
    // of the same moment.
    const [resolve, node, versions] = interleavedMedians(runs, [
      () => gmr(repo, 'resolve', 'big:v5000'),
      () => bareNode(),
      () => gmr(repo, 'versions', 'big', '--json'),
    ])
    // The same with the kept output gone (as after gmr meta set): the index is read and every version rendered.
    const rendered = median(
      runs,
      () => gmr(repo, 'versions', 'big', '--json'),
      () => rmSync(join(repo, '.git', 'gmr', 'rendered'), { recursive: true, force: true }),
    )
    return [
      {
        scenario: `gmr resolve big:v5000 (${VERSIONS.toLocaleString('en')} versions)`,
        gmr: fmtSeconds(resolve),
        baseline: `node -e 0: ${fmtSeconds(node)}`,
        ratio: resolve / node,
        goal: 1.5,
      },
      {
        scenario: `gmr versions big --json (${VERSIONS.toLocaleString('en')} versions)`,
        gmr: fmtSeconds(versions),
        baseline: `goal 0.2 s; node -e 0: ${fmtSeconds(node)}`,
        ratio: versions / 0.2,
        goal: 1,
      },
      {
        scenario: `gmr versions big --json, output not kept (index current, every version rendered)`,
        gmr: fmtSeconds(rendered),
        baseline: `node -e 0: ${fmtSeconds(node)}`,
        ratio: rendered / node,
      },
    ]
  } finally {
    cleanup(root)
  }
}

/**
 * Issue 12's cold path: `gmr clone` of a registry of 10,000 versions from a bare
 * repository (a file:// URL, so that neither side hard-links objects), against
 * `git clone --no-local` (the floor is that plus node's start-up, measured beside it);
 * then the first `gmr versions big --json` in that fresh clone, against `git log` of
 * the branch.
 */
export function coldClone(runs) {
  const root = scratch('cold')
  try {
    const repo = newRegistry(root)
    manyVersions(repo)
    sh('git', ['update-ref', 'refs/aliases/big/production', 'refs/heads/artifacts/big'], { cwd: repo })
    const bare = join(root, 'bare.git')
    sh('git', ['clone', '-q', '--bare', '--no-local', repo, bare])
    sh('git', ['update-ref', 'refs/aliases/big/production', 'refs/heads/artifacts/big'], { cwd: bare })
    const url = `file://${bare}`
    // The floor: git's clone plus node's own start-up, which gmr cannot do without.
    const [ours, theirs, node] = interleavedMedians(runs, [
      (i) => gmr(root, 'clone', url, `gmr-${i}`),
      (i) => time('git', ['clone', '-q', '--no-local', bare, `git-${i}`], { cwd: root }),
      () => bareNode(),
    ])
    let k = 0
    const first = median(runs, () => gmr(join(root, `gmr-${k++}`), 'versions', 'big', '--json'))
    const log = median(runs, () => time('git', ['log', '--first-parent', 'origin/artifacts/big'], { cwd: join(root, 'git-0') }))
    return [
      {
        scenario: `gmr clone, ${VERSIONS.toLocaleString('en')} versions`,
        gmr: fmtSeconds(ours),
        baseline: `git clone --no-local: ${fmtSeconds(theirs)}; floor (that + node -e 0 ${fmtSeconds(node)}): ${((theirs + node) / theirs).toFixed(2)}×`,
        ratio: ours / theirs,
        goal: 1.5,
      },
      {
        scenario: 'first gmr versions big --json in that fresh clone',
        gmr: fmtSeconds(first),
        baseline: `goal 0.3 s; git log --first-parent of the branch: ${fmtSeconds(log)}`,
        ratio: first / 0.3,
        goal: 1,
      },
    ]
  } finally {
    cleanup(root)
  }
}
