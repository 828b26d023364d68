import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { Script } from 'node:vm'
import { crc32 } from 'node:zlib'

/**
 * V8's code cache for the CLI's bundle files (docs/architecture.md, Start-up). Node 20
 * has no compile cache of its own, and compiling a bundle's functions was most of what
 * gmr adds to node's start-up: each part of the CLI is one CommonJS file
 * (scripts/bundle-cli.mjs), compiled here as a `vm.Script` with the code V8 produced for
 * it after an earlier successful run (`createCachedData()` then holds every function
 * that ran). The cache is only ever a shortcut: a cache that is missing, truncated,
 * corrupted (our own length and CRC-32 check it before V8 sees it) or made by another
 * node or V8 flags (V8 rejects it) gives the same run, and is written again.
 */

/** The file-system calls the cache makes, passed in by the process entry point. */
export interface CodeCacheFs {
  readFileSync(path: string): Buffer
  writeFileSync(path: string, data: Uint8Array, options: { flag: string }): void
  renameSync(from: string, to: string): void
  mkdirSync(path: string, options: { recursive: true }): string | undefined
  rmSync(path: string, options: { force: true }): void
  readdirSync(path: string): string[]
}

export interface CodeCacheOptions {
  /** The folder of the bundle files. */
  dir: string
  fs: CodeCacheFs
  env: Readonly<Record<string, string | undefined>>
  /** Where GMR_CODE_CACHE=report writes what the cache did (stderr). */
  report(line: string): void
}

/** What became of the cache on this run: `report` prints it, tests read it. */
export type CodeCacheStatus = 'accepted' | 'rejected' | 'corrupt' | 'absent' | 'off'

export interface LoadedBundle {
  exports: unknown
  status: CodeCacheStatus
  /** Writes the cache for the next run, unless this run used one (call after a successful run). */
  keep(): void
}

/** The CommonJS wrapper the bundle's text runs in, as node wraps a module. */
export const BUNDLE_WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n})'] as const

const MAGIC = Buffer.from('gmrv8c01', 'latin1')
const EMPTY = Buffer.alloc(0)
/** The magic, then the V8 data's length and CRC-32, then the bundle's length and CRC-32. */
const HEADER_BYTES = MAGIC.length + 16

/**
 * Loads `<dir>/<name>.cjs` through the code cache kept under `cacheKey` (the bundle's
 * name, or a finer key where one bundle serves several commands), runs it and returns
 * its exports.
 */
export function loadBundle(name: string, cacheKey: string, options: CodeCacheOptions): LoadedBundle {
  const file = join(options.dir, `${name}.cjs`)
  const bytes = options.fs.readFileSync(file)
  const mode = options.env['GMR_CODE_CACHE']
  const bundle = { length: bytes.length, crc: crc32(bytes) }
  const key = `${cacheKey}-${hex(bundle.crc)}-${bundle.length}-node${process.version}-${process.arch}.v8cache`
  const folders = mode === 'off' ? [] : cacheFolders(options)
  const cached = readCache(folders, key, bundle, options.fs)
  const script = new Script(BUNDLE_WRAPPER[0] + bytes.toString('utf8') + BUNDLE_WRAPPER[1], {
    filename: file,
    ...(cached.data === undefined ? {} : { cachedData: cached.data }),
  })
  const status: CodeCacheStatus = mode === 'off' ? 'off' : script.cachedDataRejected === true ? 'rejected' : cached.status
  if (mode === 'report') options.report(`gmr code cache: ${cacheKey} ${status}${cached.path === undefined ? '' : ` ${cached.path}`}\n`)
  const module = { exports: {} as unknown }
  const wrapped = script.runInThisContext() as (...args: unknown[]) => void
  wrapped.call(module.exports, module.exports, createRequire(file), module, file, options.dir)
  return {
    exports: module.exports,
    status,
    keep: () => {
      if (status === 'accepted' || status === 'off') return
      const written = writeCache(folders, cacheKey, key, () => withHeader(script.createCachedData(), bundle), options.fs)
      if (mode === 'report') options.report(`gmr code cache: ${cacheKey} ${written === undefined ? 'unwritten' : `written ${written}`}\n`)
    },
  }
}

/** Beside the bundles when that folder is writable (an install of one's own), else the user's cache folder. */
function cacheFolders(options: CodeCacheOptions): string[] {
  const xdg = options.env['XDG_CACHE_HOME']
  const home = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedirOrEmpty(), '.cache')
  return [join(options.dir, '.code-cache'), ...(home === '.cache' ? [] : [join(home, 'gmr')])]
}

function homedirOrEmpty(): string {
  try {
    return homedir()
  } catch {
    return ''
  }
}

/** A bundle file's length and CRC-32: its cache's file name holds them, with node's version, so that no other bundle or node reads it. */
export interface BundleId {
  length: number
  crc: number
}

interface CacheRead {
  data?: Buffer
  path?: string
  status: 'accepted' | 'corrupt' | 'absent'
}

/** The first cache file found for `key` whose header matches this bundle and its own bytes. */
function readCache(folders: readonly string[], key: string, bundle: BundleId, fs: CodeCacheFs): CacheRead {
  for (const folder of folders) {
    const path = join(folder, key)
    let bytes: Buffer
    try {
      bytes = fs.readFileSync(path)
    } catch {
      continue
    }
    const data = bytes.subarray(HEADER_BYTES)
    const sound =
      bytes.length > HEADER_BYTES &&
      bytes.subarray(0, MAGIC.length).equals(MAGIC) &&
      bytes.readUInt32LE(MAGIC.length) === data.length &&
      bytes.readUInt32LE(MAGIC.length + 4) === crc32(data) &&
      bytes.readUInt32LE(MAGIC.length + 8) === bundle.length &&
      bytes.readUInt32LE(MAGIC.length + 12) === bundle.crc
    return sound ? { data, path, status: 'accepted' } : { path, status: 'corrupt' }
  }
  return { status: 'absent' }
}

/** A cache file's bytes: the header, then V8's data. */
export function withHeader(data: Buffer, bundle: BundleId): Buffer {
  const header = Buffer.alloc(HEADER_BYTES)
  MAGIC.copy(header)
  header.writeUInt32LE(data.length, MAGIC.length)
  header.writeUInt32LE(crc32(data), MAGIC.length + 4)
  header.writeUInt32LE(bundle.length, MAGIC.length + 8)
  header.writeUInt32LE(bundle.crc, MAGIC.length + 12)
  return Buffer.concat([header, data])
}

/**
 * Writes the cache into the first folder that takes it, as a temporary file renamed into
 * place, so that a run beside this one reads either no cache or a whole one, and removes
 * that folder's caches of the same key for other bundles or nodes (an upgrade's leftovers).
 * Returns the path written, or undefined when no folder was writable (the next run goes
 * without). `data` is made once a folder has taken the temporary file: where none is
 * writable, no run serializes V8's code only to drop it.
 */
function writeCache(folders: readonly string[], cacheKey: string, key: string, data: () => Buffer, fs: CodeCacheFs): string | undefined {
  let bytes: Buffer | undefined
  for (const folder of folders) {
    const path = join(folder, key)
    const temp = join(folder, `.${key}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`)
    try {
      fs.mkdirSync(folder, { recursive: true })
      fs.writeFileSync(temp, EMPTY, { flag: 'wx' })
      bytes ??= data()
      fs.writeFileSync(temp, bytes, { flag: 'w' })
      fs.renameSync(temp, path)
      removeOtherCaches(folder, cacheKey, key, fs)
      return path
    } catch {
      try {
        fs.rmSync(temp, { force: true })
      } catch {
        // Nothing was written there.
      }
    }
  }
  return undefined
}

/**
 * The caches of `cacheKey` in `folder` other than `key` (made for an earlier bundle or
 * another node), and its temporary files left by a run that was killed while writing one
 * (their process is gone).
 */
function removeOtherCaches(folder: string, cacheKey: string, key: string, fs: CodeCacheFs): void {
  const sameKey = new RegExp(`^${cacheKey}-[0-9a-f]{8}-\\d+-node.*\\.v8cache$`)
  const leftTemp = new RegExp(`^\\.${cacheKey}-[0-9a-f]{8}-\\d+-node.*\\.v8cache\\.(\\d+)\\.[0-9a-z]*\\.tmp$`)
  let names: string[]
  try {
    names = fs.readdirSync(folder)
  } catch {
    return
  }
  for (const name of names) {
    const temp = leftTemp.exec(name)
    const left = temp !== null && !processRuns(Number(temp[1]))
    if (!left && (name === key || !sameKey.test(name))) continue
    try {
      fs.rmSync(join(folder, name), { force: true })
    } catch {
      // Another run removed it, or the folder forbids it: a leftover costs only disk.
    }
  }
}

/** Whether process `pid` still runs (a temporary file of its own may be under way). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0')
}
