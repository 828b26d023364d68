import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { run } from '../../src/cli/program.js'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { bytes, MiB, sha256 } from '../helpers/lfs.js'
import { repoFingerprint } from '../helpers/state.js'
import { hasTool } from '../helpers/tools.js'

let repo: TempRepo
let model: string
const gmrRun = (...args: string[]) => gmr(repo.dir, repo.env, args)
/** Run gmr in-process as on a terminal: stderr is a TTY. */
async function onTerminal(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await run(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: repo.dir, env: repo.env, fs, stderrIsTTY: true })
  return { code, stdout, stderr }
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(join(dir, prefix)).sort().flatMap((name) => {
    const path = prefix === '' ? name : `${prefix}/${name}`
    return fs.lstatSync(join(dir, path)).isDirectory() ? listFiles(dir, path) : [path]
  })
}

beforeEach(async () => {
  repo = makeRepo()
  expect((await gmrRun('init')).code).toBe(0)
  model = join(repo.scratch, 'out')
  repo.write(join(model, 'weights.bin'), bytes(3 * MiB))
  repo.write(join(model, 'bin/serve'), bytes(2 * MiB, 2), 0o755)
  repo.write(join(model, 'config.json'), '{"lr": 0.1}\n')
})
afterEach(() => repo.cleanup())

function objectPath(oid: string): string {
  return join(repo.dir, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid)
}

type VerifiedRecord = Record<string, { ino: string; written?: boolean }>
const verifiedRecordPath = () => join(repo.dir, '.git/gmr/verified-lfs.json')
const readVerifiedRecord = () => JSON.parse(fs.readFileSync(verifiedRecordPath(), 'utf8')) as VerifiedRecord

/** The 3 MiB weights with one bit flipped at `at`: same size, another SHA-256. */
function damagedWeights(at: number): Buffer {
  const damaged = bytes(3 * MiB)
  damaged[at] = damaged[at]! ^ 1
  return damaged
}

describe('gmr log, show and download with large files', () => {
  it('logs large files into Git LFS and says so in --json', async () => {
    const result = await gmrRun('log', 'churn', model, '--json')
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout)).toMatchObject({ version: { artifact: 'churn', version: 0 }, fileCount: 4, lfsFileCount: 2, writtenLfsObjectCount: 2 })
    expect(repo.git('show', 'artifacts/churn:.gitattributes')).toBe(
      'bin/serve filter=lfs diff=lfs merge=lfs -text\nweights.bin filter=lfs diff=lfs merge=lfs -text\n',
    )
    expect(repo.git('show', 'artifacts/churn:weights.bin')).toBe(
      `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(bytes(3 * MiB))}\nsize ${3 * MiB}\n`,
    )
    expect(repo.git('ls-tree', 'artifacts/churn', 'bin/serve')).toMatch(/^100755 blob /)
    expect(fs.readFileSync(objectPath(sha256(bytes(3 * MiB)))).equals(bytes(3 * MiB))).toBe(true)
    expect((await gmrRun('log', 'churn', model)).stdout).toBe('churn:v0 (unchanged)\n')
  })

  it('--large-file-threshold overrides registry.yaml for one call; a malformed value is a usage error', async () => {
    await gmrRun('log', 'churn', model, '--large-file-threshold', String(10 * MiB))
    expect(repo.git('ls-tree', '-r', '--name-only', 'artifacts/churn')).toBe('bin/serve\nconfig.json\nweights.bin\n')
    await gmrRun('log', 'churn', model, '--large-file-threshold', '5')
    expect(repo.git('show', 'artifacts/churn:.gitattributes')).toContain('config.json filter=lfs')
    for (const bad of ['abc', '0', '1.5', '-3', '1e6']) {
      const result = await gmrRun('log', 'churn', model, '--large-file-threshold', bad)
      expect(result.code, bad).toBe(2)
      expect(result.stderr, bad).toContain(`argument '${bad}' is invalid. give a whole number of bytes, at least 1`)
    }
  })

  it('show lists each file with its size and an LFS column', async () => {
    await gmrRun('log', 'churn', model)
    const result = await gmrRun('show', 'churn:v0')
    expect(result.stdout).toContain('files:    4, 5.0 MiB\n')
    expect(result.stdout.slice(result.stdout.indexOf('PATH'))).toBe(
      [
        'PATH            SIZE     KIND        LFS',
        '.gitattributes  94 B     file',
        'bin/serve       2.0 MiB  executable  yes',
        'config.json     12 B     file',
        'weights.bin     3.0 MiB  file        yes',
        '',
      ].join('\n'),
    )
    const files = JSON.parse((await gmrRun('show', 'churn:v0', '--json')).stdout).files
    expect(files.find((f: { path: string }) => f.path === 'weights.bin')).toMatchObject({ size: 3 * MiB, lfs: true, lfsOid: sha256(bytes(3 * MiB)) })
  })

  it('download writes the real bytes and modes; downloading again writes nothing', async () => {
    await gmrRun('log', 'churn', model)
    const target = join(repo.scratch, 'serving')
    // The model's files only: gmr's own .gitattributes stays in the tree, out of the deployed folder.
    expect((await gmrRun('download', 'churn', '--to', target)).stdout).toBe(`churn:v0 -> ${target} (3 files: 3 written, 0 unchanged)\n`)
    expect(fs.existsSync(join(target, '.gitattributes'))).toBe(false)
    expect(fs.readFileSync(join(target, 'weights.bin')).equals(bytes(3 * MiB))).toBe(true)
    expect(fs.readFileSync(join(target, 'bin/serve')).equals(bytes(2 * MiB, 2))).toBe(true)
    expect(fs.statSync(join(target, 'bin/serve')).mode & 0o777).toBe(0o755)
    const stamp = () => listFiles(target).map((p) => [p, fs.statSync(join(target, p)).mtimeMs, fs.statSync(join(target, p)).ino])
    const before = stamp()
    for (let i = 0; i < 2; i++) {
      const again = await gmrRun('download', 'churn', '--to', target)
      expect(again.stdout).toBe(`churn:v0 -> ${target} (3 files: already up to date)\n`)
      expect(stamp()).toEqual(before)
    }
    // A changed large file of the same size is found and, with --force, replaced.
    fs.writeFileSync(join(target, 'weights.bin'), bytes(3 * MiB, 9))
    const refused = await gmrRun('download', 'churn', '--to', target)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/it holds weights\.bin, which is not this version's/)
    expect((await gmrRun('download', 'churn', '--to', target, '--force')).stdout).toContain('(3 files: 1 written, 2 unchanged)')
    expect(fs.readFileSync(join(target, 'weights.bin')).equals(bytes(3 * MiB))).toBe(true)
  })

  it('download refuses a corrupt LFS object: one line, exit 1, no partial file', async () => {
    await gmrRun('log', 'churn', model)
    const oid = sha256(bytes(3 * MiB))
    const damaged = bytes(3 * MiB)
    damaged[12345] = damaged[12345]! ^ 1
    fs.writeFileSync(objectPath(oid), damaged)
    const target = join(repo.scratch, 'serving')
    const result = await gmrRun('download', 'churn', '--to', target)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `error: refusing to write weights.bin: Git LFS object ${oid} is corrupt (its content hashes to ${sha256(damaged)}); delete ${objectPath(oid)} and fetch it again ("git lfs fetch"), or log the file again\n`,
    )
    expect(fs.existsSync(target)).toBe(false)
    expect(fs.readdirSync(repo.scratch).sort()).toEqual(['out'])
    // Into an existing folder: the old file stays, no temporary file is left.
    fs.mkdirSync(target)
    fs.writeFileSync(join(target, 'weights.bin'), 'old')
    expect((await gmrRun('download', 'churn', '--to', target, '--force')).code).toBe(1)
    expect(fs.readdirSync(target)).toEqual(['weights.bin'])
    expect(fs.readFileSync(join(target, 'weights.bin'), 'utf8')).toBe('old')
  })

  it('download copies an object it verified before without hashing it, yet refuses one corrupted in place since', async () => {
    await gmrRun('log', 'churn', model)
    const oid = sha256(bytes(3 * MiB))
    // A hash within the file system's timestamp granularity of the object's last change
    // is racy and vouches for nothing: wait that out, so the first download's hash counts.
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const first = join(repo.scratch, 'first')
    expect((await gmrRun('download', 'churn', '--to', first)).code).toBe(0)
    const record = readVerifiedRecord()
    expect(record[oid]?.ino).toBe(String(fs.statSync(objectPath(oid)).ino))
    // Vouched for: copied as it is.
    const second = join(repo.scratch, 'second')
    expect((await gmrRun('download', 'churn', '--to', second)).code).toBe(0)
    expect(fs.readFileSync(join(second, 'weights.bin')).equals(bytes(3 * MiB))).toBe(true)
    // Rewritten in place, same size: its ctime moved, so it is hashed again and refused.
    const damaged = damagedWeights(777)
    fs.writeFileSync(objectPath(oid), damaged)
    const third = join(repo.scratch, 'third')
    const refused = await gmrRun('download', 'churn', '--to', third)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`Git LFS object ${oid} is corrupt (its content hashes to ${sha256(damaged)})`)
    expect(fs.existsSync(third)).toBe(false)
  })

  it('download right after log copies the object gmr just wrote without hashing it (its record is made as it is renamed into place)', async () => {
    await gmrRun('log', 'churn', model)
    const oid = sha256(bytes(3 * MiB))
    const record = readVerifiedRecord()
    expect(record[oid]).toMatchObject({ ino: String(fs.statSync(objectPath(oid)).ino), written: true })
    const target = join(repo.scratch, 'serving')
    expect((await gmrRun('download', 'churn', '--to', target)).code).toBe(0)
    expect(fs.readFileSync(join(target, 'weights.bin')).equals(bytes(3 * MiB))).toBe(true)
    // --verify hashes whatever the record says: here a record forged to vouch for a damaged object.
    fs.writeFileSync(objectPath(oid), damagedWeights(4242))
    const st = fs.statSync(objectPath(oid))
    record[oid] = { ...record[oid]!, ino: String(st.ino), ...{ size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs } }
    fs.writeFileSync(verifiedRecordPath(), JSON.stringify(record))
    const checked = join(repo.scratch, 'checked')
    const refused = await gmrRun('download', 'churn', '--to', checked, '--verify')
    expect(refused.code).toBe(1)
    // This repository signs nothing; the other problem is the object's hash.
    expect(refused.stderr).toMatch(/^error: churn:latest does not verify: .* is not signed \(and 1 more problem\)\n$/)
    expect(fs.existsSync(checked)).toBe(false)
    const problems = JSON.parse((await gmrRun('verify', 'churn:v0', '--json')).stdout).problems as string[]
    expect(problems.filter((p) => p.includes(oid))).toHaveLength(1)
  })

  /** Rewrite the object in place with the same size, at once, and put its mtime back to the nanosecond. */
  function rewriteKeepingMtime(path: string, content: Buffer): void {
    const { mtimeNs } = fs.statSync(path, { bigint: true })
    fs.writeFileSync(path, content)
    const ns = String(mtimeNs % 1_000_000_000n).padStart(9, '0')
    execFileSync('touch', ['-m', '-d', `@${mtimeNs / 1_000_000_000n}.${ns}`, path])
  }

  /** Put another file of the same size and mtime in the object's place (a new inode). */
  function replaceKeepingMtime(path: string, content: Buffer): void {
    const other = `${path}.other`
    fs.writeFileSync(other, content)
    execFileSync('touch', ['-m', '-r', path, other])
    fs.renameSync(other, path)
  }

  it.skipIf(!hasTool('touch')).each([
    ['rewritten in place with the same size, in the same second', (path: string, content: Buffer) => fs.writeFileSync(path, content), { ino: true, mtime: false }],
    ['rewritten in place with its mtime put back to the nanosecond (touch -d)', rewriteKeepingMtime, { ino: true, mtime: true }],
    ['replaced by another file of the same size and mtime (a different inode)', replaceKeepingMtime, { ino: false, mtime: true }],
  ])('download right after log hashes and refuses an object %s', async (_, tamper, kept) => {
    await gmrRun('log', 'churn', model)
    const oid = sha256(bytes(3 * MiB))
    const before = fs.statSync(objectPath(oid))
    const damaged = damagedWeights(999)
    tamper(objectPath(oid), damaged)
    const after = fs.statSync(objectPath(oid))
    expect(after.size).toBe(before.size)
    expect(after.ino === before.ino).toBe(kept.ino)
    expect(after.mtimeMs === before.mtimeMs).toBe(kept.mtime)
    const target = join(repo.scratch, 'serving')
    const refused = await gmrRun('download', 'churn', '--to', target)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`Git LFS object ${oid} is corrupt (its content hashes to ${sha256(damaged)})`)
    expect(fs.existsSync(target)).toBe(false)
  })

  it('log refuses bad input with one line and leaves the repository exactly as it was', async () => {
    await gmrRun('log', 'churn', model)
    const before = repoFingerprint(repo.dir)
    for (const args of [
      ['log', 'churn', join(repo.scratch, 'missing')],
      ['log', 'bad name', model],
      ['log', 'churn', model, '--large-file-threshold', 'x'],
    ]) {
      const result = await gmrRun(...args)
      expect(result.code, args.join(' ')).toBeGreaterThan(0)
      expect(result.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1)
      expect(repoFingerprint(repo.dir)).toEqual(before)
    }
  })
})

describe('progress', () => {
  it('is drawn on stderr for files over 64 MiB only when stderr is a terminal, and cleared at the end', async () => {
    repo.write(join(model, 'huge.bin'), bytes(65 * MiB, 3))
    const piped = await gmrRun('log', 'churn', model)
    expect(piped.stderr).toBe('')
    fs.appendFileSync(join(model, 'config.json'), ' ')
    const logged = await onTerminal(['log', 'churn', model])
    expect(logged.stdout).toBe('churn:v1\n')
    expect(logged.stderr).toMatch(/^\r\x1b\[Khashing huge\.bin: 0% \(0 B of 65 MiB\)/)
    expect(logged.stderr).toMatch(/\r\x1b\[K$/)
    expect(logged.stderr).not.toContain('weights.bin')
    const downloaded = await onTerminal(['download', 'churn', '--to', join(repo.scratch, 'serving')])
    expect(downloaded.stderr).toMatch(/^\r\x1b\[Kwriting huge\.bin: 0% /)
    expect(downloaded.stderr).toMatch(/\r\x1b\[K$/)
    expect(fs.readFileSync(join(repo.scratch, 'serving/huge.bin')).equals(bytes(65 * MiB, 3))).toBe(true)
  })
})
