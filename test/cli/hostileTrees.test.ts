import { createHash } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { formatVersionMessage } from '../../src/domain/versionMessage.js'
import { FileSystem } from '../../src/git/fs.js'
import { writeLooseObject } from '../../src/git/objects.js'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer } from '../helpers/gitServer.js'
import { mustSucceed } from '../helpers/runners.js'

/**
 * Trees git never writes, crafted object by object (git mktree refuses some of them):
 * gmr download refuses each with one line and writes nothing, locally and from a remote,
 * and gmr check reports each with its commit and path, as git fsck --strict does.
 */
let repo: TempRepo
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)

type Entry = { mode: string; name: string; oid: string }

function blob(content: string | Buffer): string {
  return execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.dir, env: repo.env, input: content, encoding: 'utf8' }).trim()
}

/** A tree object exactly as given: no sorting, no checks. */
async function rawTree(entries: readonly Entry[]): Promise<string> {
  const bytes = Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex')])))
  return writeLooseObject({ fs: new FileSystem(fs), gitdir: join(repo.dir, '.git') }, 'tree', bytes)
}

/** Make `tree` version v0 of artifact `name`, named by the alias `current` so check inspects it. */
async function craftVersion(name: string, tree: string): Promise<string> {
  const message = formatVersionMessage({ artifact: name, version: 0, metadata: {} })
  const commit = execFileSync('git', ['commit-tree', tree, '-m', message], { cwd: repo.dir, env: repo.env, encoding: 'utf8' }).trim()
  repo.git('update-ref', `refs/heads/artifacts/${name}`, commit)
  const set = await run('alias', 'set', name, 'current', 'v0')
  expect(set.code, set.stderr).toBe(0)
  return commit
}

function fsckStrict(): string {
  const result = spawnSync('git', ['fsck', '--strict', '--no-progress', '--no-dangling'], { cwd: repo.dir, env: repo.env, encoding: 'utf8' })
  return `${result.stdout}${result.stderr}`
}

const ATTRIBUTES = 'model.bin filter=lfs diff=lfs merge=lfs -text\n'
const pointerText = (oid: string, size: string) => `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`
const sha = (data: string) => createHash('sha256').update(data).digest('hex')

beforeEach(async () => {
  repo = makeRepo()
  expect((await run('init')).code).toBe(0)
})
afterEach(() => repo.cleanup())

describe('tree entries git fsck --strict flags', () => {
  const cases: Array<[string, () => Promise<string>, string, string, string]> = [
    [
      'a name with a "/"',
      async () => rawTree([{ mode: '100644', name: 'sub/evil.sh', oid: blob('echo pwned\n') }]),
      'fullPathname',
      'sub/evil.sh',
      'its tree entry name "sub/evil.sh" contains a "/"',
    ],
    [
      'two entries with one name',
      async () =>
        rawTree([
          { mode: '100644', name: 'config.json', oid: blob('{"a": 1}\n') },
          { mode: '100644', name: 'config.json', oid: blob('{"a": 666}\n') },
        ]),
      'duplicateEntries',
      'config.json',
      'its tree has more than one entry named "config.json"',
    ],
    [
      'a name with a "/" in a subfolder',
      async () => rawTree([{ mode: '40000', name: 'weights', oid: await rawTree([{ mode: '100644', name: 'a/b', oid: blob('x') }]) }]),
      'fullPathname',
      'weights/a/b',
      'its tree entry name "a/b" contains a "/"',
    ],
  ]

  it.each(cases)('%s: download refuses and writes nothing; check and git fsck --strict both flag it', async (_, tree, rule, path, reason) => {
    const commit = await craftVersion('evil', await tree())
    expect(fsckStrict()).toContain(`${rule}:`)

    const target = join(repo.scratch, 'out')
    const result = await run('download', 'evil:v0', '--to', target)
    expect(result.stderr).toBe(
      `error: refusing to download evil:v0: at "${path}" ${reason}, which git never writes (git fsck --strict: ${rule}); the version was crafted or damaged\n`,
    )
    expect(result.code).toBe(1)
    expect(fs.existsSync(target)).toBe(false)
    expect(fs.readdirSync(repo.scratch)).toEqual([])

    const checked = await run('check', '--format', 'json')
    expect(checked.code).toBe(1)
    const findings = JSON.parse(checked.stdout).findings as Array<{ rule: string; message: string; file?: string }>
    expect(findings).toHaveLength(1)
    expect(findings[0]!.rule).toBe('tree-shape')
    expect(findings[0]!.file).toBe('registry/artifacts/evil.yaml')
    expect(findings[0]!.message).toContain(`commit ${commit.slice(0, 10)}`)
    expect(findings[0]!.message).toContain(`"${path}"`)
    expect(findings[0]!.message).toContain(`git fsck --strict: ${rule}`)
  })

  it('a clean registry passes both', async () => {
    const out = join(repo.scratch, 'in')
    fs.mkdirSync(join(out, 'sub'), { recursive: true })
    fs.writeFileSync(join(out, 'sub', 'file'), 'x')
    expect((await run('log', 'good', out, '--alias', 'current')).code).toBe(0)
    expect(fsckStrict()).toBe('')
    const checked = await run('check')
    expect(checked.code, checked.stdout).toBe(0)
  })
})

describe('malformed LFS pointers under an LFS attribute', () => {
  const good = sha('weights')
  it.each([
    ['a non-hex oid', pointerText(`${good.slice(0, 63)}z`, '7'), /its oid "sha256:[0-9a-f]{63}z" is not sha256: and 64 lowercase hex digits/],
    ['a short oid', pointerText(good.slice(0, 40), '7'), /its oid "sha256:[0-9a-f]{40}" is not/],
    ['an upper-case oid', pointerText(good.toUpperCase(), '7'), /its oid "sha256:[0-9A-F]{64}" is not/],
    ['size -1', pointerText(good, '-1'), /its size "-1" is not a whole number of bytes/],
  ])('%s: download refuses it instead of delivering the pointer text; check reports it', async (_, text, reason) => {
    const tree = await rawTree([
      { mode: '100644', name: '.gitattributes', oid: blob(ATTRIBUTES) },
      { mode: '100644', name: 'model.bin', oid: blob(text) },
    ])
    const commit = await craftVersion('lfsy', tree)
    expect(fsckStrict()).toBe('')
    const target = join(repo.scratch, 'out')
    const result = await run('download', 'lfsy:v0', '--to', target)
    expect(result.stderr).toMatch(/^error: refusing to download lfsy:v0: model\.bin is stored in Git LFS but its pointer is malformed \(/)
    expect(result.stderr).toMatch(reason)
    expect(result.stderr.split('\n')).toHaveLength(2)
    expect(result.code).toBe(1)
    expect(fs.existsSync(target)).toBe(false)

    const findings = JSON.parse((await run('check', '--format', 'json')).stdout).findings as Array<{ rule: string; message: string }>
    expect(findings.map((f) => f.rule)).toEqual(['lfs-pointer'])
    expect(findings[0]!.message).toContain(`commit ${commit.slice(0, 10)}`)
    expect(findings[0]!.message).toMatch(reason)
  })

  it('a pointer whose size lies says so, not that the object is missing', async () => {
    const content = 'weights'
    const object = join(repo.dir, '.git', 'lfs', 'objects', good.slice(0, 2), good.slice(2, 4), good)
    fs.mkdirSync(join(object, '..'), { recursive: true })
    fs.writeFileSync(object, content)
    const tree = await rawTree([
      { mode: '100644', name: '.gitattributes', oid: blob(ATTRIBUTES) },
      { mode: '100644', name: 'model.bin', oid: blob(pointerText(good, '70')) },
    ])
    await craftVersion('liar', tree)
    const target = join(repo.scratch, 'out')
    const result = await run('download', 'liar:v0', '--to', target)
    expect(result.stderr).toBe(
      `error: cannot download liar:v0: model.bin's Git LFS pointer declares 70 bytes but the stored object sha256 ${good.slice(0, 12)}… is 7 bytes: the pointer or the object is wrong; log the version again from its files\n`,
    )
    expect(result.code).toBe(1)
    expect(fs.existsSync(target)).toBe(false)
    const findings = JSON.parse((await run('check', '--format', 'json')).stdout).findings as Array<{ rule: string; message: string }>
    expect(findings.map((f) => f.rule)).toEqual(['lfs-size'])
    expect(findings[0]!.message).toContain('declares 70 bytes but the stored object')
  })
})

describe('from a remote', () => {
  let server: GitServer
  let env: Record<string, string>
  const { git } = mustSucceed(() => env)
  beforeAll(async () => {
    server = await startGitServer()
  })
  afterAll(async () => server.stop())

  it('download <url>#name refuses a crafted tree the same way, writing nothing', async () => {
    env = { ...repo.env, XDG_CACHE_HOME: join(repo.scratch, 'cache'), GIT_TERMINAL_PROMPT: '0' }
    await craftVersion('evil', await rawTree([{ mode: '100644', name: 'sub/evil.sh', oid: blob('echo pwned\n') }]))
    await craftVersion('twice', await rawTree([
      { mode: '100644', name: 'a', oid: blob('1') },
      { mode: '100644', name: 'a', oid: blob('2') },
    ]))
    server.createRepo('hostile')
    await git(repo.dir, 'push', '-q', server.url('hostile'), 'main', 'artifacts/evil', 'artifacts/twice')
    for (const [ref, rule] of [['evil:v0', 'fullPathname'], ['twice', 'duplicateEntries']] as const) {
      const target = join(repo.scratch, 'deploy')
      const result = await gmr(repo.scratch, env, ['download', `${server.url('hostile')}#${ref}`, '--to', target])
      expect(result.stderr).toMatch(new RegExp(`^error: refusing to download ${ref.split(':')[0]}:(v0|latest): at .*git fsck --strict: ${rule}\\); the version was crafted or damaged\\n$`))
      expect(result.code).toBe(1)
      expect(fs.existsSync(target)).toBe(false)
    }
  })
})

describe('gmr verify', () => {
  it('names the same hostile entries and malformed pointers, and exits 1', async () => {
    const weights = blob('weights\n')
    await craftVersion('twice', await rawTree([
      { mode: '100644', name: 'model.bin', oid: weights },
      { mode: '100644', name: 'model.bin', oid: blob('other\n') },
    ]))
    const twice = await run('verify', 'twice:v0')
    expect(twice.code).toBe(1)
    expect(twice.stderr).toMatch(/^error: twice:v0 does not verify: /)
    expect(twice.stdout).toContain('problem: model.bin: its tree has more than one entry named "model.bin" (git fsck: duplicateEntries)')

    await craftVersion('badptr', await rawTree([
      { mode: '100644', name: '.gitattributes', oid: blob(ATTRIBUTES) },
      { mode: '100644', name: 'model.bin', oid: blob(pointerText(sha('x').toUpperCase(), '2')) },
    ]))
    const badptr = await run('verify', 'badptr:v0')
    expect(badptr.code).toBe(1)
    expect(badptr.stdout).toMatch(/problem: model\.bin: stored in Git LFS but its pointer is malformed \(.+\)/)
  })
})
