import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { downloadCommand } from '../../src/cli/downloadCommand.js'
import { gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { bytes, MiB, sha256 } from '../helpers/lfs.js'

// `gmr download <ref> [--to <dir>] [--json]` from this clone runs from a bundle file of
// its own (src/cli/downloadRun.ts), so that the copy starts right after node does: what it
// writes, prints and how it fails must be the program's. `-C <dir>` sends the same command
// line through the program.

describe('which command lines take the download fast path', () => {
  it.each([
    [['download', 'churn'], { ref: 'churn', json: false }],
    [['download', 'churn:v3', '--to', 'out'], { ref: 'churn:v3', to: 'out', json: false }],
    [['download', 'churn:latest', '--json', '--to', 'out'], { ref: 'churn:latest', to: 'out', json: true }],
    [['download', 'm:production', '--json'], { ref: 'm:production', json: true }],
  ])('%j runs without the program', (argv, expected) => {
    expect(downloadCommand(argv)).toEqual(expected)
  })

  it.each([
    [['download']],
    [['download', 'https://h/r.git#churn:v1']],
    [['download', 'churn', '--to']],
    [['download', 'churn', '--to', '--json']],
    [['download', 'churn', '--to', 'a', '--to', 'b']],
    [['download', 'churn', '--json', '--json']],
    [['download', 'churn', '--force']],
    [['download', 'churn', '--verify']],
    [['download', 'churn', '--include', '*.bin']],
    [['download', 'churn', '--to=out']],
    [['download', 'churn', '--']],
    [['download', '-h']],
    [['download', '--to', 'out', 'churn']],
    [['-C', 'x', 'download', 'churn']],
    [['download', '']],
    [['resolve', 'churn']],
  ])('%j goes through the program (which owns usage messages)', (argv) => {
    expect(downloadCommand(argv)).toBeNull()
  })
})

describe('gmr download through the built binary', () => {
  let repo: TempRepo
  const weights = bytes(2 * MiB, 7)
  const fast = (...args: string[]) => gmrProcess(repo.dir, repo.env, args)
  const program = (...args: string[]) => gmrProcess(repo.scratch, repo.env, ['-C', repo.dir, ...args])
  const registryFile = () => join(repo.dir, 'registry', 'registry.yaml')

  beforeAll(async () => {
    repo = makeRepo()
    const input = join(repo.scratch, 'in')
    repo.write(join(input, 'weights.bin'), weights)
    repo.write(join(input, 'config.json'), '{"layers": 3}\n')
    for (const args of [['init'], ['log', 'churn', input]]) {
      const result = await fast(...args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    }
  })
  afterAll(() => repo.cleanup())

  it('writes what the program writes and prints the same line', async () => {
    const [a, b] = [join(repo.scratch, 'fast'), join(repo.scratch, 'program')]
    const viaFast = await fast('download', 'churn:v0', '--to', a)
    const viaProgram = await program('download', 'churn:v0', '--to', b)
    expect(viaFast).toMatchObject({ code: 0, stderr: '', stdout: `churn:v0 -> ${a} (2 files: 2 written, 0 unchanged)\n` })
    expect(viaProgram).toMatchObject({ code: 0, stderr: '', stdout: `churn:v0 -> ${b} (2 files: 2 written, 0 unchanged)\n` })
    for (const dir of [a, b]) {
      expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'weights.bin'])
      expect(sha256(fs.readFileSync(join(dir, 'weights.bin')))).toBe(sha256(weights))
    }
    // Again into the same folder: nothing to write.
    expect(await fast('download', 'churn:v0', '--to', a)).toMatchObject({ code: 0, stdout: `churn:v0 -> ${a} (2 files: already up to date)\n` })
  })

  it('prints the JSON the program prints', async () => {
    const [a, b] = [join(repo.scratch, 'fast-json'), join(repo.scratch, 'program-json')]
    const viaFast = await fast('download', 'churn', '--json', '--to', a)
    const viaProgram = await program('download', 'churn', '--json', '--to', b)
    expect(viaFast.code, viaFast.stderr).toBe(0)
    expect(JSON.parse(viaFast.stdout.replaceAll(a, 'DIR'))).toEqual(JSON.parse(viaProgram.stdout.replaceAll(b, 'DIR')))
  })

  it('fails as the program fails: one line, or one JSON object, exit 1', async () => {
    const missing = await fast('download', 'churn:v7', '--to', join(repo.scratch, 'none'))
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: 'error: no version v7 of churn: churn has v0 to v0\n' })
    expect(await program('download', 'churn:v7', '--to', join(repo.scratch, 'none'))).toEqual(missing)
    const json = await fast('download', 'churn:v7', '--json')
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'UnknownVersionError' } })
    expect(fs.existsSync(join(repo.scratch, 'none'))).toBe(false)
  })

  it('reads a registry.yaml the quick reader is unsure of with the YAML library, and explains a wrong one with its line', async () => {
    const original = fs.readFileSync(registryFile(), 'utf8')
    try {
      // A flow map is outside the quick reader's plain subset: the full parser reads it.
      fs.writeFileSync(registryFile(), `${original}retention: { keepLast: 3 }\n`)
      const to = join(repo.scratch, 'flow')
      expect(await fast('download', 'churn', '--to', to)).toMatchObject({ code: 0, stderr: '' })
      expect(fs.existsSync(join(to, 'weights.bin'))).toBe(true)
      // requireSignatures as the quick reader reads it: the unsigned version is refused.
      fs.writeFileSync(registryFile(), `${original}requireSignatures: true\n`)
      const refused = await fast('download', 'churn', '--to', join(repo.scratch, 'unsigned'))
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/^error: .*sign/)
      expect(await program('download', 'churn', '--to', join(repo.scratch, 'unsigned'))).toEqual(refused)
      // A setting the schema does not know: the full parser names it and its line.
      fs.writeFileSync(registryFile(), `${original}requireSignature: true\n`)
      const wrong = await fast('download', 'churn', '--to', join(repo.scratch, 'wrong'))
      expect(wrong.code).toBe(1)
      expect(wrong.stderr).toMatch(/requireSignature/)
      expect(wrong.stderr).toMatch(/^error: registry\/registry.yaml:\d+:\d+: /)
      expect(await program('download', 'churn', '--to', join(repo.scratch, 'wrong'))).toEqual(wrong)
      expect(fs.existsSync(join(repo.scratch, 'unsigned'))).toBe(false)
      expect(fs.existsSync(join(repo.scratch, 'wrong'))).toBe(false)
    } finally {
      fs.writeFileSync(registryFile(), original)
    }
  })
})
