// Issue 12 (Transfers) and issue 11 part 3: gmr's LFS client against git-lfs on the same
// local test LFS server (git http-backend + test/helpers/lfsServer.ts, in this process).
//   (a) 1,000 objects of 100 KiB: `gmr push` against `git lfs push --all` + `git push` of the
//       same refs; then `gmr download` in a fresh gmr clone, which fetches the objects and
//       writes the files out, against the same two steps of git-lfs in a fresh git clone:
//       `git lfs fetch --all` + `git lfs checkout` (the version's branch checked out as pointers,
//       the LFS filter configured in that clone so that checkout writes the files).
//       The work in each fetch row: gmr lists the version's pointers, asks the batch API,
//       receives, hashes, writes and renames each object into .git/lfs/objects (recording it
//       as verified), then copies each into a new file without hashing again. git-lfs
//       receives, hashes, writes and renames each object, then checkout copies each into
//       the working tree and has git refresh the index for those paths. Both rows end with
//       every file on disk whole (checked after each run).
//   (b) the same for 10 objects of 50 MiB.
// Each cell also says how many LFS requests and TCP connections the server saw (keep-alive),
// and the CPU time the servers (this process) spent in that step's last run.
// Each run pushes to new, empty repositories. GMR_BENCH_TRANSFER_SMALL / _LARGE_MB shrink it.
// GMR_BENCH_TRANSFER_ROWS picks rows for a quick loop: a comma-separated list of
// `small`, `large`, `small-push`, `small-fetch`, `large-push`, `large-fetch` (default: all).
// A fetch row pushes with gmr first (untimed) when its push row is not chosen.
// GMR_BENCH_TRANSFER_NODE_ARGS: node options for gmr's runs (`--cpu-prof --cpu-prof-dir=DIR`);
// `node --cpu-prof bench/run.mjs …` profiles the servers.
// GMR_BENCH_TRANSFER_CONCURRENCY=N sets `lfs.concurrenttransfers` for both tools (unset: each its default).
// GMR_BENCH_TRANSFER_HOOKS=1: the registry has git-lfs's hooks (as a `git clone` gets where
// git-lfs is installed), and each remote has the registry branch already (pushed untimed), so
// the timed pushes send the artifact's branch alone: gmr's `git push` then runs the pre-push
// hook, the baseline's (`--no-verify`) does not.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cleanup, env as baseEnv, fmtSeconds, GMR, runAsync, scratch, sh } from '../lib.mjs'
import { newRegistry } from './foundation.mjs'
import { startServer } from './remote.mjs'

const SMALL = Number(process.env.GMR_BENCH_TRANSFER_SMALL ?? 1000)
const LARGE_MB = Number(process.env.GMR_BENCH_TRANSFER_LARGE_MB ?? 50)

const ROWS = (process.env.GMR_BENCH_TRANSFER_ROWS ?? 'small,large').split(',').map((row) => row.trim())
/** Whether the row `label` (small, large) of `side` (push, fetch) is chosen. */
const chosen = (label, side) => ROWS.includes(label) || ROWS.includes(`${label}-${side}`)

/** Node options for the measured gmr runs, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (GMR_BENCH_TRANSFER_NODE_ARGS). */
const NODE_ARGS = (process.env.GMR_BENCH_TRANSFER_NODE_ARGS ?? '').split(' ').filter(Boolean)

/** Whether the registry has git-lfs's hooks and the remotes its registry branch (GMR_BENCH_TRANSFER_HOOKS). */
const HOOKS = process.env.GMR_BENCH_TRANSFER_HOOKS === '1'

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** A registry whose artifact `a` has one version of `count` LFS files of `bytes` each. */
function registryOf(root, name, count, bytes, env) {
  const dir = join(root, name)
  mkdirSync(dir)
  const repo = newRegistry(dir)
  const input = join(dir, 'input')
  mkdirSync(input)
  const base = randomBytes(bytes)
  for (let i = 0; i < count; i++) {
    base.writeUInt32LE(i, 0)
    writeFileSync(join(input, `part-${String(i).padStart(4, '0')}.bin`), base)
  }
  sh(process.execPath, [GMR, 'log', 'a', input, '--large-file-threshold', '1024'], { cwd: repo, env, stdio: 'pipe' })
  rmSync(input, { recursive: true, force: true })
  return repo
}

/** The LFS requests the server answers, and the connections they came on, since the last take(). */
function lfsTraffic() {
  let requests = 0
  let first = Infinity
  let last = -Infinity
  const connections = new Set()
  return {
    onRequest: (entry) => {
      requests++
      connections.add(entry.connection)
      const now = performance.now()
      first = Math.min(first, now - entry.ms)
      last = Math.max(last, now)
    },
    /** What was seen since the last take; `first`/`last`: when the first LFS request arrived and the last answer ended, in s after `since` (performance.now()). */
    take: (since = 0) => {
      const seen = { requests, connections: connections.size, first: (first - since) / 1000, last: (last - since) / 1000 }
      requests = 0
      first = Infinity
      last = -Infinity
      connections.clear()
      return seen
    },
  }
}

/** Push and fetch timings of gmr and of git-lfs for one registry, `runs` times each on fresh repositories. */
async function compare(server, traffic, root, repo, label, runs, env, count, bytes) {
  const run = (cwd, file, ...args) => runAsync(file, args, { cwd, env })
  const gmr = (cwd, ...args) => run(cwd, process.execPath, ...NODE_ARGS, GMR, ...args)
  const times = { gmrPush: [], lfsPush: [], gmrFetch: [], lfsFetch: [] }
  const seen = {}
  const timed = async (what, steps) => {
    traffic.take()
    const cpu = process.cpuUsage()
    const started = performance.now()
    let seconds = 0
    for (const step of steps) seconds += (await step()).seconds
    times[what].push(seconds)
    const used = process.cpuUsage(cpu)
    seen[what] = { ...traffic.take(started), serverCpu: (used.user + used.system) / 1e6 }
  }
  for (let i = 0; i < runs; i++) {
    const ours = `${label}-gmr-${i}`
    const theirs = `${label}-lfs-${i}`
    server.createRepo(ours)
    server.createRepo(theirs)
    await run(repo, 'git', 'remote', 'add', ours, server.url(ours))
    await run(repo, 'git', 'remote', 'add', theirs, server.url(theirs))
    if (HOOKS) for (const remote of [ours, theirs]) await run(repo, 'git', 'push', '-q', '--no-verify', remote, 'main')
    const pushGmr = () => gmr(repo, 'push', ours)
    const pushLfs = [() => run(repo, 'git', 'lfs', 'push', '--all', theirs), () => run(repo, 'git', 'push', '-q', '--no-verify', theirs, 'refs/heads/*:refs/heads/*')]
    const fetching = chosen(label, 'fetch')
    if (chosen(label, 'push')) {
      await timed('gmrPush', [pushGmr])
      await timed('lfsPush', pushLfs)
    } else {
      await pushGmr()
      for (const step of pushLfs) await step()
    }
    if (!fetching) {
      for (const dir of [server.repoPath(ours), server.repoPath(theirs)]) rmSync(dir, { recursive: true, force: true })
      continue
    }

    const gmrClone = join(root, `${ours}-clone`)
    await gmr(root, 'clone', server.url(ours), gmrClone)
    await timed('gmrFetch', [() => gmr(gmrClone, 'download', 'a:v0', '--to', join(root, `${ours}-files`))])
    checkedOut(join(root, `${ours}-files`), count, bytes)
    const gitClone = join(root, `${theirs}-clone`)
    const skipSmudge = { ...env, GIT_LFS_SKIP_SMUDGE: '1' }
    await runAsync('git', ['clone', '-q', server.url(theirs), gitClone], { cwd: root, env: skipSmudge })
    await runAsync('git', ['checkout', '-q', '-b', 'artifacts/a', 'origin/artifacts/a'], { cwd: gitClone, env: skipSmudge })
    // The filter config `git lfs install` writes, in this clone only: without it `git lfs
    // checkout` says "Git LFS is not installed", writes no file and still exits 0.
    await runAsync('git', ['lfs', 'install', '--local', '--skip-repo'], { cwd: gitClone, env })
    await timed('lfsFetch', [() => run(gitClone, 'git', 'lfs', 'fetch', '--all', 'origin'), () => run(gitClone, 'git', 'lfs', 'checkout')])
    checkedOut(gitClone, count, bytes)

    for (const dir of [gmrClone, gitClone, join(root, `${ours}-files`), server.repoPath(ours), server.repoPath(theirs)]) {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return { times, seen }
}

/** Both sides of a fetch row must have written the files: `count` of `bytes` each in `dir`. */
function checkedOut(dir, count, bytes) {
  const files = readdirSync(dir).filter((name) => name.startsWith('part-'))
  const whole = files.filter((name) => statSync(join(dir, name)).size === bytes)
  if (files.length !== count || whole.length !== count) {
    throw new Error(`${dir}: ${whole.length} of ${count} files have their ${bytes} bytes (${files.length} files): the fetch row would compare unequal work`)
  }
}

/**
 * `4.10 s (2010 LFS requests, 9 connections; last run: LFS 520 ms-3.80 s, server CPU 1.90 s)`: a timing
 * with the LFS traffic it took in its last run: requests, connections, when the first LFS
 * request arrived and the last answer ended (after the step began), and the CPU time of
 * this process (the test servers).
 */
const cell = (seconds, seen) =>
  `${fmtSeconds(seconds)} (${seen.requests} LFS requests, ${seen.connections} connections; last run: LFS ${fmtSeconds(seen.first)}-${fmtSeconds(seen.last)}, server CPU ${fmtSeconds(seen.serverCpu)})`

export async function lfsTransfer(runs) {
  const root = scratch('lfs-transfer')
  let server
  try {
    const env = { ...baseEnv, GIT_CONFIG_GLOBAL: join(root, 'gitconfig'), GIT_TERMINAL_PROMPT: '0' }
    // No lock API on the test server: git-lfs would ask it before every push.
    const concurrency = process.env.GMR_BENCH_TRANSFER_CONCURRENCY
    writeFileSync(env.GIT_CONFIG_GLOBAL, `[lfs]\n\tlocksverify = false\n${concurrency ? `\tconcurrenttransfers = ${concurrency}\n` : ''}`)
    const traffic = lfsTraffic()
    server = await startServer(root, { lfs: { onRequest: traffic.onRequest } })
    const n = Math.min(runs, 3)
    const rows = []
    for (const [label, count, bytes] of [
      ['small', SMALL, 100 * 1024],
      ['large', 10, LARGE_MB * 1024 * 1024],
    ]) {
      if (!chosen(label, 'push') && !chosen(label, 'fetch')) continue
      const repo = registryOf(root, label, count, bytes, env)
      if (HOOKS) sh('git', ['lfs', 'install', '--local'], { cwd: repo, env, stdio: 'pipe' })
      const { times: t, seen } = await compare(server, traffic, root, repo, label, n, env, count, bytes)
      const what = `${count} x ${bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`}`
      if (chosen(label, 'push')) {
        rows.push({
          scenario: `LFS push, ${what} (median of ${n})`,
          gmr: `gmr push: ${cell(median(t.gmrPush), seen.gmrPush)}`,
          baseline: `git lfs push --all + git push: ${cell(median(t.lfsPush), seen.lfsPush)}`,
          ratio: median(t.gmrPush) / median(t.lfsPush),
          goal: 1,
        })
      }
      if (chosen(label, 'fetch')) {
        rows.push({
          scenario: `LFS fetch, ${what} (median of ${n})`,
          gmr: `gmr download (fetch + write files): ${cell(median(t.gmrFetch), seen.gmrFetch)}`,
          baseline: `git lfs fetch --all + git lfs checkout: ${cell(median(t.lfsFetch), seen.lfsFetch)}`,
          ratio: median(t.gmrFetch) / median(t.lfsFetch),
          goal: 1,
        })
      }
      rmSync(join(root, label), { recursive: true, force: true })
    }
    return rows
  } finally {
    await server?.stop()
    cleanup(root)
  }
}
