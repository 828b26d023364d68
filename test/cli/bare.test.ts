import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

// A bare repository (a server, a mirror) answers every read command as its checkout
// does, from the object store; write commands say in one line why not, and write nothing.

let repo: TempRepo
let bare: string
const inRepo = (...args: string[]) => gmr(repo.dir, repo.env, args)
const inBare = (...args: string[]) => gmr(bare, repo.env, args)

beforeAll(async () => {
  repo = makeRepo()
  const model = join(repo.scratch, 'model')
  repo.write(join(model, 'weights.bin'), 'weights\n')
  for (const args of [
    ['init'],
    ['log', 'churn', model, '--metadata', 'accuracy=0.9'],
    ['model', 'create', 'churn-model', '--tag', 'tabular'],
    ['link', 'churn:v0', 'churn-model', '--alias', 'staging'],
  ]) {
    const result = await inRepo(...args)
    expect(result.code, result.stderr).toBe(0)
  }
  bare = join(repo.scratch, 'server.git')
  execFileSync('git', ['clone', '-q', '--mirror', repo.dir, bare], { env: repo.env })
})
afterAll(() => repo.cleanup())

const refs = () => execFileSync('git', ['for-each-ref'], { cwd: bare, encoding: 'utf8' })

describe('a bare repository', () => {
  it.each([
    ['models'],
    ['artifacts'],
    ['versions', 'churn'],
    ['show', 'churn-model:staging', '--json'],
    ['show', 'churn:v0', '--json'],
    ['aliases', 'churn-model'],
    ['resolve', 'churn-model:staging'],
    ['models', '--json'],
  ])('answers gmr %s as its checkout does', async (...args) => {
    const [here, there] = [await inRepo(...args), await inBare(...args)]
    expect(there.stderr).toBe('')
    expect(there.code).toBe(0)
    expect(there.stdout).toBe(here.stdout)
  })

  it('downloads a version', async () => {
    const to = join(repo.scratch, 'out')
    const result = await inBare('download', 'churn-model:staging', '--to', to)
    expect(result.code, result.stderr).toBe(0)
    expect(fs.readFileSync(join(to, 'weights.bin'), 'utf8')).toBe('weights\n')
  })

  it('reads the manifests of the registry branch even when HEAD names another branch', async () => {
    execFileSync('git', ['branch', 'other', 'main~3'], { cwd: bare })
    execFileSync('git', ['symbolic-ref', 'HEAD', 'refs/heads/other'], { cwd: bare })
    try {
      // registry.yaml is on main only; with HEAD on `other` the registry is still main's.
      expect((await inBare('models')).stdout).toBe((await inRepo('models')).stdout)
    } finally {
      execFileSync('git', ['symbolic-ref', 'HEAD', 'refs/heads/main'], { cwd: bare })
      execFileSync('git', ['branch', '-D', 'other'], { cwd: bare })
    }
  })

  it.each([
    ['tag', 'add', 'churn-model', 'vision'],
    ['model', 'create', 'other'],
    ['link', 'churn:v0', 'churn-model'],
    ['alias', 'set', 'churn-model', 'production', 'v0'],
    ['log', 'churn', '.'],
  ])('refuses gmr %s in one line and writes nothing', async (...args) => {
    const before = refs()
    const result = await inBare(...args)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `error: "gmr ${args.join(' ')}" writes to the registry, and ${bare} is a bare repository (a server or mirror); run it in a clone ("git clone ${bare}") and push\n`,
    )
    expect(refs()).toBe(before)
    expect(fs.existsSync(join(bare, 'registry'))).toBe(false)
    execFileSync('git', ['fsck', '--strict', '--no-progress'], { cwd: bare })
  })
})
