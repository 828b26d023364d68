// Issue 6: a registry of 100 versions of a 50 MB model (LFS, every version different bytes)
// on the test git host (git http-backend + the LFS test server, bundled from
// test/helpers/gitServer.ts with esbuild and run in this process, so every command here is
// spawned without blocking). Its byte counters say what went over the wire.
//   (a) `gmr download <url>#m:production` with an empty cache: bytes against the version's
//       size, time against a plain-git deploy of the same ref; and what a full clone is.
//   (b) the same download again: time, and the bytes (ref listing only, no objects).
//   (c) `gmr push` of 10 new versions against `git lfs push` + `git push` of the same commits.
// GMR_BENCH_REMOTE_VERSIONS and GMR_BENCH_REMOTE_MB shrink it (defaults 100 and 50).
import { build } from 'esbuild'
import { randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { cleanup, env as baseEnv, fmtSeconds, GMR, ROOT, runAsync, scratch, sh } from '../lib.mjs'
import { newRegistry } from './foundation.mjs'

const VERSIONS = Number(process.env.GMR_BENCH_REMOTE_VERSIONS ?? 100)
const SIZE = Number(process.env.GMR_BENCH_REMOTE_MB ?? 50) * 1024 * 1024
const PRODUCTION = Math.floor(VERSIONS / 2)
const NEW_VERSIONS = 10
// The local store and the server's, each with every version, plus downloads and the new versions.
const DISK_NEEDED = (2 * (VERSIONS + NEW_VERSIONS) + 12) * SIZE

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Body bytes both ways, all requests since the last reset. */
function wireBytes(server) {
  const { bytesIn, bytesOut } = server.totalBytes()
  return bytesIn + bytesOut
}

/**
 * A download's traffic by what it was for: the ref listing (the first git command, an
 * ls-remote: its `GET info/refs` and `ls-refs` POST), the fetch (every later git
 * request: its own ref listing and the pack), and LFS.
 */
function splitTraffic(server) {
  const out = { listing: 0, fetch: 0, lfs: 0 }
  let commands = 0
  for (const r of server.requests) {
    const bytes = r.bytesIn + r.bytesOut
    if (r.class.startsWith('lfs-')) out.lfs += bytes
    else {
      if (r.method === 'GET') commands++
      if (commands <= 1) out.listing += bytes
      else out.fetch += bytes
    }
  }
  return out
}

function filesBelow(dir) {
  return readdirSync(dir, { recursive: true })
    .map((p) => join(dir, p))
    .filter((p) => statSync(p).isFile())
}

/** The test git + LFS server (test/helpers/gitServer.ts) in this process; `options` as startGitServer takes them. */
export async function startServer(root, options = {}) {
  const bundle = join(root, 'gitServer.mjs')
  await build({
    entryPoints: [join(ROOT, 'test', 'helpers', 'gitServer.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  })
  const { startGitServer } = await import(pathToFileURL(bundle).href)
  return startGitServer({ root: join(root, 'server'), ...options })
}

/** `count` versions of artifact m, each SIZE bytes of its own (random bytes, a counter in front). */
function logVersions(repo, input, base, from, count, env) {
  for (let v = from; v < from + count; v++) {
    base.writeUInt32LE(v, 0)
    writeFileSync(join(input, 'model.bin'), base)
    sh(process.execPath, [GMR, 'log', 'm', input, '--metadata', `run=${v}`], { cwd: repo, env, stdio: 'pipe' })
  }
}

export async function remote(runs) {
  const root = scratch('remote')
  let server
  try {
    const free = statfsSync(root).bavail * statfsSync(root).bsize
    if (free < DISK_NEEDED) {
      throw new Error(`the remote benchmark needs ${size(DISK_NEEDED)} free in ${root}, there are ${size(free)}; set GMR_BENCH_DIR or GMR_BENCH_REMOTE_MB`)
    }
    const env = { ...baseEnv, GIT_CONFIG_GLOBAL: join(root, 'gitconfig'), GIT_TERMINAL_PROMPT: '0' }
    writeFileSync(env.GIT_CONFIG_GLOBAL, '')
    const run = (cwd, file, ...args) => runAsync(file, args, { cwd, env })
    const gmr = (cwd, ...args) => run(cwd, process.execPath, GMR, ...args)

    // The registry: VERSIONS versions of m, production on one in the middle.
    const repo = newRegistry(root)
    const input = join(root, 'input')
    mkdirSync(input)
    writeFileSync(join(input, 'config.json'), '{"layers": 12}\n')
    const base = randomBytes(SIZE)
    logVersions(repo, input, base, 0, VERSIONS, env)
    sh(process.execPath, [GMR, 'alias', 'set', 'm', 'production', `v${PRODUCTION}`, '--force'], { cwd: repo, env, stdio: 'pipe' })

    server = await startServer(root)
    server.createRepo('models')
    const url = server.url('models')
    await run(repo, 'git', 'remote', 'add', 'origin', url)
    await run(repo, 'git', 'config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/aliases/*')
    await run(repo, 'git', 'config', '--add', 'remote.origin.fetch', '+refs/aliases/*:refs/remotes/origin/aliases/*')
    await gmr(repo, 'push')
    const allLfs = filesBelow(join(server.repoPath('models'), 'lfs', 'objects')).reduce((sum, p) => sum + statSync(p).size, 0)

    // (a) One version, no checkout, empty cache, new folder.
    const ref = `${url}#m:production`
    const target = join(root, 'deploy')
    const cache = join(root, 'cache')
    const download = (to) => runAsync(process.execPath, [GMR, 'download', ref, '--to', to], { cwd: root, env: { ...env, XDG_CACHE_HOME: cache } })
    const cold = []
    let coldBytes
    for (let i = 0; i < runs; i++) {
      rmSync(cache, { recursive: true, force: true })
      rmSync(target, { recursive: true, force: true })
      server.resetStats()
      cold.push((await download(target)).seconds)
      coldBytes = { total: wireBytes(server), ...splitTraffic(server) }
    }

    // Plain git deploys the same ref: fetch --depth 1, then checkout through git-lfs's filter.
    const lfsFilter = ['-c', 'filter.lfs.process=git-lfs filter-process', '-c', 'filter.lfs.required=true']
    const plainDeploy = join(root, 'plain-deploy')
    const plain = []
    let plainBytes
    for (let i = 0; i < runs; i++) {
      rmSync(plainDeploy, { recursive: true, force: true })
      sh('git', ['init', '-q', plainDeploy], { env })
      await run(plainDeploy, 'git', 'remote', 'add', 'origin', url)
      server.resetStats()
      const fetched = await run(plainDeploy, 'git', 'fetch', '-q', '--depth', '1', 'origin', 'refs/aliases/m/production')
      const checkout = await run(plainDeploy, 'git', ...lfsFilter, 'checkout', '-q', 'FETCH_HEAD')
      plain.push(fetched.seconds + checkout.seconds)
      plainBytes = wireBytes(server)
    }

    // A full clone: every branch's git objects (pointers only); all LFS objects would be allLfs more.
    const cloneDir = join(root, 'full-clone')
    const clones = []
    let cloneBytes
    for (let i = 0; i < runs; i++) {
      rmSync(cloneDir, { recursive: true, force: true })
      server.resetStats()
      clones.push((await runAsync('git', ['clone', '-q', url, cloneDir], { cwd: root, env: { ...env, GIT_LFS_SKIP_SMUDGE: '1' } })).seconds)
      cloneBytes = wireBytes(server)
    }

    // (b) The cached repeat: same folder (nothing to write), and a new folder (a copy from the cache).
    // A file written less than 2 s before its hash is never trusted by the stat cache (racy
    // timestamps), so a repeat right after the first download hashes it again; a real repeat
    // deploy comes later than that.
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const warm = []
    let warmTraffic
    for (let i = 0; i < runs; i++) {
      server.resetStats()
      warm.push((await download(target)).seconds)
      warmTraffic = splitTraffic(server)
    }
    const fresh = []
    for (let i = 0; i < runs; i++) {
      const to = join(root, `deploy-again-${i}`)
      fresh.push((await download(to)).seconds)
      rmSync(to, { recursive: true, force: true })
    }

    // (c) Ten new versions: gmr push to one repository; the same commits with git lfs push +
    // git push to another that holds what the first held before (refs pushed, LFS objects linked).
    server.createRepo('plain')
    const plainUrl = server.url('plain')
    await run(repo, 'git', 'remote', 'add', 'plain', plainUrl)
    await run(repo, 'git', 'config', `lfs.${plainUrl}/info/lfs.locksverify`, 'false')
    await run(repo, 'git', 'push', '-q', '--no-verify', 'plain', 'refs/heads/*:refs/heads/*', 'refs/aliases/*:refs/aliases/*')
    for (const path of filesBelow(join(server.repoPath('models'), 'lfs', 'objects'))) {
      const linked = join(server.repoPath('plain'), path.slice(server.repoPath('models').length))
      mkdirSync(join(linked, '..'), { recursive: true })
      linkSync(path, linked)
    }
    logVersions(repo, input, base, VERSIONS, NEW_VERSIONS, env)
    server.resetStats()
    const pushed = (await gmr(repo, 'push')).seconds
    const pushBytes = wireBytes(server)
    server.resetStats()
    const lfsPush = (await run(repo, 'git', 'lfs', 'push', 'plain', 'refs/heads/artifacts/m')).seconds
    const gitPush = (await run(repo, 'git', 'push', '-q', '--no-verify', 'plain', 'refs/heads/artifacts/m')).seconds
    const plainPushBytes = wireBytes(server)

    const scale = `${VERSIONS} versions x ${size(SIZE)}`
    const versionBytes = SIZE
    return [
      {
        scenario: `gmr download <url>#m:production (${scale}): bytes`,
        gmr: `${size(coldBytes.total)} (ref listing ${size(coldBytes.listing)}, git fetch ${size(coldBytes.fetch)}, LFS ${size(coldBytes.lfs)})`,
        baseline: `the version: ${size(versionBytes)}`,
        ratio: coldBytes.total / versionBytes,
        goal: 1.1,
      },
      {
        scenario: `gmr download <url>#m:production (${scale}): bytes vs a full clone`,
        gmr: size(coldBytes.total),
        baseline: `git clone: ${size(cloneBytes)} in ${fmtSeconds(median(clones))}; + all LFS objects: ${size(allLfs)}`,
        ratio: coldBytes.total / (cloneBytes + allLfs),
      },
      {
        scenario: `gmr download <url>#m:production (${scale}): time, empty cache`,
        gmr: fmtSeconds(median(cold)),
        baseline: `git fetch --depth 1 + checkout (git-lfs): ${fmtSeconds(median(plain))}, ${size(plainBytes)}`,
        ratio: median(cold) / median(plain),
      },
      {
        scenario: 'gmr download again, same folder (cached)',
        gmr: fmtSeconds(median(warm)),
        baseline: 'goal 0.3 s',
        ratio: median(warm) / 0.3,
        goal: 1,
      },
      {
        scenario: 'gmr download again, new folder (cached)',
        gmr: fmtSeconds(median(fresh)),
        baseline: 'goal 0.3 s',
        ratio: median(fresh) / 0.3,
        goal: 1,
      },
      {
        scenario: 'gmr download again: bytes of objects',
        gmr: `${size(warmTraffic.fetch + warmTraffic.lfs)} (ref listing: ${size(warmTraffic.listing)})`,
        baseline: `goal 0 B; the version: ${size(versionBytes)}`,
        ratio: (warmTraffic.fetch + warmTraffic.lfs) / versionBytes,
        goal: 0,
      },
      {
        scenario: `gmr push of ${NEW_VERSIONS} new versions (${size(NEW_VERSIONS * SIZE)}), 1 run`,
        gmr: `${fmtSeconds(pushed)}, ${size(pushBytes)}`,
        baseline: `git lfs push + git push: ${fmtSeconds(lfsPush + gitPush)}, ${size(plainPushBytes)}`,
        ratio: pushed / (lfsPush + gitPush),
      },
    ]
  } finally {
    await server?.stop()
    cleanup(root)
  }
}
