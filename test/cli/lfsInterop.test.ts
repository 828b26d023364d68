import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { fsck, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { bytes, MiB, sha256 } from '../helpers/lfs.js'
import { hasTool } from '../helpers/tools.js'

let repo: TempRepo
const gmrRun = (...args: string[]) => gmr(repo.dir, repo.env, args)
beforeEach(async () => {
  repo = makeRepo()
  expect((await gmrRun('init')).code).toBe(0)
})
afterEach(() => repo.cleanup())

/** Plain git in `cwd`, with the test's own HOME and config. */
function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: repo.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Every file, link and mode below `dir` (without .git), as a comparable snapshot. */
function tree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of fs.readdirSync(join(dir, prefix)).sort()) {
    if (prefix === '' && name === '.git') continue
    const path = prefix === '' ? name : `${prefix}/${name}`
    const st = fs.lstatSync(join(dir, path))
    if (st.isDirectory()) Object.assign(out, tree(dir, path))
    else if (st.isSymbolicLink()) out[path] = `link ${fs.readlinkSync(join(dir, path))}`
    else out[path] = `${(st.mode & 0o111) !== 0 ? 'exec' : 'file'} ${sha256(fs.readFileSync(join(dir, path)))}`
  }
  return out
}

describe.skipIf(!hasTool('git-lfs'))('interop with plain git and git-lfs', () => {
  it('a version gmr logged checks out byte-identical with git + git-lfs, and git lfs fsck and git fsck --strict are clean', async () => {
    const model = join(repo.scratch, 'model')
    const files: Array<[string, Buffer, number?]> = [
      ['weights.bin', bytes(3 * MiB, 1)],
      ['a b/c d.bin', bytes(2 * MiB, 2)],
      ['#hash!.bin', bytes(MiB, 3)],
      ['!bang.bin', bytes(MiB, 4)],
      ['st*r[1]?.bin', bytes(MiB, 5)],
      ['tab\there.bin', bytes(MiB, 6)],
      ['back\\slash.bin', bytes(MiB, 7)],
      ['ünï/cödé.bin', bytes(MiB, 8)],
      ['bin/serve', bytes(MiB + 1, 9), 0o755],
      // Small, but named like a large top-level file: git-lfs would track it too.
      ['ckpt/weights.bin', Buffer.from('tiny\n')],
      ['tiny.onnx', Buffer.from('onnx')],
      ['empty.bin', Buffer.alloc(0)],
      ['config.json', Buffer.from('{"lr": 0.1}\n')],
      ['.gitattributes', Buffer.from('*.onnx filter=lfs diff=lfs merge=lfs -text\n*.json text eol=lf\n')],
    ]
    for (const [path, content, mode] of files) repo.write(join(model, path), content, mode)
    fs.symlinkSync('weights.bin', join(model, 'latest.bin'))
    const logged = await gmrRun('log', 'm', model)
    expect(logged.stderr).toBe('')
    expect(logged.stdout).toBe('m:v0\n')

    fsck(repo)
    gitIn(repo.dir, 'lfs', 'install', '--local')
    expect(gitIn(repo.dir, 'lfs', 'fsck')).toBe('Git LFS fsck OK\n')

    const clone = join(repo.scratch, 'clone')
    gitIn(repo.scratch, 'clone', '-q', '--no-checkout', `file://${repo.dir}`, clone)
    gitIn(clone, 'lfs', 'install', '--local')
    gitIn(clone, 'checkout', '-q', 'artifacts/m')
    const expected = tree(model)
    const gitattributes = fs.readFileSync(join(clone, '.gitattributes'))
    expect(tree(clone)).toEqual({ ...expected, '.gitattributes': `file ${sha256(gitattributes)}` })
    expect(gitattributes.toString()).toMatch(/^\*\.onnx filter=lfs diff=lfs merge=lfs -text\n\*\.json text eol=lf\n/)
    // The clone sees nothing to change: every file is exactly what git-lfs's clean filter gives back.
    expect(gitIn(clone, 'status', '--porcelain')).toBe('')
    expect(gitIn(clone, 'lfs', 'fsck')).toBe('Git LFS fsck OK\n')
    const tracked = gitIn(clone, 'lfs', 'ls-files', '--name-only').split('\n').filter(Boolean).sort()
    expect(tracked).toEqual(
      ['!bang.bin', '#hash!.bin', 'a b/c d.bin', 'back\\slash.bin', 'bin/serve', 'ckpt/weights.bin', 'st*r[1]?.bin', 'tab\there.bin', 'tiny.onnx', 'weights.bin', 'ünï/cödé.bin'].sort(),
    )

    // gmr download gives the files the git checkout gives (gmr refuses backslashes in downloads).
    fs.rmSync(join(model, 'back\\slash.bin'))
    fs.rmSync(join(clone, 'back\\slash.bin'))
    expect((await gmrRun('log', 'm', model)).stdout).toBe('m:v1\n')
    gitIn(clone, 'pull', '-q', '--ff-only')
    const downloaded = join(repo.scratch, 'downloaded')
    expect((await gmrRun('download', 'm:v1', '--to', downloaded)).stderr).toBe('')
    // ... except .gitattributes: the deployed folder gets the user's, without the lines gmr added for Git LFS.
    const userAttributes = '*.onnx filter=lfs diff=lfs merge=lfs -text\n*.json text eol=lf\n'
    expect(fs.readFileSync(join(downloaded, '.gitattributes'), 'utf8')).toBe(userAttributes)
    expect(tree(downloaded)).toEqual({ ...tree(clone), '.gitattributes': `file ${sha256(userAttributes)}` })
    expect(gitIn(clone, 'status', '--porcelain')).toBe('')
  })

  it('a folder git-lfs checked out logs as the same pointers git-lfs wrote', async () => {
    const work = join(repo.scratch, 'lfs-project')
    fs.mkdirSync(work)
    gitIn(work, 'init', '-q', '-b', 'main')
    gitIn(work, 'lfs', 'install', '--local')
    gitIn(work, 'lfs', 'track', '*.bin')
    fs.writeFileSync(join(work, 'model.bin'), bytes(2 * MiB, 11))
    gitIn(work, 'add', '.gitattributes', 'model.bin')
    gitIn(work, 'commit', '-q', '-m', 'model')
    const theirs = gitIn(work, 'cat-file', 'blob', 'HEAD:model.bin')
    // Only the model folder's files: the .gitattributes and the checked-out model.
    const model = join(repo.scratch, 'model')
    fs.mkdirSync(model)
    fs.copyFileSync(join(work, '.gitattributes'), join(model, '.gitattributes'))
    fs.copyFileSync(join(work, 'model.bin'), join(model, 'model.bin'))
    expect((await gmrRun('log', 'm', model)).code).toBe(0)
    expect(repo.git('show', 'artifacts/m:model.bin')).toBe(theirs)
    expect(repo.git('show', 'artifacts/m:.gitattributes')).toBe('*.bin filter=lfs diff=lfs merge=lfs -text\n')
    expect(repo.git('rev-parse', 'artifacts/m:model.bin')).toBe(gitIn(work, 'rev-parse', 'HEAD:model.bin'))
  })
})
