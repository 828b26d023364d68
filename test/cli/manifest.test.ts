import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { hasTool } from '../helpers/tools.js'

// `gmr manifest <ref>` is a list `sha256sum -c` checks a deployed folder with, no gmr needed.

describe.skipIf(!hasTool('sha256sum'))('gmr manifest and sha256sum -c', () => {
  let repo: TempRepo
  const ok = async (...args: string[]) => {
    const result = await gmr(repo.dir, repo.env, args)
    expect(result.code, `gmr ${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout
  }
  const sha256sumCheck = (dir: string, list: string) => {
    fs.writeFileSync(join(repo.scratch, 'SHA256SUMS'), list)
    return spawnSync('sha256sum', ['-c', join(repo.scratch, 'SHA256SUMS')], { cwd: dir, encoding: 'utf8' })
  }

  beforeAll(async () => {
    repo = makeRepo()
    const out = join(repo.scratch, 'out')
    fs.mkdirSync(join(out, 'tokenizer', 'deep'), { recursive: true })
    fs.writeFileSync(join(out, 'weights.bin'), Buffer.alloc(3000, 1))
    fs.writeFileSync(join(out, 'config.json'), '{"layers": 3}\n')
    fs.writeFileSync(join(out, 'tokenizer', 'vocab with space.txt'), 'a\nb\n')
    fs.writeFileSync(join(out, 'tokenizer', 'deep', 'merges.txt'), 'x y\n')
    fs.writeFileSync(join(out, 'serve.sh'), '#!/bin/sh\necho serving\n', { mode: 0o755 })
    fs.writeFileSync(join(out, '.gitattributes'), '*.txt text\n')
    fs.symlinkSync('config.json', join(out, 'current.json'))
    await ok('init')
    await ok('log', 'churn', out, '--large-file-threshold', '1024')
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model', '--alias', 'staging')
  })
  afterAll(() => repo.cleanup())

  it('lists every file download writes, relative and sorted, and sha256sum -c says OK for each; a changed byte FAILS', async () => {
    const target = join(repo.scratch, 'serving')
    await ok('download', 'churn-model:staging', '--to', target)
    // No large file is needed to make the list: the hashes of Git LFS files come from their pointers.
    fs.rmSync(join(repo.dir, '.git', 'lfs', 'objects'), { recursive: true })
    const list = await ok('manifest', 'churn-model:staging')
    const paths = list.trimEnd().split('\n').map((line) => line.slice(66))
    expect(paths).toEqual(['.gitattributes', 'config.json', 'serve.sh', 'tokenizer/deep/merges.txt', 'tokenizer/vocab with space.txt', 'weights.bin'])
    expect(list).toMatch(/^([0-9a-f]{64}  [^\n]+\n)+$/)

    const checked = sha256sumCheck(target, list)
    expect(checked.stderr).toBe('')
    expect(checked.status).toBe(0)
    expect(checked.stdout.trimEnd().split('\n')).toEqual(paths.map((p) => `${p}: OK`))

    const weights = join(target, 'weights.bin')
    const bytes = fs.readFileSync(weights)
    bytes[1234] ^= 0xff
    fs.writeFileSync(weights, bytes)
    const tampered = sha256sumCheck(target, list)
    expect(tampered.status).toBe(1)
    expect(tampered.stdout).toContain('weights.bin: FAILED\n')
    expect(tampered.stdout.match(/: OK$/gm)).toHaveLength(paths.length - 1)
    expect(tampered.stderr).toMatch(/WARNING: 1 computed checksum did NOT match/)
  })

  it('an unknown reference is one line and no list', async () => {
    const result = await gmr(repo.dir, repo.env, ['manifest', 'churn:v7'])
    expect(result).toMatchObject({ code: 1, stdout: '' })
    expect(result.stderr).toMatch(/^error: [^\n]+\n$/)
  })
})
