import { mkdirSync, writeFileSync } from 'node:fs'
import { expect } from 'vitest'
import { gmr } from './cli.js'
import { gitAsync, type TempRepo } from './gitRepo.js'

/**
 * `git` and `gmr` that must succeed, for tests whose server runs in this process (so
 * git runs asynchronously). `env` is read at call time: tests set it in beforeAll.
 */
export function mustSucceed(env: () => Record<string, string>) {
  return {
    async git(cwd: string, ...args: string[]): Promise<string> {
      const result = await gitAsync(cwd, env(), args)
      if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`)
      return result.stdout
    },
    async ok(cwd: string, ...args: string[]): Promise<string> {
      const result = await gmr(cwd, env(), args)
      expect(result.code, `gmr ${args.join(' ')}: ${result.stderr}`).toBe(0)
      return result.stdout
    },
  }
}

/**
 * `gmr` in one test repository, read at call time (tests make it in beforeEach): `run`
 * returns the result, `ok` expects exit 0 and returns stdout.
 */
export function gmrIn(repo: () => TempRepo) {
  const run = (...args: string[]) => gmr(repo().dir, repo().env, args)
  return {
    run,
    async ok(...args: string[]): Promise<string> {
      const result = await run(...args)
      expect(result.code, `gmr ${args.join(' ')}: ${result.stderr}`).toBe(0)
      return result.stdout
    },
  }
}

/** `gmr` in `dir` with `env`, expected to exit 0: its stdout. */
export async function gmrOkWith(dir: string, env: Record<string, string>, ...args: string[]): Promise<string> {
  const result = await gmr(dir, env, args)
  expect(result.code, `gmr ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

/** A folder `<scratch>/<name>` holding one model.bin with `content`: what a training run leaves. */
export function writeWeights(scratch: string, name: string, content: string): string {
  const dir = `${scratch}/${name}`
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}/model.bin`, content)
  return dir
}
