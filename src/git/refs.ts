import { isObjectId, OID_HEX } from '../domain/objectId.js'
import { sleep } from '../domain/async.js'
import {
  CorruptObjectError,
  InvalidInputError,
  MissingObjectError,
  InvalidNameError,
  NameTakenError,
  NotAGitRepositoryError,
  RefConflictError,
  RefTargetError,
  RefLockedError,
  UnsupportedStateError,
} from '../domain/errors.js'
import { crashPoint } from './crashPoint.js'
import { dirname, isErrno, type FsFileHandle } from './fs.js'
import { readObject } from './objects.js'
import { waitForLock } from './lock.js'
import type { GitDir } from './repo.js'

/** The all-zero object id git uses for "no value" (a created ref's old value in a reflog). */
export const ZERO_OID = '0'.repeat(40)

export interface ReflogEntry {
  message: string
  /** `Name <email> <unix-seconds> <+hhmm>`, as in a commit's committer line. */
  identity: string
}

export interface UpdateRefOptions {
  /** How long to wait for another writer's `<ref>.lock` to go away; default 5000. */
  lockTimeoutMs?: number
  /** Append an entry to `logs/<ref>`, as git does for branches. */
  reflog?: ReflogEntry
}

export type DeleteRefOptions = Pick<UpdateRefOptions, 'lockTimeoutMs'>

/** git's SYMREF_MAXDEPTH. */
const MAX_SYMREF_DEPTH = 5
const DEFAULT_LOCK_TIMEOUT_MS = 5000
const IDENTITY_PATTERN = /^[^<>\n]* <[^<>\n]*> \d+ [+-]\d{4}$/

/**
 * git check-ref-format for a full name (at least two components, no --allow-onelevel,
 * no --refspec-pattern), so a name gmr accepts is one git accepts too.
 */
export function isValidRefName(ref: string): boolean {
  if (ref === '' || ref === '@' || ref.endsWith('.')) return false
  if (ref.includes('..') || ref.includes('@{')) return false
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return false
    if (' ~^:?*[\\'.includes(ref[i]!)) return false
  }
  const parts = ref.split('/')
  if (parts.length < 2) return false
  return parts.every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'))
}

/** The oid `ref` resolves to, following symbolic refs; `null` when it (or its target) does not exist. */
export async function readRef(repo: GitDir, ref: string): Promise<string | null> {
  assertReadableName(ref)
  return resolveRef(repo, ref, packedRefsOnce(repo))
}

/** The target name of a symbolic ref (`HEAD` -> `refs/heads/main`, even when unborn); `null` otherwise. */
export async function readSymbolicRef(repo: GitDir, ref: string): Promise<string | null> {
  assertReadableName(ref)
  const loose = await readLooseRef(repo, ref)
  return loose?.kind === 'symbolic' ? loose.target : null
}

/**
 * Every ref whose full name starts with `prefix`, sorted by name. Only the loose folder
 * the prefix points into is walked, and packed-refs is read once, so this stays cheap
 * with thousands of refs.
 */
export async function listRefs(repo: GitDir, prefix: string): Promise<Map<string, string>> {
  if (!prefix.startsWith('refs/') || prefix.includes('..')) {
    throw new InvalidNameError(`ref prefix '${prefix}' must start with 'refs/' (for example 'refs/aliases/')`, {
      prefix,
    })
  }
  const packed = packedRefsOnce(repo)
  const loose = new Map<string, LooseRef | 'broken'>()
  const base = prefix.slice(0, prefix.lastIndexOf('/') + 1)
  await walkLooseRefs(repo, base, prefix, loose)

  const found = new Map<string, string>()
  for (const [name, value] of loose) {
    if (value === 'broken') continue // git for-each-ref skips broken refs too, with a warning
    const oid = value.kind === 'oid' ? value.oid : await resolveRef(repo, value.target, packed, 1)
    if (oid !== null) found.set(name, oid)
  }
  for (const [name, oid] of await packed()) {
    if (name.startsWith(prefix) && !loose.has(name)) found.set(name, oid)
  }
  return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * Remove `<ref>.lock` when a killed gmr left it: git's protocol refuses the ref until
 * someone deletes the lock, and git holds a ref lock for milliseconds. A lock that is
 * empty or holds one object id and stays unchanged for `quietMs` is taken as abandoned.
 * Callers use this only for refs gmr itself moves (artifact branches under `gmr log`, the
 * refs of a journaled registry edit), never as a general rule. Returns whether it removed one.
 */
export async function clearAbandonedRefLock(repo: GitDir, ref: string, quietMs = 1000): Promise<boolean> {
  const path = `${refPath(repo, ref)}.lock`
  const before = await repo.fs.stat(path)
  if (before === null) return false
  await sleep(Math.max(0, quietMs - (Date.now() - before.mtimeMs)))
  const after = await repo.fs.stat(path)
  if (after === null || after.mtimeMs !== before.mtimeMs || after.size !== before.size) return false
  const text = (await repo.fs.readText(path)) ?? ''
  if (!new RegExp(`^(${OID_HEX}\n?)?$`).test(text)) return false
  await repo.fs.remove(path)
  return true
}

/**
 * Compare-and-swap `ref` from `expectedOld` to `newOid` under git's own `<ref>.lock`
 * protocol, so concurrent gmr processes and real git never lose an update.
 * `expectedOld` null (or ZERO_OID) means the ref must not exist yet.
 */
export async function updateRef(
  repo: GitDir,
  ref: string,
  newOid: string,
  expectedOld: string | null,
  options: UpdateRefOptions = {},
): Promise<void> {
  assertWritableName(ref)
  assertOid(newOid, 'new value', ref)
  if (newOid === ZERO_OID) {
    throw new InvalidInputError(`cannot set ref '${ref}' to the zero object id; use deleteRef to delete it`, { ref })
  }
  const expected = normaliseExpected(expectedOld, ref)
  if (options.reflog !== undefined) assertIdentity(options.reflog.identity)

  const lock = await lockRef(repo, ref, options.lockTimeoutMs)
  let done = false
  try {
    await assertRefTarget(repo, ref, newOid)
    const packed = packedRefsOnce(repo)
    const actual = await currentValue(repo, ref, packed)
    if (actual !== expected) throw conflictError(ref, expected, actual)
    if (actual === null) await assertNoFolderConflict(repo, ref, await packed())
    await lock.write(`${newOid}\n`)
    crashPoint(`ref:locked:${ref}`)
    // Written while the lock is held, as git does: appenders are serialised, so no
    // entry is lost to a concurrent writer (FileSystem has no append, only rewrite).
    if (options.reflog !== undefined) await appendReflog(repo, ref, actual ?? ZERO_OID, newOid, options.reflog)
    try {
      await lock.commitTo(refPath(repo, ref))
    } catch (err) {
      // A ref folder appeared at this name after the check.
      if (isErrno(err, 'EISDIR', 'ENOTEMPTY', 'EEXIST')) throw await folderConflictError(repo, ref, err)
      throw err
    }
    done = true
  } finally {
    await lock.release()
    // Folders made for a ref that was then refused would otherwise stay behind.
    if (!done) await removeEmptyParents(repo, ref, `${repo.gitdir}/`)
  }
}

/**
 * Delete `ref` if it still points at `expectedOld`, from the loose file and from
 * packed-refs. Its reflog goes too, and emptied folders under `refs/<top>/` are removed,
 * as `git update-ref -d` does.
 */
export async function deleteRef(
  repo: GitDir,
  ref: string,
  expectedOld: string,
  options: DeleteRefOptions = {},
): Promise<void> {
  assertWritableName(ref)
  assertOid(expectedOld, 'expected value', ref)
  const timeout = options.lockTimeoutMs
  const lock = await lockRef(repo, ref, timeout)
  try {
    // packed-refs is locked even when the ref looks loose-only: a concurrent
    // `git pack-refs` may be copying it there right now, and would resurrect it.
    const packedLock = await lockFile(repo, packedRefsPath(repo), timeout, 'packed-refs', { ref })
    try {
      const packedText = (await repo.fs.readText(packedRefsPath(repo))) ?? ''
      const packed = parsePackedRefs(packedText, packedRefsPath(repo))
      const actual = await currentValue(repo, ref, async () => packed)
      if (actual !== expectedOld) throw conflictError(ref, expectedOld, actual)
      if (packed.has(ref)) {
        await packedLock.write(packedRefsWithout(packedText, ref))
        await packedLock.commitTo(packedRefsPath(repo))
      }
      await repo.fs.remove(refPath(repo, ref))
      await repo.fs.remove(`${repo.gitdir}/logs/${ref}`)
    } finally {
      await packedLock.release()
    }
  } finally {
    await lock.release()
    await removeEmptyParents(repo, ref, `${repo.gitdir}/`)
    await removeEmptyParents(repo, ref, `${repo.gitdir}/logs/`)
  }
}

// ---------------------------------------------------------------------------------
// Reading

type LooseRef = { kind: 'oid'; oid: string } | { kind: 'symbolic'; target: string }

function refPath(repo: GitDir, ref: string): string {
  return `${repo.gitdir}/${ref}`
}

function packedRefsPath(repo: GitDir): string {
  return `${repo.gitdir}/packed-refs`
}

/** The loose file's content; `null` when there is no file (a folder of refs counts as none). */
async function readLooseRef(repo: GitDir, ref: string): Promise<LooseRef | null> {
  const file = refPath(repo, ref)
  const text = await readFileOrNull(repo, file)
  if (text === null) return null
  const parsed = parseLooseRef(text)
  if (parsed === null) {
    throw new CorruptObjectError(
      `ref file '${file}' is corrupt: it should hold a 40-hex object id or "ref: <name>"; ` +
        `fix it or delete it (git reports it as a broken ref too)`,
      { ref, file },
    )
  }
  return parsed
}

async function readFileOrNull(repo: GitDir, file: string): Promise<string | null> {
  try {
    return await repo.fs.readText(file)
  } catch (err) {
    if (isErrno(err, 'EISDIR')) return null
    throw err
  }
}

function parseLooseRef(text: string): LooseRef | null {
  const trimmed = text.trimEnd()
  if (/^[0-9a-fA-F]{40}$/.test(trimmed)) return { kind: 'oid', oid: trimmed.toLowerCase() }
  const symbolic = /^ref:\s*(\S+)$/.exec(trimmed)
  if (symbolic !== null && isSymrefTarget(symbolic[1]!)) return { kind: 'symbolic', target: symbolic[1]! }
  return null
}

function isSymrefTarget(target: string): boolean {
  return target === 'HEAD' || (target.startsWith('refs/') && isValidRefName(target))
}

type PackedRefs = () => Promise<Map<string, string>>

/** packed-refs read and parsed at most once, and only if someone asks. */
function packedRefsOnce(repo: GitDir): PackedRefs {
  let cached: Promise<Map<string, string>> | undefined
  return () => {
    cached ??= readPackedRefs(repo)
    return cached
  }
}

interface ParsedPackedRefs {
  size: number
  mtimeMs: number
  ino: number | bigint
  refs: Map<string, string>
}

// Keyed by fs client and path. git replaces packed-refs by rename, so size, mtime and
// inode (one stat) say whether the parse still describes the file; a check over two
// thousand alias refs reads it hundreds of times.
const packedRefsCache = new WeakMap<object, Map<string, ParsedPackedRefs>>()

async function readPackedRefs(repo: GitDir): Promise<Map<string, string>> {
  const path = packedRefsPath(repo)
  const st = await repo.fs.stat(path)
  if (st === null) return new Map()
  let byPath = packedRefsCache.get(repo.fs.client)
  if (!byPath) {
    byPath = new Map()
    packedRefsCache.set(repo.fs.client, byPath)
  }
  const known = byPath.get(path)
  if (known && known.size === st.size && known.mtimeMs === st.mtimeMs && known.ino === st.ino) return known.refs
  const refs = parsePackedRefs((await repo.fs.readText(path)) ?? '', path)
  byPath.set(path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, refs })
  return refs
}

/** `<oid> <name>` lines after an optional `# pack-refs with: …` header; `^<oid>` peel lines are skipped. */
function parsePackedRefs(text: string, file: string): Map<string, string> {
  const refs = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue
    const space = line.indexOf(' ')
    const oid = line.slice(0, space)
    const name = line.slice(space + 1).trimEnd()
    if (space !== 40 || !isObjectId(oid) || name === '') {
      throw new CorruptObjectError(
        `'${file}' is corrupt: unexpected line "${line.slice(0, 80)}"; git cannot read it either, so fix that line or restore the file from a backup`,
        { file, line },
      )
    }
    refs.set(name, oid)
  }
  return refs
}

async function resolveRef(repo: GitDir, ref: string, packed: PackedRefs, depth = 0): Promise<string | null> {
  let name = ref
  for (let hops = depth; hops <= MAX_SYMREF_DEPTH; hops++) {
    const loose = await readLooseRef(repo, name)
    if (loose === null) return (await packed()).get(name) ?? null
    if (loose.kind === 'oid') return loose.oid
    name = loose.target
  }
  throw new CorruptObjectError(
    `symbolic ref '${ref}' does not resolve within ${MAX_SYMREF_DEPTH} levels (a loop?); point it at a branch with "git symbolic-ref"`,
    { ref },
  )
}

/** The value a compare-and-swap compares against: loose file, else packed-refs, not following symrefs. */
async function currentValue(repo: GitDir, ref: string, packed: PackedRefs): Promise<string | null> {
  const loose = await readLooseRef(repo, ref)
  if (loose?.kind === 'symbolic') {
    throw new UnsupportedStateError(
      `ref '${ref}' is a symbolic ref (-> ${loose.target}); gmr only updates ordinary refs, update '${loose.target}' instead`,
      { ref, target: loose.target },
    )
  }
  if (loose !== null) return loose.oid
  return (await packed()).get(ref) ?? null
}

/** Collect loose refs under `<gitdir>/<dir>` whose names start with `prefix`, entering only folders that can hold one. */
async function walkLooseRefs(
  repo: GitDir,
  dir: string,
  prefix: string,
  into: Map<string, LooseRef | 'broken'>,
): Promise<void> {
  const names = await repo.fs.readdir(`${repo.gitdir}/${dir}`)
  if (names === null) return
  for (const entry of names) {
    // Lock files, editor leftovers and dot files are not refs, nor folders of refs; git skips them too.
    if (entry.startsWith('.') || entry.endsWith('.lock')) continue
    const name = `${dir}${entry}`
    if (name.startsWith(prefix)) {
      // Reading first and falling back to readdir on EISDIR costs one call per ref, not two.
      let text: string | null
      try {
        text = await repo.fs.readText(`${repo.gitdir}/${name}`)
      } catch (err) {
        if (!isErrno(err, 'EISDIR')) throw err
        await walkLooseRefs(repo, `${name}/`, prefix, into)
        continue
      }
      if (text !== null && isValidRefName(name)) into.set(name, parseLooseRef(text) ?? 'broken')
    } else if (prefix.startsWith(`${name}/`)) {
      await walkLooseRefs(repo, `${name}/`, prefix, into)
    }
  }
}

// ---------------------------------------------------------------------------------
// Locking and writing

/** A `.lock` file this process created; it is either renamed into place (commit) or removed (release). */
class HeldLock {
  readonly path: string
  private readonly repo: GitDir
  private handle: FsFileHandle | null
  private committed = false

  constructor(repo: GitDir, path: string, handle: FsFileHandle) {
    this.repo = repo
    this.path = path
    this.handle = handle
  }

  /** Write, fsync and close: the bytes are on disk before any rename makes them visible. */
  async write(text: string): Promise<void> {
    const handle = this.handle!
    await handle.write(text)
    await handle.sync()
    this.handle = null
    await handle.close()
  }

  async commitTo(target: string): Promise<void> {
    await this.repo.fs.rename(this.path, target)
    this.committed = true
  }

  /** Never throws, and never leaves the lock behind unless it was committed. */
  async release(): Promise<void> {
    if (this.committed) return
    const handle = this.handle
    this.handle = null
    await handle?.close().catch(() => undefined)
    await this.repo.fs.remove(this.path).catch(() => undefined)
  }
}

async function lockRef(repo: GitDir, ref: string, timeoutMs: number | undefined): Promise<HeldLock> {
  try {
    return await lockFile(repo, refPath(repo, ref), timeoutMs, `ref '${ref}'`, { ref })
  } catch (err) {
    // mkdir or open through an existing ref file: refs/a exists and refs/a/b was asked for.
    if (isErrno(err, 'ENOTDIR', 'EEXIST')) throw await folderConflictError(repo, ref, err)
    throw err
  }
}

/** Create `<target>.lock` exclusively, waiting with a small random, growing backoff while someone else holds it. */
async function lockFile(
  repo: GitDir,
  target: string,
  timeoutMs: number | undefined,
  what: string,
  data: Record<string, unknown>,
): Promise<HeldLock> {
  const timeout = timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
  const path = `${target}.lock`
  return waitForLock({
    take: () => openLockFile(repo, path),
    stepMs: 2,
    capMs: 20,
    giveUp: {
      afterMs: timeout,
      error: () =>
        new RefLockedError(
          `cannot lock ${what}: '${path}' has existed for over ${timeout} ms, so another gmr or git process ` +
            `is updating it, or one crashed. If no other gmr/git process is running, delete '${path}' and try again`,
          { ...data, lockFile: path, timeoutMs: timeout },
        ),
    },
  })
}

/** Create the `.lock` file exclusively, making its folder when missing; null when it exists. */
async function openLockFile(repo: GitDir, path: string): Promise<HeldLock | null> {
  for (let missingParent = 0; ; missingParent++) {
    try {
      return new HeldLock(repo, path, await repo.fs.openExclusive(path))
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return null
      if (!isErrno(err, 'ENOENT') || missingParent >= 100) throw err
      // Never conjure a git directory out of a wrong path.
      if (!(await repo.fs.exists(repo.gitdir))) {
        throw new NotAGitRepositoryError(`no git directory at '${repo.gitdir}'; check the repository path`, {
          gitdir: repo.gitdir,
        })
      }
      // Missing parent folder, or a deleteRef just pruned it as empty: make it and retry.
      await repo.fs.mkdirp(dirname(path))
    }
  }
}

/** Refuse to create `ref` when a packed ref sits on its path (refs/a vs refs/a/b); prune empty leftover folders. */
async function assertNoFolderConflict(repo: GitDir, ref: string, packed: Map<string, string>): Promise<void> {
  for (const name of packed.keys()) {
    if (ref.startsWith(`${name}/`) || name.startsWith(`${ref}/`)) throw dfConflict(ref, name)
  }
  const st = await repo.fs.lstat(refPath(repo, ref))
  if (st?.isDirectory()) {
    await removeEmptyTree(repo, refPath(repo, ref))
    if (await repo.fs.exists(refPath(repo, ref))) throw await folderConflictError(repo, ref, null)
  }
}

/** A clear error for a ref that collides with a ref folder, or `cause` when that is not what went wrong. */
async function folderConflictError(repo: GitDir, ref: string, cause: unknown): Promise<unknown> {
  const parts = ref.split('/')
  for (let i = 2; i < parts.length; i++) {
    const ancestor = parts.slice(0, i).join('/')
    const st = await repo.fs.lstat(refPath(repo, ancestor))
    if (st !== null && !st.isDirectory()) return dfConflict(ref, ancestor)
  }
  const st = await repo.fs.lstat(refPath(repo, ref))
  if (st?.isDirectory()) {
    const inside = await listRefs(repo, `${ref}/`).catch(() => new Map<string, string>())
    return dfConflict(ref, inside.keys().next().value ?? `${ref}/`)
  }
  return cause ?? new UnsupportedStateError(`cannot create ref '${ref}'`, { ref })
}

function dfConflict(ref: string, existing: string): NameTakenError {
  const hint =
    existing.length < ref.length
      ? `'${existing}' is a ref, so it cannot also be a folder holding '${ref}'`
      : `'${ref}' is a folder holding '${existing}', so it cannot also be a ref`
  return new NameTakenError(
    `cannot create ref '${ref}': ${hint}. Choose another name, or delete '${existing}' first`,
    { ref, existing },
  )
}

function conflictError(ref: string, expected: string | null, actual: string | null): RefConflictError {
  const show = (oid: string | null) => (oid === null ? 'absent' : oid)
  return new RefConflictError(
    `ref '${ref}' changed under us: expected ${show(expected)}, found ${show(actual)}; ` +
      `another process updated it, so read it again and retry`,
    { ref, expected, actual },
  )
}

/** git's packed-refs without `ref` and its peel line; every other line, the header included, is kept. */
function packedRefsWithout(text: string, ref: string): string {
  const kept: string[] = []
  let dropping = false
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('^')) {
      if (!dropping) kept.push(line)
      continue
    }
    dropping = !line.startsWith('#') && line[40] === ' ' && line.slice(41).trimEnd() === ref
    if (!dropping) kept.push(line)
  }
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`
}

async function appendReflog(repo: GitDir, ref: string, oldOid: string, newOid: string, entry: ReflogEntry): Promise<void> {
  const file = `${repo.gitdir}/logs/${ref}`
  const message = entry.message.replace(/\s*\n\s*/g, ' ').trim()
  const line = `${oldOid} ${newOid} ${entry.identity}\t${message}\n`
  try {
    await repo.fs.append(file, line)
  } catch (err) {
    // A deleteRef of a sibling may prune the log folder between mkdir and write; once more is enough.
    if (!isErrno(err, 'ENOENT')) throw err
    await repo.fs.append(file, line)
  }
}

/** Remove `<root><ref>`'s emptied parent folders up to, not including, `<root>refs/<top>`. */
async function removeEmptyParents(repo: GitDir, ref: string, root: string): Promise<void> {
  const parts = ref.split('/')
  for (let depth = parts.length - 1; depth > 2; depth--) {
    const removed = await repo.fs.removeEmptyDir(`${root}${parts.slice(0, depth).join('/')}`).catch(() => false)
    if (!removed) return
  }
}

/** Remove a folder tree that holds nothing but folders; stops at the first file. */
async function removeEmptyTree(repo: GitDir, path: string): Promise<void> {
  for (const name of (await repo.fs.readdir(path)) ?? []) {
    const st = await repo.fs.lstat(`${path}/${name}`)
    if (st?.isDirectory()) await removeEmptyTree(repo, `${path}/${name}`)
  }
  await repo.fs.removeEmptyDir(path)
}

// ---------------------------------------------------------------------------------
// Argument checks

function assertReadableName(ref: string): void {
  if (ref === 'HEAD' || (ref.startsWith('refs/') && isValidRefName(ref))) return
  throw new InvalidNameError(`'${ref}' is not a full ref name; use 'HEAD' or a name like 'refs/heads/main'`, { ref })
}

function assertWritableName(ref: string): void {
  if (ref.startsWith('refs/') && isValidRefName(ref)) return
  throw new InvalidNameError(
    `'${ref}' is not a ref gmr can write: use a full name under refs/ that git check-ref-format accepts (e.g. 'refs/aliases/model/prod')`,
    { ref },
  )
}

function assertOid(oid: string, what: string, ref: string): void {
  if (isObjectId(oid)) return
  throw new InvalidInputError(`${what} for ref '${ref}' is not a 40-hex lower-case object id: '${oid}'`, { ref, oid })
}

/** Refs that must name a commit: branches (git's rule) and alias refs (gmr's: an alias names a version). */
const COMMIT_REFS = ['refs/heads/', 'refs/remotes/', 'refs/aliases/']

/**
 * Every ref write passes here, so no caller can point a ref at an object that is not in
 * the repository, or a branch or alias at anything but a commit (after which git fsck
 * and git for-each-ref fail).
 */
async function assertRefTarget(repo: GitDir, ref: string, oid: string): Promise<void> {
  let type: string
  try {
    type = (await readObject(repo, oid)).type
  } catch (err) {
    if (!(err instanceof MissingObjectError)) throw err
    throw new RefTargetError(
      `refusing to point ${ref} at ${oid}: no such object in this repository; fetch it, or fix whatever named it (gmr check lists such problems)`,
      { ref, oid, type: null },
    )
  }
  if (type === 'commit' || !COMMIT_REFS.some((prefix) => ref.startsWith(prefix))) return
  throw new RefTargetError(`refusing to point ${ref} at ${oid}: it is a ${type}, and that ref must name a commit`, { ref, oid, type })
}

function normaliseExpected(expected: string | null, ref: string): string | null {
  if (expected === null || expected === ZERO_OID) return null
  assertOid(expected, 'expected value', ref)
  return expected
}

function assertIdentity(identity: string): void {
  if (IDENTITY_PATTERN.test(identity)) return
  throw new InvalidInputError(
    `reflog identity '${identity}' is not 'Name <email> <unix-seconds> <+hhmm>'; check user.name and user.email`,
    { identity },
  )
}
