// Issues 3 and 12: one 1 GiB model file through `gmr log` and `gmr download`, each next to
// `cp` of the same bytes in the same run, peak RSS read from outside by /usr/bin/time, and
// logging the unchanged file again next to the time it takes just to hash it. The floor of
// any pass that hashes every byte is this CPU's SHA-256 alone, measured here on bytes in
// memory (node's start-up included: gmr log's floor), as gmr reads a file (1 MiB reads into
// a reused page-aligned buffer) and as openssl does; a download's floor is node's start-up
// plus the kernel's copy, measured as one node process that only copies. Both floors run in
// the same rounds as gmr and cp (see paired). Every timed command starts after `sync`
// (settle), for gmr, cp and the floors alike, so no run pays for the write-back of the one before.
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { cleanup, fmtBytes, fmtSeconds, GMR, median, scratch, sh, time, timeWithRss } from '../lib.mjs'
import { newRegistry } from './foundation.mjs'

const SIZE = 1024 ** 3
const MEMORY_HASH = "const h=require('crypto').createHash('sha256');const b=Buffer.alloc(1<<20,7);for(let i=0;i<1024;i++)h.update(b);h.digest()"
const KERNEL_COPY = "const fs=require('fs');fs.copyFileSync(process.argv[1],process.argv[2],fs.constants.COPYFILE_EXCL|fs.constants.COPYFILE_FICLONE)"
const RSS_GOAL = 100 * 1024 * 1024
// The input, the LFS object, one cp copy and one download exist at once.
const DISK_NEEDED = 4.5 * SIZE

function writeRandomFile(path) {
  const fd = openSync(path, 'w')
  try {
    const chunk = 8 * 1024 * 1024
    for (let done = 0; done < SIZE; done += chunk) writeSync(fd, randomBytes(chunk))
  } finally {
    closeSync(fd)
  }
}

/** Write-back of the previous run's dirty pages must not land on the next one's clock. */
function settle(...paths) {
  for (const path of paths) rmSync(path, { recursive: true, force: true })
  sh('sync', [])
}

/** An empty folder at `path`, made after the last run's was deleted and its write-back done. */
function freshFolder(path) {
  settle(path)
  mkdirSync(path)
}

/**
 * Run gmr, its baseline (`cp`) and its floor (one node process doing only the part no
 * implementation can skip) in turn, one of each per round and in a rotating order, so that
 * all three see the same state of the machine: the kernel's copy alone swings from 0.45
 * to 2.2 s of system time here whoever makes it, so medians of blocks run one after
 * another differ by more than what gmr adds. Each run's wall and CPU times (user +
 * system) go to stderr; besides the medians, the median of each round's gmr - floor
 * difference, which is what gmr itself costs above the floor.
 */
function paired(label, runs, ours, theirs, floor) {
  const runners = floor === undefined ? [ours, theirs] : [ours, theirs, floor]
  const times = runners.map(() => [])
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < runners.length; k++) {
      const which = (i + k) % runners.length
      times[which].push(runners[which](i))
    }
  }
  const [gmrRuns, baseRuns, floorRuns = []] = times
  const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const list = (rs) => rs.map((r) => `${fmtSeconds(r.seconds)}${r.cpu == null ? '' : ` (cpu ${fmtSeconds(r.cpu)})`}`).join(', ')
  process.stderr.write(`  ${label}: gmr ${list(gmrRuns)}; baseline ${list(baseRuns)}${floor === undefined ? '' : `; floor ${list(floorRuns)}`}; load ${loadavg()[0].toFixed(1)}\n`)
  const rss = Math.max(0, ...gmrRuns.map((r) => r.rss ?? 0))
  return {
    gmr: mid(gmrRuns.map((r) => r.seconds)),
    base: mid(baseRuns.map((r) => r.seconds)),
    floor: floor === undefined ? null : mid(floorRuns.map((r) => r.seconds)),
    overFloor: floor === undefined ? null : mid(gmrRuns.map((r, i) => r.seconds - floorRuns[i].seconds)),
    // User time only: the kernel copy's system time swings by seconds from run to run whoever makes it.
    userOverFloor: floor === undefined ? null : mid(gmrRuns.map((r, i) => (r.user ?? NaN) - (floorRuns[i].user ?? NaN))),
    rss: rss || null,
  }
}

export function lfsLargeFile(runs) {
  const root = scratch('lfs')
  try {
    const free = statfsSync(root).bavail * statfsSync(root).bsize
    if (free < DISK_NEEDED) {
      throw new Error(`the LFS benchmark needs ${fmtBytes(DISK_NEEDED)} free in ${root}, there are ${fmtBytes(free)}; set GMR_BENCH_DIR`)
    }
    const input = join(root, 'weights.bin')
    writeRandomFile(input)
    const repo = newRegistry(root)
    const lfs = join(repo, '.git', 'lfs')
    const statCache = join(repo, '.git', 'gmr', 'lfs-stat-cache.json')
    const copy = join(root, 'copy.bin')

    // Each log starts from an empty store and no stat cache: the full hash-and-copy pass.
    const log = paired(
      'log',
      runs,
      (i) => {
        settle(lfs, statCache)
        return timeWithRss(process.execPath, [GMR, 'log', `big-${i}`, input], { cwd: repo })
      },
      () => {
        settle(copy)
        return timeWithRss('cp', [input, copy])
      },
      // The floor of any pass that hashes every byte: this CPU's SHA-256 of 1 GiB held in memory,
      // node's start-up included, which is what `gmr log` cannot go below.
      () => {
        settle()
        return timeWithRss(process.execPath, ['-e', MEMORY_HASH])
      },
    )

    const oid = sh('git', ['show', 'artifacts/big-0:weights.bin'], { cwd: repo }).match(/sha256:([0-9a-f]{64})/)[1]
    const object = join(lfs, 'objects', oid.slice(0, 2), oid.slice(2, 4), oid)
    const target = join(root, 'serving')
    const copyDir = join(root, 'copied')
    // Right after logging: the store recorded the object it wrote as known good, so it is copied, not hashed.
    const download = paired(
      'download after log',
      runs,
      () => {
        settle(target)
        return timeWithRss(process.execPath, [GMR, 'download', 'big-0', '--to', target], { cwd: repo })
      },
      // cp and the floor write into a new folder too, as a download does, so that all three pay
      // the same for where the copy lands: the floor's own script run in gmr's place (into a
      // folder made anew each round) took 1.1–2.5 s of CPU against 0.66–0.85 s into a folder that stays.
      () => {
        freshFolder(copyDir)
        return timeWithRss('cp', [object, join(copyDir, 'weights.bin')])
      },
      // The floor of a download that copies without hashing: node's start-up and the kernel's
      // copy alone (libuv's copyfile: a reflink where the file system has one, else one
      // copy_file_range, as cp does), in one process.
      () => {
        freshFolder(copyDir)
        return timeWithRss(process.execPath, ['-e', KERNEL_COPY, object, join(copyDir, 'weights.bin')])
      },
    )
    // Without that record (deleted): the object is hashed while the kernel copies it.
    const verifiedRecord = join(repo, '.git', 'gmr', 'verified-lfs.json')
    const hashedDownload = paired(
      'download, no record',
      runs,
      () => {
        settle(target, verifiedRecord)
        return timeWithRss(process.execPath, [GMR, 'download', 'big-0', '--to', target], { cwd: repo })
      },
      () => {
        settle(copy)
        return timeWithRss('cp', [object, copy])
      },
    )
    settle(target, copy, copyDir)
    const startup = median(runs, () => time(process.execPath, ['-e', '0']))

    // Logging the unchanged file again: the stat cache answers; the baseline only hashes it.
    // "Well under the hash time" (issue 3) is taken as at most half; what is left is start-up.
    const relog = median(runs, () => time(process.execPath, [GMR, 'log', 'big-0', input], { cwd: repo }))
    const hash = median(runs, () => time('openssl', ['dgst', '-sha256', input]))
    // The file read as gmr reads it: 1 MiB at a time into a reused page-aligned buffer (streamCopy's
    // pageAlignedBuffers; a buffer 16 bytes past a page, as Buffer.allocUnsafe gives, costs three times
    // the system time per read on this CPU, and a read stream's 64 KiB chunks twice the CPU).
    const nodeHash = median(runs, () =>
      time(process.execPath, ['-e', "const fs=require('fs');const h=require('crypto').createHash('sha256');const b=Buffer.from(new WebAssembly.Memory({initial:16}).buffer);const fd=fs.openSync(process.argv[1],'r');let n;while((n=fs.readSync(fd,b,0,b.length,null))>0)h.update(b.subarray(0,n));h.digest()", input]),
    )

    return [
      { scenario: 'gmr log, 1 GiB file', gmr: fmtSeconds(log.gmr), baseline: `cp: ${fmtSeconds(log.base)}; the floor (SHA-256 in memory + start-up): ${fmtSeconds(log.floor)}`, ratio: log.gmr / log.base, goal: 1.25 },
      { scenario: 'gmr log, 1 GiB file: peak RSS', gmr: fmtBytes(log.rss), baseline: `goal ${fmtBytes(RSS_GOAL)}`, ratio: log.rss / RSS_GOAL, goal: 1 },
      { scenario: 'gmr download, 1 GiB file, right after logging it', gmr: fmtSeconds(download.gmr), baseline: `cp: ${fmtSeconds(download.base)}; node -e 0: ${fmtSeconds(startup)}`, ratio: download.gmr / download.base, goal: 1.1 },
      { scenario: 'the floor of gmr download: node start-up + the kernel copy (fs.copyFileSync)', gmr: fmtSeconds(download.floor), baseline: `cp: ${fmtSeconds(download.base)}; gmr download: ${fmtSeconds(download.gmr)}`, ratio: download.floor / download.base },
      { scenario: 'gmr download above its floor (median of each round\'s difference: wall; user CPU)', gmr: `${fmtSeconds(download.overFloor)}; ${fmtSeconds(download.userOverFloor)}`, baseline: `the floor: ${fmtSeconds(download.floor)}`, ratio: download.gmr / download.floor },
      { scenario: 'gmr download, 1 GiB file, no record of the object (hashed beside the copy)', gmr: fmtSeconds(hashedDownload.gmr), baseline: `cp: ${fmtSeconds(hashedDownload.base)}`, ratio: hashedDownload.gmr / hashedDownload.base },
      { scenario: 'gmr download, 1 GiB file: peak RSS', gmr: fmtBytes(download.rss), baseline: `goal ${fmtBytes(RSS_GOAL)}`, ratio: download.rss / RSS_GOAL, goal: 1 },
      { scenario: 'gmr log again, unchanged 1 GiB file', gmr: fmtSeconds(relog), baseline: `openssl dgst -sha256: ${fmtSeconds(hash)}`, ratio: relog / hash, goal: 0.5 },
      { scenario: 'the floor of gmr log: SHA-256 of 1 GiB in memory, node start-up included', gmr: fmtSeconds(log.floor), baseline: `cp: ${fmtSeconds(log.base)}; gmr log: ${fmtSeconds(log.gmr)}`, ratio: log.floor / log.base },
      { scenario: 'gmr log above its floor (median of each round\'s difference: wall; user CPU)', gmr: `${fmtSeconds(log.overFloor)}; ${fmtSeconds(log.userOverFloor)}`, baseline: `the floor: ${fmtSeconds(log.floor)}`, ratio: log.gmr / log.floor },
      { scenario: 'SHA-256 of the 1 GiB file alone (node, 1 MiB page-aligned reads)', gmr: fmtSeconds(nodeHash), baseline: `openssl dgst -sha256: ${fmtSeconds(hash)}; cp: ${fmtSeconds(log.base)}`, ratio: nodeHash / log.base },
    ]
  } finally {
    cleanup(root)
  }
}
