import { join } from 'node:path'
import { expect } from 'vitest'
import { gmr } from './cli.js'
import { makeRepo, type TempRepo } from './gitRepo.js'

/** gmr in-process in `repo`, which must succeed; returns stdout. */
export async function gmrOk(repo: TempRepo, ...args: string[]): Promise<string> {
  const result = await gmr(repo.dir, repo.env, args)
  expect(result.code, `gmr ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

/** A registry with artifact `pre` (v0) and model `m` linking it as m:v0 (`registry/models/m.yaml`). */
export async function linkedModelRepo(): Promise<TempRepo> {
  const repo = makeRepo()
  await gmrOk(repo, 'init')
  repo.write(join(repo.scratch, 'out/model.bin'), 'weights')
  await gmrOk(repo, 'log', 'pre', join(repo.scratch, 'out'))
  await gmrOk(repo, 'model', 'create', 'm')
  await gmrOk(repo, 'link', 'pre:v0', 'm')
  return repo
}
