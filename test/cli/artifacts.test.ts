import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { fsck, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { repoFingerprint } from '../helpers/state.js'

let repo: TempRepo
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)

beforeEach(() => {
  repo = makeRepo()
})
afterEach(() => repo.cleanup())

async function initRegistry(): Promise<void> {
  const result = await run('init')
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
}

function modelFolder(name: string, files: Record<string, string>): string {
  const dir = join(repo.scratch, name)
  for (const [path, content] of Object.entries(files)) repo.write(join(dir, path), content)
  return dir
}

describe('gmr init', () => {
  it('writes registry/registry.yaml and commits only that file on the current branch', async () => {
    repo.write('staged.txt', 'staged work\n')
    repo.git('add', 'staged.txt')
    repo.write('README.md', '# edited but not staged\n')
    const statusBefore = repo.git('status', '--porcelain')

    const result = await run('init')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Initialised gmr registry in .* \(registry branch: main, commit [0-9a-f]{10}\)\n$/)

    const yaml = repo.read('registry/registry.yaml')
    expect(yaml).toMatch(/^# yaml-language-server: \$schema=https:\/\/gmr\.dev\/schemas\/registry\.schema\.json\n/)
    expect(yaml).toContain('formatVersion: 2\n')
    expect(yaml).toContain('registryBranch: main\n')
    expect(yaml).toContain('largeFileThreshold: 1048576\n')
    expect(repo.git('log', '-1', '--format=%s')).toBe('gmr: init registry on main\n')
    expect(repo.git('show', '--name-only', '--format=', 'HEAD')).toBe('registry/registry.yaml\n')
    expect(repo.git('show', 'HEAD:registry/registry.yaml')).toBe(yaml)
    // The user's staged and unstaged work is exactly as it was.
    expect(repo.git('status', '--porcelain')).toBe(statusBefore)
    expect(repo.git('diff', '--cached', '--name-only')).toBe('staged.txt\n')
    fsck(repo)
  })

  it('refuses to run twice, and registry commands before init say what to run', async () => {
    const before = await run('versions', 'churn')
    expect(before.code).toBe(1)
    expect(before.stderr).toMatch(/^error: .* is not a gmr registry yet .*run "gmr init" first\n$/)
    await initRegistry()
    const again = await run('init')
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^error: .* is already a gmr registry/)
  })

  it('outside a git repository is a clear error', async () => {
    const result = await gmr(repo.scratch, repo.env, ['artifacts'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error: not a git repository .*run "git init" first/)
    expect(result.stderr.split('\n')).toHaveLength(2)
  })
})

describe('gmr log', () => {
  beforeEach(initRegistry)

  it('logs twice with a change and once without, never touching index, work tree or HEAD', async () => {
    const dir = modelFolder('out', { 'model.bin': 'weights-1', 'config/params.json': '{"lr": 0.1}\n' })
    const head = repo.git('rev-parse', 'HEAD')
    const status = repo.git('status', '--porcelain')
    const index = fs.readFileSync(join(repo.dir, '.git/index'))

    expect((await run('log', 'churn', dir)).stdout).toBe('churn:v0\n')
    fs.writeFileSync(join(dir, 'model.bin'), 'weights-2')
    expect((await run('log', 'churn', dir, '--metadata', 'accuracy=0.93')).stdout).toBe('churn:v1\n')
    const same = await run('log', 'churn', dir)
    expect(same.stdout).toBe('churn:v1 (unchanged)\n')
    expect(same.code).toBe(0)

    // Compare the index bytes before any git command refreshes its stat cache.
    expect(fs.readFileSync(join(repo.dir, '.git/index')).equals(index)).toBe(true)
    expect(repo.git('rev-parse', 'HEAD')).toBe(head)
    expect(repo.git('status', '--porcelain')).toBe(status)
    expect(repo.git('log', '--format=%s', 'artifacts/churn')).toBe('churn v1\nchurn v0\n')
    expect(repo.git('ls-tree', '-r', '--name-only', 'artifacts/churn')).toBe('config/params.json\nmodel.bin\n')
    expect(repo.git('show', 'artifacts/churn:model.bin')).toBe('weights-2')
    // v0 is an orphan root: the artifact branch shares no history with main.
    expect(repo.git('rev-list', '--max-parents=0', 'artifacts/churn').trim()).toBe(
      repo.git('rev-parse', 'artifacts/churn~1').trim(),
    )
    fsck(repo)
  })

  it('deduplicates against any earlier version, not only the latest', async () => {
    const a = modelFolder('a', { 'm.bin': 'A' })
    const b = modelFolder('b', { 'm.bin': 'B' })
    expect((await run('log', 'm', a)).stdout).toBe('m:v0\n')
    expect((await run('log', 'm', b)).stdout).toBe('m:v1\n')
    expect((await run('log', 'm', a)).stdout).toBe('m:v0 (unchanged)\n')
    expect(repo.git('rev-list', '--count', 'artifacts/m')).toBe('2\n')
  })

  it('records metadata as YAML scalars, merges a metadata file, and records the source commit', async () => {
    const dir = modelFolder('out', { 'model.bin': 'w' })
    repo.write(join(repo.scratch, 'metrics.json'), JSON.stringify({ metrics: { auc: 0.91, loss: 0.2 }, framework: 'torch' }))
    const result = await run(
      'log', 'churn', dir,
      '--metadata-file', join(repo.scratch, 'metrics.json'),
      '--metadata', 'metrics.auc=0.97', '--metadata', 'epochs=12', '--metadata', 'tuned=true', '--metadata', 'note=hello world',
    )
    expect(result.code).toBe(0)
    const head = repo.git('rev-parse', 'HEAD').trim()
    const message = repo.git('log', '-1', '--format=%B', 'artifacts/churn')
    expect(message).toBe(
      [
        'churn v0',
        '',
        'artifact: churn',
        'version: 0',
        'metadata:',
        '  metrics:',
        '    auc: 0.97',
        '    loss: 0.2',
        '  framework: torch',
        '  epochs: 12',
        '  tuned: true',
        '  note: hello world',
        'source:',
        `  commit: ${head}`,
        '  dirty: false',
        '',
        '',
      ].join('\n'),
    )
    const json = JSON.parse((await run('versions', 'churn', '--json')).stdout)
    expect(json.versions[0].metadata).toEqual({
      metrics: { auc: 0.97, loss: 0.2 },
      framework: 'torch',
      epochs: 12,
      tuned: true,
      note: 'hello world',
    })
    expect(json.versions[0].source).toEqual({ commit: head, dirty: false })
  })

  it('marks the source dirty when tracked files have uncommitted changes', async () => {
    const dir = modelFolder('out', { 'model.bin': 'w' })
    repo.write('README.md', 'changed\n')
    await run('log', 'churn', dir)
    expect(repo.git('log', '-1', '--format=%B', 'artifacts/churn')).toContain('  dirty: true\n')
  })

  it('keeps executable bits and symlinks, and never includes .git folders', async () => {
    const dir = modelFolder('out', { 'run.sh': '#!/bin/sh\necho hi\n', 'weights/a.bin': 'a', '.git/config': 'x' })
    fs.chmodSync(join(dir, 'run.sh'), 0o755)
    fs.symlinkSync('weights/a.bin', join(dir, 'current.bin'))
    fs.mkdirSync(join(dir, 'nested/.git'), { recursive: true })
    fs.writeFileSync(join(dir, 'nested/.git/HEAD'), 'ref: x')
    fs.writeFileSync(join(dir, 'nested/keep.txt'), 'keep')
    expect((await run('log', 'tools', dir)).code).toBe(0)
    const tree = repo.git('ls-tree', '-r', 'artifacts/tools')
    expect(tree).toMatch(/^120000 blob [0-9a-f]{40}\tcurrent\.bin$/m)
    expect(tree).toMatch(/^100755 blob [0-9a-f]{40}\trun\.sh$/m)
    expect(tree).toMatch(/^100644 blob [0-9a-f]{40}\tnested\/keep\.txt$/m)
    expect(tree).not.toContain('.git')
    expect(repo.git('cat-file', '-p', 'artifacts/tools:current.bin')).toBe('weights/a.bin')
    fsck(repo)
  })

  it('puts a folder\'s contents at the top and files by their base name', async () => {
    const dir = modelFolder('out', { 'model.bin': 'w' })
    const extra = repo.write(join(repo.scratch, 'README.txt'), 'card')
    await run('log', 'churn', dir, extra)
    expect(repo.git('ls-tree', '--name-only', 'artifacts/churn')).toBe('README.txt\nmodel.bin\n')
  })

  it('takes relative paths from the current folder', async () => {
    repo.write('models/out/model.bin', 'w')
    const result = await gmr(join(repo.dir, 'models'), repo.env, ['log', 'churn', 'out'])
    expect(result.stdout).toBe('churn:v0\n')
    expect(repo.git('ls-tree', '--name-only', 'artifacts/churn')).toBe('model.bin\n')
  })
})

describe('bad input leaves the repository exactly as it was', () => {
  beforeEach(initRegistry)

  const cases: Array<[string, () => string[], RegExp]> = [
    ['an invalid artifact name', () => ['log', 'bad name', modelFolder('o', { a: '1' })], /^error: invalid artifact name "bad name"/],
    ['a name with ..', () => ['log', 'a..b', modelFolder('o', { a: '1' })], /^error: invalid artifact name "a\.\.b"/],
    ['a name ending in .lock', () => ['log', 'm.lock', modelFolder('o', { a: '1' })], /^error: invalid artifact name "m\.lock"/],
    ['a missing path', () => ['log', 'm', join(repo.scratch, 'nope')], /^error: path not found: .*nope\n$/],
    ['an empty folder', () => {
      fs.mkdirSync(join(repo.scratch, 'empty/sub'), { recursive: true })
      return ['log', 'm', join(repo.scratch, 'empty')]
    }, /^error: nothing to log: .*empty holds no files/],
    ['a malformed metadata file', () => {
      repo.write(join(repo.scratch, 'meta.yaml'), 'a: [1, 2\n')
      return ['log', 'm', modelFolder('o', { a: '1' }), '--metadata-file', join(repo.scratch, 'meta.yaml')]
    }, /^error: .*meta\.yaml:\d+:\d+: .*must be JSON or YAML\n$/],
    ['a metadata file that is a list', () => {
      repo.write(join(repo.scratch, 'meta.json'), '[1, 2]')
      return ['log', 'm', modelFolder('o', { a: '1' }), '--metadata-file', join(repo.scratch, 'meta.json')]
    }, /^error: .*meta\.json: metadata must be a mapping/],
    ['a metadata pair without =', () => ['log', 'm', modelFolder('o', { a: '1' }), '--metadata', 'accuracy'], /^error: invalid --metadata "accuracy": expected key=value/],
    ['a symlink that leaves the folder', () => {
      const dir = modelFolder('o', { a: '1' })
      fs.symlinkSync('../../etc/passwd', join(dir, 'evil'))
      return ['log', 'm', dir]
    }, /^error: symlink .*evil -> \.\.\/\.\.\/etc\/passwd points outside/],
    ['an unknown version', () => ['resolve', 'churn:v7'], /^error: no version v7 of churn: churn has v0 to v0\n$/],
    ['an unknown name', () => ['show', 'nope:v1'], /^error: no artifact or registered model named "nope"; known names: churn\n$/],
    ['a bad selector', () => ['resolve', 'churn:Prod'], /^error: invalid selector "Prod" in "churn:Prod"/],
  ]

  it.each(cases)('%s', async (_label, args, message) => {
    await run('log', 'churn', modelFolder('base', { 'model.bin': 'w' }))
    const argv = args()
    const before = repoFingerprint(repo.dir)
    const result = await run(...argv)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })

  it('usage errors exit 2', async () => {
    const result = await run('log', 'churn')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("missing required argument 'path'")
  })
})

describe('reading versions', () => {
  beforeEach(initRegistry)

  it('artifacts, versions, show and resolve agree with git', async () => {
    const dir = modelFolder('out', { 'model.bin': 'v0', 'run.sh': 'x' })
    fs.chmodSync(join(dir, 'run.sh'), 0o755)
    await run('log', 'churn', dir, '--metadata', 'accuracy=0.9')
    fs.writeFileSync(join(dir, 'model.bin'), 'v1 weights')
    await run('log', 'churn', dir, '--metadata', 'accuracy=0.95')
    const created = await run('artifact', 'create', 'ranker', '--description', 'search ranker')
    expect(created.code).toBe(0)
    expect(repo.read('registry/artifacts/ranker.yaml')).toContain('description: search ranker\n')

    const tip = repo.git('rev-parse', 'artifacts/churn').trim()
    const v0 = repo.git('rev-parse', 'artifacts/churn~1').trim()
    expect((await run('resolve', 'churn')).stdout).toBe(`${tip}\n`)
    expect((await run('resolve', 'churn:latest')).stdout).toBe(`${tip}\n`)
    expect((await run('resolve', 'churn:v0')).stdout).toBe(`${v0}\n`)

    const artifacts = JSON.parse((await run('artifacts', '--json')).stdout)
    expect(artifacts.artifacts.map((a: { name: string; versionCount: number }) => [a.name, a.versionCount])).toEqual([
      ['churn', 2],
      ['ranker', 0],
    ])
    const table = (await run('artifacts')).stdout
    expect(table).toMatch(/^NAME +TYPE +VERSIONS +LATEST +LOGGED +DESCRIPTION\n/)
    expect(table).toMatch(/^churn +model +2 +v1 /m)

    const versions = JSON.parse((await run('versions', 'churn', '--json')).stdout)
    expect(versions.versions.map((v: { version: number; commit: string }) => [v.version, v.commit])).toEqual([
      [0, v0],
      [1, tip],
    ])
    expect((await run('versions', 'churn')).stdout).toMatch(/^v1 +[0-9a-f]{10} +\S+ +Ada Lovelace +accuracy=0\.95$/m)

    const shown = JSON.parse((await run('show', 'churn:v1', '--json')).stdout)
    const blobSha256 = (path: string) => createHash('sha256').update(repo.git('show', `artifacts/churn:${path}`)).digest('hex')
    expect(shown.version.commit).toBe(tip)
    expect(shown.files).toEqual([
      { path: 'model.bin', kind: 'file', size: 10, oid: repo.git('rev-parse', 'artifacts/churn:model.bin').trim(), lfs: false, sha256: blobSha256('model.bin') },
      { path: 'run.sh', kind: 'executable', size: 1, oid: repo.git('rev-parse', 'artifacts/churn:run.sh').trim(), lfs: false, sha256: blobSha256('run.sh') },
    ])
    const text = (await run('show', 'churn:v1')).stdout
    expect(text).toContain(`commit:   ${tip}\n`)
    expect(text).toMatch(/^model\.bin +10 B +file$/m)
    expect((await run('show', 'churn')).stdout).toContain('versions:    2 (latest v1')
  })

  it('versions stay right after git pack-refs, git gc and a deleted index', async () => {
    const dir = modelFolder('out', { 'model.bin': '0' })
    for (let i = 1; i <= 3; i++) {
      await run('log', 'm5', dir)
      fs.writeFileSync(join(dir, 'model.bin'), String(i))
    }
    await run('log', 'm50', dir)
    repo.git('gc', '-q')
    repo.git('pack-refs', '--all')
    fs.rmSync(join(repo.dir, '.git/gmr'), { recursive: true, force: true })
    const versions = JSON.parse((await run('versions', 'm5', '--json')).stdout)
    expect(versions.versions).toHaveLength(3)
    expect((await run('resolve', 'm5:v2')).stdout).toBe(repo.git('rev-parse', 'artifacts/m5'))
    expect((await run('resolve', 'm50')).stdout).toBe(repo.git('rev-parse', 'artifacts/m50'))
    // Logging on top of a packed ref works and is seen by git.
    fs.writeFileSync(join(dir, 'model.bin'), 'after gc')
    expect((await run('log', 'm5', dir)).stdout).toBe('m5:v3\n')
    expect(repo.git('rev-list', '--count', 'artifacts/m5')).toBe('4\n')
    fsck(repo)
  })

  it('notices versions written by plain git and rebuilds after history is rewritten', async () => {
    const dir = modelFolder('out', { 'model.bin': '0' })
    await run('log', 'm', dir)
    expect(JSON.parse((await run('versions', 'm', '--json')).stdout).versions).toHaveLength(1)
    // Another tool appends a version with plain git.
    const tree = repo.git('mktree').trim() // the empty tree
    const child = repo.git('commit-tree', tree, '-p', 'artifacts/m', '-m', 'm v1').trim()
    repo.git('update-ref', 'refs/heads/artifacts/m', child)
    expect((await run('resolve', 'm:v1')).stdout).toBe(`${child}\n`)
    // History rewritten to a different single root.
    const root = repo.git('commit-tree', tree, '-m', 'm v0').trim()
    repo.git('update-ref', 'refs/heads/artifacts/m', root)
    const versions = JSON.parse((await run('versions', 'm', '--json')).stdout).versions
    expect(versions.map((v: { commit: string }) => v.commit)).toEqual([root])
  })
})
