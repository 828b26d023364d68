import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { gmrProcess, testEnv, type ProcessResult } from '../helpers/gitRepo.js'

// Every system error a user can cause is one line on stderr that says what and where,
// exit 1, never "unexpected" and never a stack trace.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gmr.js')
const isRoot = process.getuid?.() === 0
const canMount = isRoot && spawnSync('mount', ['--version']).status === 0 && probeMount()
if (!canMount) console.warn('systemErrors: skipping the tmpfs tests (needs root and mount); read-only and full-disk cases are not covered here')

function probeMount(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'gmr-mount-probe-'))
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0
  if (ok) spawnSync('umount', [dir])
  rmSync(dir, { recursive: true, force: true })
  return ok
}

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** A registry with one linked model, in a fresh folder (on a tmpfs of `size` when given). */
async function registry(size?: string): Promise<{ root: string; dir: string; env: Record<string, string>; gmr: (...args: string[]) => Promise<ProcessResult> }> {
  const root = mkdtempSync(join(tmpdir(), 'gmr-syserr-'))
  fs.chmodSync(root, 0o755)
  cleanups.push(() => rmSync(root, { recursive: true, force: true }))
  if (size !== undefined) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', root])
    cleanups.push(() => void spawnSync('umount', ['-l', root]))
  }
  const dir = join(root, 'repo')
  const home = join(root, 'home')
  fs.mkdirSync(dir)
  fs.mkdirSync(home)
  const env = testEnv(home)
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env })
  git('init', '-q', '-b', 'main')
  git('commit', '-q', '--allow-empty', '-m', 'initial commit')
  const gmr = (...args: string[]) => gmrProcess(dir, env, args)
  fs.mkdirSync(join(root, 'in'))
  fs.writeFileSync(join(root, 'in/model.txt'), 'weights\n')
  for (const args of [['init'], ['log', 'churn', join(root, 'in')], ['model', 'create', 'm'], ['link', 'churn:v0', 'm']]) {
    expect((await gmr(...args)).code).toBe(0)
  }
  return { root, dir, env, gmr }
}

function expectOneLine(result: ProcessResult, pattern: RegExp): void {
  expect(result.code).toBe(1)
  expect(result.stderr).toMatch(pattern)
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(result.stderr).not.toMatch(/unexpected|\n\s+at /)
}

describe('system errors', () => {
  it.skipIf(!canMount)('a read-only file system: writes say so in one line, reads still work', async () => {
    const { root, dir, gmr } = await registry('16m')
    execFileSync('mount', ['-o', 'remount,ro', root])
    expectOneLine(await gmr('tag', 'add', 'm', 'vision'), /^error: cannot create '.*\/\.git\/gmr\/registry\.lock': read-only file system \(EROFS\); remount it read-write/)
    fs.writeFileSync(join(tmpdir(), `gmr-syserr-${process.pid}.txt`), 'new weights\n')
    cleanups.push(() => rmSync(join(tmpdir(), `gmr-syserr-${process.pid}.txt`), { force: true }))
    expectOneLine(
      await gmr('log', 'churn', join(tmpdir(), `gmr-syserr-${process.pid}.txt`)),
      /^error: cannot create the folder '.*\/\.git\/objects\/[0-9a-f]{2}': read-only file system \(EROFS\)/,
    )
    expectOneLine(await gmr('download', 'm:v0', '--to', join(root, 'out')), /^error: cannot create the folder '.*\/out\.tmp-[^']+': read-only file system \(EROFS\)/)
    const read = await gmr('show', 'm:v0')
    expect(read.code).toBe(0)
    expect(fs.readdirSync(join(dir, '.git/gmr')).filter((n) => n.includes('lock'))).toEqual([])
  })

  it.skipIf(!canMount)('a full disk: one line, no lock left behind, and the same write works once there is space', async () => {
    const { root, gmr, dir } = await registry('8m')
    const filler = join(root, 'filler')
    spawnSync('sh', ['-c', `head -c 100000000 /dev/zero > '${filler}'`])
    expectOneLine(await gmr('model', 'create', 'n'), /^error: cannot [^\n]*: no space left on device \(ENOSPC\); free some space and try again\n$/)
    expect(fs.existsSync(join(dir, '.git/gmr/registry.lock'))).toBe(false)
    fs.rmSync(filler)
    const again = await gmr('model', 'create', 'n')
    expect(again.stderr).not.toMatch(/error|note/)
    expect(again.code).toBe(0)
  })

  it('a name too long for the file system', async () => {
    const { root, gmr } = await registry()
    expectOneLine(await gmr('download', 'm:v0', '--to', join(root, 'x'.repeat(300))), /^error: cannot .*'.*x{300}.*': file name too long \(ENAMETOOLONG\); use a shorter path\n$/)
  })

  it('a folder that does not exist', async () => {
    const { root, env } = await registry()
    const result = await gmrProcess(root, env, ['-C', join(root, 'no/such/folder'), 'models'])
    expectOneLine(result, new RegExp(`^error: ${root}/no/such/folder is not a folder that exists; check the path`))
  })

  it.skipIf(!isRoot)('a target whose parent folder this user may not enter (EACCES)', async () => {
    const { root, dir, env } = await registry()
    const locked = join(root, 'locked')
    fs.mkdirSync(locked, { mode: 0o700 })
    fs.chmodSync(join(root, 'in'), 0o755)
    execFileSync('chmod', ['-R', 'a+rX', dir])
    // Another user than root, for whom permissions count; git needs it to own nothing here (safe.directory).
    const result = spawnSync('setpriv', ['--reuid', '4242', '--regid', '4242', '--clear-groups', process.execPath, BIN, 'download', 'm:v0', '--to', join(locked, 'sub/out')], {
      cwd: dir,
      env: { ...env, GIT_CONFIG_PARAMETERS: `'safe.directory'='*'` },
      encoding: 'utf8',
    })
    expectOneLine(
      { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr },
      new RegExp(`^error: cannot [^']*'${locked}/sub[^']*': permission denied \\(EACCES\\); check the permissions of that path and its folders\\n$`),
    )
  })
})
