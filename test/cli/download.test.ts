import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)
let model: string

beforeEach(async () => {
  repo = makeRepo()
  await run('init')
  model = join(repo.scratch, 'out')
  repo.write(join(model, 'model.bin'), Buffer.from([0, 1, 2, 255, 254]))
  repo.write(join(model, 'config/params.json'), '{"lr": 0.1}\n')
  repo.write(join(model, 'bin/serve'), '#!/bin/sh\nexec serve\n', 0o755)
  fs.symlinkSync('config/params.json', join(model, 'params.json'))
  expect((await run('log', 'churn', model)).stdout).toBe('churn:v0\n')
})
afterEach(() => repo.cleanup())

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(join(dir, prefix)).sort().flatMap((name) => {
    const path = prefix === '' ? name : `${prefix}/${name}`
    const st = fs.lstatSync(join(dir, path))
    return st.isDirectory() ? listFiles(dir, path) : [path]
  })
}

describe('gmr download', () => {
  it('writes byte-identical files, modes and links into ./<artifact>-v<N> by default', async () => {
    const result = await run('download', 'churn:v0')
    expect(result.code).toBe(0)
    const target = join(repo.dir, 'churn-v0')
    expect(result.stdout).toBe(`churn:v0 -> ${target} (4 files: 4 written, 0 unchanged)\n`)
    expect(listFiles(target)).toEqual(['bin/serve', 'config/params.json', 'model.bin', 'params.json'])
    expect(fs.readFileSync(join(target, 'model.bin'))).toEqual(Buffer.from([0, 1, 2, 255, 254]))
    expect(fs.statSync(join(target, 'bin/serve')).mode & 0o777).toBe(0o755)
    expect(fs.statSync(join(target, 'model.bin')).mode & 0o111).toBe(0)
    expect(fs.readlinkSync(join(target, 'params.json'))).toBe('config/params.json')
    // Nothing else is left in the parent folder (no staging folder).
    expect(fs.readdirSync(repo.dir).filter((n) => n.includes('churn-v0'))).toEqual(['churn-v0'])
  })

  it('a second download into the same folder writes nothing', async () => {
    const target = join(repo.scratch, 'serving')
    await run('download', 'churn', '--to', target)
    const mtimes = listFiles(target).map((p) => fs.lstatSync(join(target, p)).mtimeMs)
    const inodes = listFiles(target).map((p) => fs.lstatSync(join(target, p)).ino)
    const again = await run('download', 'churn', '--to', target)
    expect(again.code).toBe(0)
    expect(again.stdout).toBe(`churn:v0 -> ${target} (4 files: already up to date)\n`)
    expect(listFiles(target).map((p) => fs.lstatSync(join(target, p)).mtimeMs)).toEqual(mtimes)
    expect(listFiles(target).map((p) => fs.lstatSync(join(target, p)).ino)).toEqual(inodes)
  })

  it('refuses a non-empty folder unless --force, and --force rewrites only what differs', async () => {
    const target = join(repo.scratch, 'serving')
    await run('download', 'churn', '--to', target)
    fs.writeFileSync(join(target, 'model.bin'), 'tampered')
    fs.writeFileSync(join(target, 'notes.txt'), 'mine')
    const refused = await run('download', 'churn', '--to', target)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^error: .*serving is not empty \(it holds notes\.txt, which is not this version's\); use --force/)
    expect(fs.readFileSync(join(target, 'model.bin'), 'utf8')).toBe('tampered')

    const forced = await run('download', 'churn', '--to', target, '--force')
    expect(forced.stdout).toContain('(4 files: 1 written, 3 unchanged)')
    expect(fs.readFileSync(join(target, 'model.bin'))).toEqual(Buffer.from([0, 1, 2, 255, 254]))
    expect(fs.readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('mine')
  })

  it('--force replaces a symlinked folder in the target instead of writing through it', async () => {
    const target = join(repo.scratch, 'serving')
    const outside = join(repo.scratch, 'outside')
    fs.mkdirSync(outside)
    fs.mkdirSync(target)
    fs.symlinkSync(outside, join(target, 'config'))
    const result = await run('download', 'churn', '--to', target, '--force')
    expect(result.code).toBe(0)
    expect(fs.readdirSync(outside)).toEqual([])
    expect(fs.lstatSync(join(target, 'config')).isDirectory()).toBe(true)
    expect(fs.readFileSync(join(target, 'config/params.json'), 'utf8')).toBe('{"lr": 0.1}\n')
  })

  it('--include picks files by gitignore-style globs', async () => {
    const target = join(repo.scratch, 'json-only')
    const result = await run('download', 'churn', '--to', target, '--include', '*.json')
    expect(result.code).toBe(0)
    expect(listFiles(target)).toEqual(['config/params.json', 'params.json'])
    const bins = join(repo.scratch, 'bins')
    await run('download', 'churn', '--to', bins, '--include', 'bin', '--include', 'model.*')
    expect(listFiles(bins)).toEqual(['bin/serve', 'model.bin'])
    const none = await run('download', 'churn', '--to', join(repo.scratch, 'none'), '--include', '*.onnx')
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^error: no file of churn:latest matches --include \*\.onnx; known files: /)
    expect(fs.existsSync(join(repo.scratch, 'none'))).toBe(false)
  })
})

/** Write a raw tree object with plain git (bypassing every check) and make it artifact `evil`'s v0. */
function craftVersion(entries: Array<{ mode: string; name: string; content?: string; oid?: string }>): void {
  const git = (args: string[], input?: Buffer | string) =>
    execFileSync('git', args, { cwd: repo.dir, env: repo.env, input }).toString().trim()
  const parts = entries.map((e) => {
    const oid = e.oid ?? git(['hash-object', '-w', '--stdin'], e.content ?? '')
    return Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(oid, 'hex')])
  })
  const tree = git(['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], Buffer.concat(parts))
  const commit = git(['commit-tree', tree, '-m', 'evil v0'])
  git(['update-ref', 'refs/heads/artifacts/evil', commit])
}

function subtree(entries: Array<{ mode: string; name: string; content: string }>): string {
  const git = (args: string[], input?: Buffer | string) =>
    execFileSync('git', args, { cwd: repo.dir, env: repo.env, input }).toString().trim()
  const parts = entries.map((e) =>
    Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(git(['hash-object', '-w', '--stdin'], e.content), 'hex')]),
  )
  return git(['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], Buffer.concat(parts))
}

describe('download never writes outside the target folder', () => {
  const cases: Array<[string, () => void, RegExp]> = [
    ['a ".." entry', () => craftVersion([{ mode: '40000', name: '..', oid: subtree([{ mode: '100644', name: 'x', content: 'pwned' }]) }]), /the version holds the path "\.\.\/x" and it has a "\.\." component/],
    ['a ".git" folder', () => craftVersion([{ mode: '40000', name: '.git', oid: subtree([{ mode: '100644', name: 'config', content: '[core]' }]) }]), /"\.git\/config" and it has a "\.git" component/],
    ['a ".GIT" folder', () => craftVersion([{ mode: '40000', name: '.GIT', oid: subtree([{ mode: '100644', name: 'hooks', content: 'x' }]) }]), /it has a "\.git" component/],
    ['an absolute symlink', () => craftVersion([{ mode: '120000', name: 'passwd', content: '/etc/passwd' }]), /symlink "passwd" -> "\/etc\/passwd" points outside/],
    ['a symlink climbing out', () => craftVersion([{ mode: '120000', name: 'up', content: '../../secret' }]), /symlink "up" -> "\.\.\/\.\.\/secret" points outside/],
    ['a chain of links that escapes only on disk', () => craftVersion([
      { mode: '120000', name: 's', content: 't/..' },
      { mode: '120000', name: 't', content: '.' },
    ]), /symlink "s" -> "t\/\.\." points outside/],
  ]

  it.each(cases)('refuses %s and writes nothing', async (_label, craft, message) => {
    craft()
    const target = join(repo.scratch, 'deploy', 'inner')
    const result = await run('download', 'evil:v0', '--to', target)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).toMatch(/^error: refusing to download evil:v0/)
    expect(result.code).toBe(1)
    expect(fs.existsSync(join(repo.scratch, 'deploy'))).toBe(false)
    expect(fs.existsSync(join(repo.scratch, 'x'))).toBe(false)
  })
})
