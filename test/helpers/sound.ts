import { expect } from 'vitest'
import { gmr } from './cli.js'
import { fsck, type TempRepo } from './gitRepo.js'

/** Run gmr in `repo` and expect exit 0, saying which command failed and why. */
export async function gmrOk(repo: TempRepo, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const result = await gmr(repo.dir, repo.env, args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result
}

/** What a user checks after a registry edit: git finds nothing wrong, nothing is left uncommitted, gmr check is clean. */
export async function expectSound(repo: TempRepo): Promise<void> {
  expect(fsck(repo)).toBe('')
  expect(repo.git('status', '--porcelain')).toBe('')
  const check = await gmr(repo.dir, repo.env, ['check'])
  expect(check.code, check.stdout + check.stderr).toBe(0)
}
