import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import nodeFs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'
import { Volume, createFsFromVolume } from 'memfs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  CorruptObjectError,
  InvalidInputError,
  InvalidNameError,
  NameTakenError,
  NotAGitRepositoryError,
  RefConflictError,
  RefLockedError,
  RefTargetError,
} from '../../src/domain/errors.js'
import { FileSystem, type FsClient } from '../../src/git/fs.js'
import { hashObject, objectHeader } from '../../src/git/objects.js'
import {
  ZERO_OID,
  deleteRef,
  isValidRefName,
  listRefs,
  readRef,
  readSymbolicRef,
  updateRef,
} from '../../src/git/refs.js'
import type { GitDir } from '../../src/git/repo.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const WRITER = path.join(ROOT, 'test/git/fixtures/ref-writer.mjs')
const IDENTITY = 'Gmr Test <gmr@example.com> 1700000000 +0000'
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

const GIT_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: os.tmpdir(),
  GIT_AUTHOR_NAME: 'Gmr Test',
  GIT_AUTHOR_EMAIL: 'gmr@example.com',
  GIT_COMMITTER_NAME: 'Gmr Test',
  GIT_COMMITTER_EMAIL: 'gmr@example.com',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_DATE: '1700000000 +0000',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: os.devNull,
}

function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', input, stdio: 'pipe' }).trim()
}

function gitRun(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() }
}

const temps: string[] = []

function tempDir(): string {
  const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'gmr-refs-'))
  temps.push(dir)
  return dir
}

afterEach(() => {
  for (const dir of temps.splice(0)) nodeFs.rmSync(dir, { recursive: true, force: true })
})

interface TempRepo {
  dir: string
  gitdir: string
  repo: GitDir
  git(...args: string[]): string
  /** A new commit on the empty tree; distinct messages give distinct oids. */
  commit(message: string, parent?: string): string
  /** What real git thinks `ref` is, or null. */
  revParse(ref: string): string | null
  /** `git show-ref` as a map (all refs except HEAD). */
  showRef(): Map<string, string>
  forEachRef(pattern: string): Map<string, string>
  fsck(): void
  file(rel: string): string | null
  write(rel: string, text: string): void
  exists(rel: string): boolean
  lockFiles(): string[]
}

function makeRepo(options: { unborn?: boolean } = {}): TempRepo {
  const dir = tempDir()
  git(dir, ['init', '-q', '-b', 'main'])
  git(dir, ['config', 'gc.auto', '0'])
  const gitdir = `${dir}/.git`
  const emptyTree = git(dir, ['mktree'], '')
  const t: TempRepo = {
    dir,
    gitdir,
    repo: { fs: new FileSystem(nodeFs as unknown as FsClient), gitdir },
    git: (...args) => git(dir, args),
    commit: (message, parent) =>
      git(dir, ['commit-tree', emptyTree, '-m', message, ...(parent ? ['-p', parent] : [])]),
    revParse(ref) {
      const r = gitRun(dir, ['rev-parse', '-q', '--verify', ref])
      return r.status === 0 ? r.stdout : null
    },
    showRef() {
      const r = gitRun(dir, ['show-ref'])
      return linesToMap(r.stdout, (line) => line.split(' ') as [string, string], true)
    },
    forEachRef(pattern) {
      const out = git(dir, ['for-each-ref', '--format=%(refname) %(objectname)', pattern])
      return linesToMap(out, (line) => line.split(' ') as [string, string], false)
    },
    fsck() {
      const r = gitRun(dir, ['fsck', '--strict', '--no-dangling'])
      expect({ status: r.status, output: `${r.stdout}${r.stderr}` }).toEqual({ status: 0, output: '' })
    },
    file: (rel) => (nodeFs.existsSync(`${gitdir}/${rel}`) ? nodeFs.readFileSync(`${gitdir}/${rel}`, 'utf8') : null),
    write(rel, text) {
      nodeFs.mkdirSync(path.dirname(`${gitdir}/${rel}`), { recursive: true })
      nodeFs.writeFileSync(`${gitdir}/${rel}`, text)
    },
    exists: (rel) => nodeFs.existsSync(`${gitdir}/${rel}`),
    lockFiles: () => findLockFiles(gitdir),
  }
  if (!options.unborn) t.git('update-ref', 'refs/heads/main', t.commit('root'))
  return t
}

function linesToMap(out: string, split: (line: string) => [string, string], oidFirst: boolean): Map<string, string> {
  const map = new Map<string, string>()
  for (const line of out.split('\n').filter(Boolean)) {
    const [a, b] = split(line)
    if (oidFirst) map.set(b, a)
    else map.set(a, b)
  }
  return map
}

function findLockFiles(dir: string): string[] {
  const found: string[] = []
  for (const entry of nodeFs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) found.push(...findLockFiles(full))
    else if (entry.name.endsWith('.lock')) found.push(full)
  }
  return found
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code: string; data: Record<string, unknown> }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code: string; data: Record<string, unknown> }
  }
  throw new Error('expected the promise to reject')
}

describe('isValidRefName', () => {
  const names = [
    'refs/heads/main',
    'refs/aliases/m5/prod',
    'refs/aliases/model-1/prod_2.x',
    'refs/heads/a.b',
    'refs/heads/a./b',
    'refs/heads/ünïcode',
    'refs/heads/@',
    'HEAD',
    'main',
    '@',
    'refs/heads/a..b',
    'refs/heads/.hidden',
    'refs/heads/x.lock',
    'refs/heads/x.lock/y',
    'refs/heads/x.',
    'refs/heads/a b',
    'refs/heads/a~1',
    'refs/heads/a^',
    'refs/heads/a:b',
    'refs/heads/a?',
    'refs/heads/a*',
    'refs/heads/a[b',
    'refs/heads/a\\b',
    'refs/heads//a',
    '/refs/heads/a',
    'refs/heads/a/',
    'refs/heads/a@{1}',
    'refs/heads/a\tb',
    'refs/heads/a\x7f',
  ]
  it.each(names)('agrees with git check-ref-format on %j', (name) => {
    const gitSays = gitRun(os.tmpdir(), ['check-ref-format', name]).status === 0
    expect(isValidRefName(name)).toBe(gitSays)
  })
})

describe('reading refs in a real repository', () => {
  it('reads a loose branch and follows symbolic HEAD, as git rev-parse does', async () => {
    const t = makeRepo()
    const main = t.revParse('refs/heads/main')!
    expect(await readRef(t.repo, 'HEAD')).toBe(main)
    expect(await readRef(t.repo, 'refs/heads/main')).toBe(main)
    expect(await readSymbolicRef(t.repo, 'HEAD')).toBe(t.git('symbolic-ref', 'HEAD'))
    expect(await readSymbolicRef(t.repo, 'refs/heads/main')).toBeNull()
    expect(await readRef(t.repo, 'refs/heads/missing')).toBeNull()
    expect(await readSymbolicRef(t.repo, 'refs/heads/missing')).toBeNull()
  })

  it('reports an unborn HEAD as no value but still names its branch', async () => {
    const t = makeRepo({ unborn: true })
    expect(t.revParse('HEAD')).toBeNull()
    expect(await readRef(t.repo, 'HEAD')).toBeNull()
    expect(await readSymbolicRef(t.repo, 'HEAD')).toBe('refs/heads/main')
  })

  it('reads a detached HEAD', async () => {
    const t = makeRepo()
    const other = t.commit('detached')
    t.git('update-ref', '--no-deref', 'HEAD', other)
    expect(await readRef(t.repo, 'HEAD')).toBe(other)
    expect(await readSymbolicRef(t.repo, 'HEAD')).toBeNull()
    expect(await readRef(t.repo, 'refs/heads/main')).toBe(t.revParse('refs/heads/main'))
  })

  it('follows symbolic ref chains and refuses loops', async () => {
    const t = makeRepo()
    t.git('symbolic-ref', 'refs/heads/alias', 'refs/heads/main')
    t.git('symbolic-ref', 'refs/heads/alias2', 'refs/heads/alias')
    expect(await readRef(t.repo, 'refs/heads/alias2')).toBe(t.revParse('refs/heads/alias2'))
    t.write('refs/loop/a', 'ref: refs/loop/b\n')
    t.write('refs/loop/b', 'ref: refs/loop/a\n')
    await expect(readRef(t.repo, 'refs/loop/a')).rejects.toBeInstanceOf(CorruptObjectError)
  })

  it('reads packed refs after git pack-refs --all, keeping tag objects unpeeled', async () => {
    const t = makeRepo()
    const a = t.commit('a')
    t.git('update-ref', 'refs/heads/artifacts/m', a)
    t.git('update-ref', 'refs/aliases/m/prod', t.commit('b'))
    t.git('tag', '-a', 'v1', '-m', 'release', a)
    t.git('pack-refs', '--all')

    expect(t.exists('refs/heads/artifacts/m')).toBe(false)
    const packed = t.file('packed-refs')!
    expect(packed.split('\n')[0]).toMatch(/^# pack-refs with: peeled fully-peeled sorted/)
    expect(packed).toContain(`^${a}`)
    for (const ref of ['HEAD', 'refs/heads/main', 'refs/heads/artifacts/m', 'refs/aliases/m/prod', 'refs/tags/v1']) {
      expect(await readRef(t.repo, ref)).toBe(t.revParse(ref))
    }
    expect(await readRef(t.repo, 'refs/tags/v1')).not.toBe(a)
  })

  it('reads refs after git gc', async () => {
    const t = makeRepo()
    t.git('update-ref', 'refs/aliases/m/prod', t.commit('b'))
    t.git('tag', '-a', 'v1', '-m', 'release', 'refs/heads/main')
    t.git('gc', '-q')
    expect(t.exists('refs/aliases/m/prod')).toBe(false)
    for (const ref of ['HEAD', 'refs/aliases/m/prod', 'refs/tags/v1']) {
      expect(await readRef(t.repo, ref)).toBe(t.revParse(ref))
    }
    expect(await listRefs(t.repo, 'refs/')).toEqual(t.forEachRef('refs/'))
  })

  it('lets a loose ref override its packed value', async () => {
    const t = makeRepo()
    t.git('update-ref', 'refs/aliases/m/prod', t.commit('old'))
    t.git('pack-refs', '--all')
    const newer = t.commit('new')
    t.git('update-ref', 'refs/aliases/m/prod', newer)
    expect(t.file('packed-refs')).toContain('refs/aliases/m/prod')
    expect(await readRef(t.repo, 'refs/aliases/m/prod')).toBe(newer)
    expect(t.revParse('refs/aliases/m/prod')).toBe(newer)
    expect(await listRefs(t.repo, 'refs/aliases/m/')).toEqual(new Map([['refs/aliases/m/prod', newer]]))
  })

  it('names packed-refs when it is corrupt', async () => {
    const t = makeRepo()
    t.git('update-ref', 'refs/aliases/m/prod', t.commit('a'))
    t.git('pack-refs', '--all')
    t.write('packed-refs', `${t.file('packed-refs')}this is not a ref line\n`)
    const err = await rejection(readRef(t.repo, 'refs/aliases/m/prod'))
    expect(err).toBeInstanceOf(CorruptObjectError)
    expect(err.message).toContain(`${t.gitdir}/packed-refs`)
  })

  it('names the file of a corrupt loose ref', async () => {
    const t = makeRepo()
    t.write('refs/aliases/m/bad', 'not an oid\n')
    const err = await rejection(readRef(t.repo, 'refs/aliases/m/bad'))
    expect(err).toBeInstanceOf(CorruptObjectError)
    expect(err.message).toContain(`${t.gitdir}/refs/aliases/m/bad`)
  })

  it('rejects names that are not full ref names', async () => {
    const t = makeRepo()
    await expect(readRef(t.repo, 'main')).rejects.toBeInstanceOf(InvalidNameError)
    await expect(readRef(t.repo, 'refs/heads/../../config')).rejects.toBeInstanceOf(InvalidNameError)
    await expect(listRefs(t.repo, 'heads/')).rejects.toBeInstanceOf(InvalidNameError)
  })
})

describe('listing refs in a real repository', () => {
  it('respects prefix boundaries over loose and packed refs, like git for-each-ref', async () => {
    const t = makeRepo()
    const [p, s, d, x, y] = ['p', 's', 'd', 'x', 'y'].map((m) => t.commit(m)) as [string, string, string, string, string]
    t.git('update-ref', 'refs/aliases/m5/prod', p)
    t.git('update-ref', 'refs/aliases/m50/prod', x)
    t.git('pack-refs', '--all')
    t.git('update-ref', 'refs/aliases/m5/staging', s)
    t.git('update-ref', 'refs/aliases/m5/nested/deep', d)
    t.git('update-ref', 'refs/aliases/m50/other', y)
    t.git('update-ref', 'refs/aliases/m5x/prod', y)
    // Junk a user or another writer can leave in the folder: none of it is a ref.
    t.write('refs/aliases/m5/staging.lock', `${x}\n`)
    t.write('refs/aliases/m5/.DS_Store', 'junk')
    t.write('refs/aliases/m5/notes~', `${x}\n`)

    const m5 = await listRefs(t.repo, 'refs/aliases/m5/')
    expect([...m5]).toEqual([
      ['refs/aliases/m5/nested/deep', d],
      ['refs/aliases/m5/prod', p],
      ['refs/aliases/m5/staging', s],
    ])
    expect(m5).toEqual(t.forEachRef('refs/aliases/m5/'))
    expect([...(await listRefs(t.repo, 'refs/aliases/m50/')).keys()]).toEqual([
      'refs/aliases/m50/other',
      'refs/aliases/m50/prod',
    ])
    // A prefix without a trailing slash is a plain string prefix.
    expect([...(await listRefs(t.repo, 'refs/aliases/m5')).keys()]).toEqual([
      'refs/aliases/m5/nested/deep',
      'refs/aliases/m5/prod',
      'refs/aliases/m5/staging',
      'refs/aliases/m50/other',
      'refs/aliases/m50/prod',
      'refs/aliases/m5x/prod',
    ])
    expect(await listRefs(t.repo, 'refs/heads/artifacts/')).toEqual(new Map())
    expect(await listRefs(t.repo, 'refs/')).toEqual(t.forEachRef('refs/'))

    t.git('pack-refs', '--all')
    expect(await listRefs(t.repo, 'refs/aliases/m5/')).toEqual(m5)
    expect(await listRefs(t.repo, 'refs/')).toEqual(t.forEachRef('refs/'))
  })

  it('resolves symbolic refs and skips broken ones, as git for-each-ref does', async () => {
    const t = makeRepo()
    t.git('update-ref', 'refs/remotes/origin/main', t.revParse('refs/heads/main')!)
    t.git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main')
    t.write('refs/remotes/origin/broken', 'garbage\n')
    const listed = await listRefs(t.repo, 'refs/remotes/origin/')
    expect([...listed.keys()]).toEqual(['refs/remotes/origin/HEAD', 'refs/remotes/origin/main'])
    expect(listed).toEqual(t.forEachRef('refs/remotes/origin/'))
  })

  it('lists thousands of packed refs with a few loose overrides', async () => {
    const t = makeRepo()
    const a = t.commit('a')
    const b = t.commit('b')
    const names = Array.from({ length: 3000 }, (_, i) => `refs/aliases/big/alias-${String(i).padStart(4, '0')}`)
    // Written directly in git's format (creating 3000 loose refs with git takes seconds);
    // git for-each-ref below confirms git reads it the same way.
    const packed = names.map((n) => `${a} ${n}\n`).join('')
    t.write('packed-refs', `# pack-refs with: peeled fully-peeled sorted \n${packed}`)
    for (const n of names.slice(0, 10)) t.git('update-ref', n, b)
    const listed = await listRefs(t.repo, 'refs/aliases/big/')
    expect(listed.size).toBe(3000)
    expect([...listed.keys()]).toEqual(names)
    expect(listed.get(names[0]!)).toBe(b)
    expect(listed.get(names[2999]!)).toBe(a)
    expect(listed).toEqual(t.forEachRef('refs/aliases/big/'))
  })
})

describe('updating refs in a real repository', () => {
  it('creates, then compare-and-swaps, with git agreeing after every write', async () => {
    const t = makeRepo()
    const a = t.commit('a')
    const b = t.commit('b')
    await updateRef(t.repo, 'refs/aliases/m/prod', a, null)
    expect(t.file('refs/aliases/m/prod')).toBe(`${a}\n`)
    expect(t.revParse('refs/aliases/m/prod')).toBe(a)
    t.fsck()
    await updateRef(t.repo, 'refs/aliases/m/prod', b, a)
    expect(t.revParse('refs/aliases/m/prod')).toBe(b)
    t.fsck()
    expect(t.lockFiles()).toEqual([])
  })

  it('refuses a stale compare-and-swap and leaves the ref and no lock behind', async () => {
    const t = makeRepo()
    const [a, b, c] = [t.commit('a'), t.commit('b'), t.commit('c')]
    await updateRef(t.repo, 'refs/aliases/m/prod', a, null)
    await updateRef(t.repo, 'refs/aliases/m/prod', b, a)

    const stale = await rejection(updateRef(t.repo, 'refs/aliases/m/prod', c, a))
    expect(stale).toBeInstanceOf(RefConflictError)
    expect(stale.data).toEqual({ ref: 'refs/aliases/m/prod', expected: a, actual: b })
    const create = await rejection(updateRef(t.repo, 'refs/aliases/m/prod', c, null))
    expect(create).toBeInstanceOf(RefConflictError)
    expect(create.data).toEqual({ ref: 'refs/aliases/m/prod', expected: null, actual: b })
    // ZERO_OID as the expected value means "must not exist", as in git update-ref.
    await expect(updateRef(t.repo, 'refs/aliases/m/prod', c, ZERO_OID)).rejects.toBeInstanceOf(RefConflictError)
    const missing = await rejection(updateRef(t.repo, 'refs/aliases/other/x', c, a))
    expect(missing.data).toEqual({ ref: 'refs/aliases/other/x', expected: a, actual: null })

    expect(t.revParse('refs/aliases/m/prod')).toBe(b)
    expect(t.revParse('refs/aliases/other/x')).toBeNull()
    expect(t.exists('refs/aliases/other')).toBe(false)
    expect(t.lockFiles()).toEqual([])
    t.fsck()
  })

  it('waits for a held lock, and gives up with RefLockedError on a stale one', async () => {
    const t = makeRepo()
    const [a, b] = [t.commit('a'), t.commit('b')]
    await updateRef(t.repo, 'refs/aliases/m/prod', a, null)
    t.write('refs/aliases/m/prod.lock', '')
    // Real git honours the same lock file.
    expect(gitRun(t.dir, ['update-ref', 'refs/aliases/m/prod', b, a]).status).not.toBe(0)

    const err = await rejection(updateRef(t.repo, 'refs/aliases/m/prod', b, a, { lockTimeoutMs: 50 }))
    expect(err).toBeInstanceOf(RefLockedError)
    expect(err.message).toContain(`${t.gitdir}/refs/aliases/m/prod.lock`)
    expect(err.message).toMatch(/if no other gmr\/git process is running, delete/i)
    await expect(deleteRef(t.repo, 'refs/aliases/m/prod', a, { lockTimeoutMs: 50 })).rejects.toBeInstanceOf(
      RefLockedError,
    )
    // Someone else's lock is theirs to remove.
    expect(t.exists('refs/aliases/m/prod.lock')).toBe(true)
    expect(t.revParse('refs/aliases/m/prod')).toBe(a)

    setTimeout(() => nodeFs.unlinkSync(`${t.gitdir}/refs/aliases/m/prod.lock`), 60)
    await updateRef(t.repo, 'refs/aliases/m/prod', b, a, { lockTimeoutMs: 5000 })
    expect(t.revParse('refs/aliases/m/prod')).toBe(b)
    expect(t.lockFiles()).toEqual([])
  })

  it('updates a packed ref by writing a loose one over it', async () => {
    const t = makeRepo()
    const [a, b, c] = [t.commit('a'), t.commit('b'), t.commit('c')]
    t.git('update-ref', 'refs/aliases/m/prod', a)
    t.git('pack-refs', '--all')
    const err = await rejection(updateRef(t.repo, 'refs/aliases/m/prod', b, c))
    expect(err.data).toEqual({ ref: 'refs/aliases/m/prod', expected: c, actual: a })
    await updateRef(t.repo, 'refs/aliases/m/prod', b, a)
    expect(t.revParse('refs/aliases/m/prod')).toBe(b)
    expect(t.showRef().get('refs/aliases/m/prod')).toBe(b)
    t.fsck()
    t.git('pack-refs', '--all')
    expect(t.revParse('refs/aliases/m/prod')).toBe(b)
    expect(await readRef(t.repo, 'refs/aliases/m/prod')).toBe(b)
  })

  it('appends reflog entries that git log -g reads', async () => {
    const t = makeRepo()
    const [a, b] = [t.commit('a'), t.commit('b')]
    const ref = 'refs/heads/artifacts/m'
    await updateRef(t.repo, ref, a, null, { reflog: { message: 'm v0', identity: IDENTITY } })
    await updateRef(t.repo, ref, b, a, { reflog: { message: 'm v1\nsecond line', identity: IDENTITY } })
    expect(t.file(`logs/${ref}`)).toBe(
      `${ZERO_OID} ${a} ${IDENTITY}\tm v0\n${a} ${b} ${IDENTITY}\tm v1 second line\n`,
    )
    expect(t.git('log', '-g', '--format=%H %gs', ref)).toBe(`${b} m v1 second line\n${a} m v0`)
    t.fsck()
    await expect(
      updateRef(t.repo, ref, a, b, { reflog: { message: 'x', identity: 'no email 1 +0000' } }),
    ).rejects.toBeInstanceOf(InvalidInputError)
    expect(t.revParse(ref)).toBe(b)
  })

  it('refuses a ref that collides with a ref folder, the way git does', async () => {
    const t = makeRepo()
    const a = t.commit('a')
    t.git('update-ref', 'refs/aliases/a', a)
    t.git('update-ref', 'refs/aliases/c/d', a)
    t.git('update-ref', 'refs/aliases/p', a)
    t.git('update-ref', 'refs/aliases/r/s', a)
    t.git('pack-refs', '--all')
    t.git('update-ref', 'refs/aliases/a', a) // loose again

    const cases: Array<[string, string]> = [
      ['refs/aliases/a/b', 'refs/aliases/a'], // loose file where a folder is needed
      ['refs/aliases/c', 'refs/aliases/c/d'], // packed ref under the name
      ['refs/aliases/p/q', 'refs/aliases/p'], // packed ref on the path
      ['refs/aliases/r', 'refs/aliases/r/s'],
    ]
    t.git('update-ref', 'refs/aliases/c/d', a) // make c/ a real folder of loose refs too
    for (const [ref, existing] of cases) {
      expect(gitRun(t.dir, ['update-ref', ref, a]).status).not.toBe(0)
      const err = await rejection(updateRef(t.repo, ref, a, null))
      expect(err).toBeInstanceOf(NameTakenError)
      expect(err.message).toContain(`'${existing}'`)
      expect(err.data).toEqual({ ref, existing })
    }
    expect(t.lockFiles()).toEqual([])
    expect(t.showRef()).toEqual(
      new Map([
        ['refs/aliases/a', a],
        ['refs/aliases/c/d', a],
        ['refs/aliases/p', a],
        ['refs/aliases/r/s', a],
        ['refs/heads/main', t.revParse('refs/heads/main')!],
      ]),
    )
    t.fsck()
  })

  it('creates a ref over an empty folder left behind', async () => {
    const t = makeRepo()
    const a = t.commit('a')
    nodeFs.mkdirSync(`${t.gitdir}/refs/aliases/e/f/g`, { recursive: true })
    await updateRef(t.repo, 'refs/aliases/e', a, null)
    expect(t.revParse('refs/aliases/e')).toBe(a)
    t.fsck()
  })

  it('validates names and object ids before touching anything', async () => {
    const t = makeRepo()
    const a = t.commit('a')
    await expect(updateRef(t.repo, 'HEAD', a, null)).rejects.toBeInstanceOf(InvalidNameError)
    await expect(updateRef(t.repo, 'refs/heads/a..b', a, null)).rejects.toBeInstanceOf(InvalidNameError)
    await expect(updateRef(t.repo, 'refs/heads/x.lock', a, null)).rejects.toBeInstanceOf(InvalidNameError)
    await expect(updateRef(t.repo, 'refs/heads/x', 'abc', null)).rejects.toBeInstanceOf(InvalidInputError)
    await expect(updateRef(t.repo, 'refs/heads/x', a.toUpperCase(), null)).rejects.toBeInstanceOf(InvalidInputError)
    await expect(updateRef(t.repo, 'refs/heads/x', ZERO_OID, null)).rejects.toBeInstanceOf(InvalidInputError)
    await expect(updateRef(t.repo, 'refs/heads/x', a, 'nope')).rejects.toBeInstanceOf(InvalidInputError)
    await expect(deleteRef(t.repo, 'refs/heads/main', 'nope')).rejects.toBeInstanceOf(InvalidInputError)
    const nowhere: GitDir = { fs: t.repo.fs, gitdir: `${t.dir}/not-a-gitdir` }
    await expect(updateRef(nowhere, 'refs/heads/x', a, null)).rejects.toBeInstanceOf(NotAGitRepositoryError)
    expect(nodeFs.existsSync(nowhere.gitdir)).toBe(false)
    expect(t.showRef().size).toBe(1)
    expect(t.lockFiles()).toEqual([])
  })
})

describe('what a ref may point at', () => {
  it('refuses a missing object or a non-commit for branches and alias refs, leaving git clean', async () => {
    const t = makeRepo()
    const a = t.commit('a')
    await updateRef(t.repo, 'refs/aliases/m/prod', a, null)
    const blob = t.git('hash-object', '-w', '--stdin')
    const tree = t.git('write-tree')
    const before = t.forEachRef('refs/')
    const missing = await rejection(updateRef(t.repo, 'refs/aliases/m/prod', '0123456789012345678901234567890123456789', a))
    expect(missing).toBeInstanceOf(RefTargetError)
    expect(missing.message).toBe(
      'refusing to point refs/aliases/m/prod at 0123456789012345678901234567890123456789: no such object in this repository; fetch it, or fix whatever named it (gmr check lists such problems)',
    )
    for (const [ref, oid, type] of [
      ['refs/aliases/m/prod', blob, 'blob'],
      ['refs/aliases/m/new', tree, 'tree'],
      ['refs/heads/artifacts/x', blob, 'blob'],
      ['refs/remotes/origin/main', tree, 'tree'],
    ] as const) {
      const err = await rejection(updateRef(t.repo, ref, oid, ref === 'refs/aliases/m/prod' ? a : null))
      expect(err).toBeInstanceOf(RefTargetError)
      expect(err.message).toBe(`refusing to point ${ref} at ${oid}: it is a ${type}, and that ref must name a commit`)
      expect(err.data).toEqual({ ref, oid, type })
    }
    expect(t.forEachRef('refs/')).toEqual(before)
    expect(t.lockFiles()).toEqual([])
    expect(t.exists('refs/heads/artifacts')).toBe(false)
    t.fsck()
    // Other refs (tags) may name any object, as long as it exists.
    await updateRef(t.repo, 'refs/tags/weights', blob, null)
    expect(t.revParse('refs/tags/weights')).toBe(blob)
  })
})

describe('deleting refs in a real repository', () => {
  it('deletes a loose ref, its reflog and its emptied folders', async () => {
    const t = makeRepo()
    const a = t.commit('a')
    await updateRef(t.repo, 'refs/aliases/m5/deep/prod', a, null, { reflog: { message: 'set', identity: IDENTITY } })
    t.git('update-ref', 'refs/aliases/other/x', a)
    await deleteRef(t.repo, 'refs/aliases/m5/deep/prod', a)
    expect(t.revParse('refs/aliases/m5/deep/prod')).toBeNull()
    expect(t.showRef().has('refs/aliases/m5/deep/prod')).toBe(false)
    expect(t.showRef().get('refs/aliases/other/x')).toBe(a)
    expect(t.exists('refs/aliases/m5')).toBe(false)
    expect(t.exists('logs/refs/aliases/m5')).toBe(false)
    expect(t.exists('refs/aliases')).toBe(true)
    expect(t.lockFiles()).toEqual([])
    t.fsck()
  })

  it('deletes a packed ref and its peel line, keeping every other packed ref', async () => {
    const t = makeRepo()
    const [a, b] = [t.commit('a'), t.commit('b')]
    t.git('update-ref', 'refs/aliases/m/prod', a)
    t.git('update-ref', 'refs/aliases/m/staging', b)
    t.git('tag', '-a', 'v1', '-m', 'one', a)
    t.git('tag', '-a', 'v2', '-m', 'two', b)
    t.git('pack-refs', '--all')
    const before = t.showRef()
    const tag = t.revParse('refs/tags/v1')!

    await deleteRef(t.repo, 'refs/tags/v1', tag)
    const packed = t.file('packed-refs')!
    expect(packed.split('\n')[0]).toMatch(/^# pack-refs with: peeled fully-peeled sorted/)
    expect(packed).not.toContain('refs/tags/v1')
    expect(packed).not.toContain(`^${a}`)
    expect(packed).toContain(`^${b}`)
    before.delete('refs/tags/v1')
    expect(t.showRef()).toEqual(before)
    expect(t.git('rev-parse', 'refs/tags/v2^{commit}')).toBe(b)

    await deleteRef(t.repo, 'refs/aliases/m/prod', a)
    before.delete('refs/aliases/m/prod')
    expect(t.showRef()).toEqual(before)
    expect(await listRefs(t.repo, 'refs/')).toEqual(before)
    expect(t.lockFiles()).toEqual([])
    t.fsck()
    t.git('pack-refs', '--all')
    expect(t.showRef()).toEqual(before)
  })

  it('deletes a ref that is both packed and loose, without resurrecting the packed value', async () => {
    const t = makeRepo()
    const [a, b] = [t.commit('a'), t.commit('b')]
    t.git('update-ref', 'refs/aliases/m/prod', a)
    t.git('pack-refs', '--all')
    await updateRef(t.repo, 'refs/aliases/m/prod', b, a)
    await expect(deleteRef(t.repo, 'refs/aliases/m/prod', a)).rejects.toBeInstanceOf(RefConflictError)
    await deleteRef(t.repo, 'refs/aliases/m/prod', b)
    expect(t.revParse('refs/aliases/m/prod')).toBeNull()
    expect(await readRef(t.repo, 'refs/aliases/m/prod')).toBeNull()
    expect(t.file('packed-refs')).not.toContain('refs/aliases/m/prod')
    t.fsck()
  })

  it('refuses a stale delete and leaves nothing behind', async () => {
    const t = makeRepo()
    const [a, b] = [t.commit('a'), t.commit('b')]
    t.git('update-ref', 'refs/aliases/m/prod', a)
    const err = await rejection(deleteRef(t.repo, 'refs/aliases/m/prod', b))
    expect(err).toBeInstanceOf(RefConflictError)
    expect(err.data).toEqual({ ref: 'refs/aliases/m/prod', expected: b, actual: a })
    const missing = await rejection(deleteRef(t.repo, 'refs/aliases/ghost/x', a))
    expect(missing.data).toEqual({ ref: 'refs/aliases/ghost/x', expected: a, actual: null })
    expect(t.revParse('refs/aliases/m/prod')).toBe(a)
    expect(t.exists('refs/aliases/ghost')).toBe(false)
    expect(t.lockFiles()).toEqual([])
  })
})

describe('concurrent writers in separate processes', () => {
  let compiled: string

  beforeAll(() => {
    // Compile just refs.ts and what it imports, so the test does not depend on the rest
    // of src/ building, nor on a dist/ left over from some other checkout.
    compiled = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'gmr-refs-build-'))
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/typescript/bin/tsc'),
        ...['--outDir', compiled, '--rootDir', path.join(ROOT, 'src')],
        ...['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022'],
        ...['--strict', '--skipLibCheck', '--types', 'node'],
        path.join(ROOT, 'src/git/refs.ts'),
      ],
      { cwd: ROOT, stdio: 'pipe' },
    )
    nodeFs.writeFileSync(path.join(compiled, 'package.json'), '{"type":"module"}\n')
    // refs.ts reads objects (a ref is only pointed at one that exists), packed ones through isomorphic-git.
    nodeFs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(compiled, 'node_modules'))
  })

  afterAll(() => {
    nodeFs.rmSync(compiled, { recursive: true, force: true })
  })

  // A failed test must not leave writers running against a deleted repository.
  const running = new Set<ChildProcess>()
  afterEach(() => {
    for (const child of running) child.kill()
    running.clear()
  })

  /** A first-parent chain of `length` commits, made in one git fast-import; returns the chain file. */
  function makeChain(t: TempRepo, length: number): { chain: string[]; file: string } {
    let stream = ''
    for (let i = 1; i <= length; i++) {
      const message = `step ${i}\n`
      stream += `commit refs/heads/chain\nmark :${i}\ncommitter T <t@example.com> 1700000000 +0000\n`
      stream += `data ${Buffer.byteLength(message)}\n${message}\n`
    }
    const marks = path.join(tempDir(), 'marks')
    execFileSync('git', ['fast-import', '--quiet', `--export-marks=${marks}`], {
      cwd: t.dir,
      env: GIT_ENV,
      input: stream,
    })
    const byMark = new Map(
      nodeFs
        .readFileSync(marks, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    )
    const chain = Array.from({ length }, (_, i) => byMark.get(`:${i + 1}`)!)
    const file = path.join(tempDir(), 'chain')
    nodeFs.writeFileSync(file, `${chain.join('\n')}\n`)
    return { chain, file }
  }

  function runWriter(
    mode: 'gmr' | 'git',
    t: TempRepo,
    ref: string,
    iterations: number,
    chainFile: string,
  ): Promise<{ done: number; conflicts: number }> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [WRITER, mode, compiled, t.gitdir, ref, String(iterations), chainFile],
        { env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      running.add(child)
      let out = ''
      let err = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (err += d.toString()))
      child.on('error', reject)
      child.on('close', (code) => {
        running.delete(child)
        if (code === 0) resolve(JSON.parse(out))
        else reject(new Error(`${mode} writer exited ${code}: ${err}`))
      })
    })
  }

  /** The reflog must be one unbroken walk down the chain: every step recorded once, in order. */
  function expectReflogWalksChain(t: TempRepo, ref: string, chain: string[], steps: number): void {
    const lines = t.file(`logs/${ref}`)!.trim().split('\n')
    expect(lines).toHaveLength(steps)
    lines.forEach((line, i) => {
      const [oldOid, newOid] = line.split(' ')
      expect([oldOid, newOid]).toEqual([i === 0 ? ZERO_OID : chain[i - 1], chain[i]])
    })
  }

  it('8 gmr processes x 50 compare-and-swap increments lose no update', async () => {
    const t = makeRepo()
    const writers = 8
    const iterations = 50
    const { chain, file } = makeChain(t, writers * iterations)
    const ref = 'refs/aliases/counter/n'
    const results = await Promise.all(
      Array.from({ length: writers }, () => runWriter('gmr', t, ref, iterations, file)),
    )
    
    expect(results.map((r) => r.done)).toEqual(Array(writers).fill(iterations))
    expect(await readRef(t.repo, ref)).toBe(chain[writers * iterations - 1])
    expect(t.revParse(ref)).toBe(chain[writers * iterations - 1])
    expectReflogWalksChain(t, ref, chain, writers * iterations)
    expect(t.lockFiles()).toEqual([])
    t.fsck()
  })

  it('gmr and real git writers share the lock protocol and lose no update', async () => {
    const t = makeRepo()
    const iterations = 25
    const { chain, file } = makeChain(t, 8 * iterations)
    const ref = 'refs/aliases/counter/mixed'
    // git appends to an existing reflog even outside refs/heads/, so both kinds log every step.
    t.write(`logs/${ref}`, '')
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => runWriter('gmr', t, ref, iterations, file)),
      ...Array.from({ length: 4 }, () => runWriter('git', t, ref, iterations, file)),
    ])
    
    expect(results.map((r) => r.done)).toEqual(Array(8).fill(iterations))
    expect(t.revParse(ref)).toBe(chain[8 * iterations - 1])
    expect(await readRef(t.repo, ref)).toBe(chain[8 * iterations - 1])
    expectReflogWalksChain(t, ref, chain, 8 * iterations)
    expect(t.lockFiles()).toEqual([])
    t.fsck()
  })
})

describe('in memory (memfs)', () => {
  // Commits stored in the volume: a ref is only ever pointed at an object that exists.
  const COMMITS = ['a', 'b', 'c'].map((m) => Buffer.from(`tree ${EMPTY_TREE}\nauthor ${IDENTITY}\ncommitter ${IDENTITY}\n\n${m}\n`))
  const [A, B, C] = COMMITS.map((content) => hashObject('commit', content)) as [string, string, string]
  const T = 'd'.repeat(40)
  const HEADER = '# pack-refs with: peeled fully-peeled sorted \n'

  function memRepo(): { repo: GitDir; vol: InstanceType<typeof Volume> } {
    const vol = Volume.fromJSON({
      '/repo/.git/HEAD': 'ref: refs/heads/main\n',
      '/repo/.git/refs/heads/main': `${A}\n`,
      '/repo/.git/refs/aliases/m/staging': `${C}\n`,
      '/repo/.git/packed-refs':
        HEADER + `${B} refs/aliases/m/prod\n${C} refs/aliases/m50/x\n${T} refs/tags/v1\n^${A}\n`,
    })
    for (const content of COMMITS) {
      const oid = hashObject('commit', content)
      vol.mkdirSync(`/repo/.git/objects/${oid.slice(0, 2)}`, { recursive: true })
      vol.writeFileSync(`/repo/.git/objects/${oid.slice(0, 2)}/${oid.slice(2)}`, deflateSync(Buffer.concat([objectHeader('commit', content.length), content])))
    }
    const fs = new FileSystem(createFsFromVolume(vol) as unknown as FsClient)
    return { repo: { fs, gitdir: '/repo/.git' }, vol }
  }

  const read = (vol: InstanceType<typeof Volume>, p: string): string | null =>
    vol.existsSync(p) ? String(vol.readFileSync(p, 'utf8')) : null

  function memLocks(vol: InstanceType<typeof Volume>): string[] {
    return Object.keys(vol.toJSON()).filter((p) => p.endsWith('.lock'))
  }

  it('reads loose, packed and symbolic refs', async () => {
    const { repo } = memRepo()
    expect(await readRef(repo, 'HEAD')).toBe(A)
    expect(await readSymbolicRef(repo, 'HEAD')).toBe('refs/heads/main')
    expect(await readRef(repo, 'refs/aliases/m/prod')).toBe(B)
    expect(await readRef(repo, 'refs/tags/v1')).toBe(T)
    expect(await readRef(repo, 'refs/aliases/m5/prod')).toBeNull()
  })

  it('lists by prefix, loose over packed, sorted', async () => {
    const { repo, vol } = memRepo()
    vol.mkdirSync('/repo/.git/refs/aliases/m5', { recursive: true })
    vol.writeFileSync('/repo/.git/refs/aliases/m5/prod', `${A}\n`)
    vol.writeFileSync('/repo/.git/refs/aliases/m/prod', `${A}\n`)
    vol.writeFileSync('/repo/.git/refs/aliases/m/prod.lock', `${C}\n`)
    expect([...(await listRefs(repo, 'refs/aliases/m/'))]).toEqual([
      ['refs/aliases/m/prod', A],
      ['refs/aliases/m/staging', C],
    ])
    expect([...(await listRefs(repo, 'refs/aliases/m5/'))]).toEqual([['refs/aliases/m5/prod', A]])
    expect([...(await listRefs(repo, 'refs/'))].map(([n]) => n)).toEqual([
      'refs/aliases/m/prod',
      'refs/aliases/m/staging',
      'refs/aliases/m5/prod',
      'refs/aliases/m50/x',
      'refs/heads/main',
      'refs/tags/v1',
    ])
  })

  it('creates, swaps and refuses stale swaps without leaving locks', async () => {
    const { repo, vol } = memRepo()
    await updateRef(repo, 'refs/aliases/n/prod', A, null, { reflog: { message: 'set', identity: IDENTITY } })
    expect(read(vol, '/repo/.git/refs/aliases/n/prod')).toBe(`${A}\n`)
    expect(read(vol, '/repo/.git/logs/refs/aliases/n/prod')).toBe(`${ZERO_OID} ${A} ${IDENTITY}\tset\n`)
    await updateRef(repo, 'refs/aliases/n/prod', B, A)
    await updateRef(repo, 'refs/aliases/m/prod', C, B) // packed
    expect(read(vol, '/repo/.git/refs/aliases/m/prod')).toBe(`${C}\n`)
    const err = await rejection(updateRef(repo, 'refs/aliases/n/prod', C, A))
    expect(err).toBeInstanceOf(RefConflictError)
    expect(err.data).toEqual({ ref: 'refs/aliases/n/prod', expected: A, actual: B })
    expect(await readRef(repo, 'refs/aliases/n/prod')).toBe(B)
    expect(memLocks(vol)).toEqual([])
  })

  it('gives up on a lock someone else holds', async () => {
    const { repo, vol } = memRepo()
    vol.writeFileSync('/repo/.git/refs/heads/main.lock', '')
    const err = await rejection(updateRef(repo, 'refs/heads/main', B, A, { lockTimeoutMs: 30 }))
    expect(err).toBeInstanceOf(RefLockedError)
    expect(err.message).toContain('/repo/.git/refs/heads/main.lock')
    expect(read(vol, '/repo/.git/refs/heads/main')).toBe(`${A}\n`)
  })

  it('refuses folder/file collisions without replacing the folder', async () => {
    const { repo, vol } = memRepo()
    // memfs would let a rename replace a whole folder of refs, so the check must come first.
    const folder = await rejection(updateRef(repo, 'refs/aliases/m', A, null))
    expect(folder).toBeInstanceOf(NameTakenError)
    expect(read(vol, '/repo/.git/refs/aliases/m/staging')).toBe(`${C}\n`)
    const file = await rejection(updateRef(repo, 'refs/heads/main/x', A, null))
    expect(file).toBeInstanceOf(NameTakenError)
    expect(file.data).toEqual({ ref: 'refs/heads/main/x', existing: 'refs/heads/main' })
    const packed = await rejection(updateRef(repo, 'refs/tags/v1/x', A, null))
    expect(packed.data).toEqual({ ref: 'refs/tags/v1/x', existing: 'refs/tags/v1' })
    expect(memLocks(vol)).toEqual([])
  })

  it('deletes packed and loose refs, rewriting packed-refs and pruning folders', async () => {
    const { repo, vol } = memRepo()
    await deleteRef(repo, 'refs/tags/v1', T)
    expect(read(vol, '/repo/.git/packed-refs')).toBe(`${HEADER}${B} refs/aliases/m/prod\n${C} refs/aliases/m50/x\n`)
    await deleteRef(repo, 'refs/aliases/m/staging', C)
    expect(vol.existsSync('/repo/.git/refs/aliases/m')).toBe(false)
    expect(vol.existsSync('/repo/.git/refs/aliases')).toBe(true)
    await expect(deleteRef(repo, 'refs/aliases/m/prod', A)).rejects.toBeInstanceOf(RefConflictError)
    await deleteRef(repo, 'refs/aliases/m/prod', B)
    expect([...(await listRefs(repo, 'refs/'))]).toEqual([
      ['refs/aliases/m50/x', C],
      ['refs/heads/main', A],
    ])
    expect(memLocks(vol)).toEqual([])
  })
})
