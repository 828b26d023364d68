import * as fs from 'node:fs'
import { join } from 'node:path'
import { makeRepo, type TempRepo, remoteUserEnv } from './gitRepo.js'
import { startGitServer, type GitServer } from './gitServer.js'
import { mustSucceed } from './runners.js'
import { hasTool } from './tools.js'

export interface ServedRegistry {
  server: GitServer
  repo: TempRepo
  /** The repository's environment, with its own global git config and download cache. */
  env: Record<string, string>
  /** The server's `models` repository, credentials in the URL. */
  url: string
}

/**
 * A git host with basic auth and LFS, and a registry whose origin is its `models`
 * repository (not pushed yet): `churn:v0` holds `weights` as model.bin (LFS) and a small
 * config.json, linked to `churn-model` with `alias`.
 */
export async function servedRegistry(weights: Buffer, alias: string): Promise<ServedRegistry> {
  const server = await startGitServer({ auth: { username: 'ada', password: 's3cret' }, lfs: { enabled: true, verify: true } })
  server.createRepo('models')
  const url = server.url('models', server.credentials)
  const repo = makeRepo()
  const env = remoteUserEnv(repo)
  const { git, ok } = mustSucceed(() => env)
  if (hasTool('git-lfs')) await git(repo.dir, 'lfs', 'install')
  const out = join(repo.scratch, 'out')
  fs.mkdirSync(out)
  fs.writeFileSync(join(out, 'model.bin'), weights)
  fs.writeFileSync(join(out, 'config.json'), '{"layers": 3}\n')
  await ok(repo.dir, 'init')
  await ok(repo.dir, 'log', 'churn', out)
  await ok(repo.dir, 'model', 'create', 'churn-model')
  await ok(repo.dir, 'link', 'churn:v0', 'churn-model', '--alias', alias, '--force')
  await git(repo.dir, 'remote', 'add', 'origin', url)
  return { server, repo, env, url }
}
