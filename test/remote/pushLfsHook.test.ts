import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeRepo, remoteUserEnv, type TempRepo } from '../helpers/gitRepo.js'
import { startGitServer, type GitServer } from '../helpers/gitServer.js'
import { MiB, sha256 } from '../helpers/lfs.js'
import { mustSucceed } from '../helpers/runners.js'
import { hasTool } from '../helpers/tools.js'

/**
 * `gmr push` in a repository where git-lfs installed its pre-push hook (`git lfs install`,
 * or a `git clone` on a machine with git-lfs): gmr uploads the large files of the versions
 * it pushes, and the hook must not ask the LFS server about them all over again; a ref
 * gmr does not upload for (the current branch) still gets the hook's upload.
 *
 * The server runs in this process: git is only ever called asynchronously here.
 */
let server: GitServer
let repo: TempRepo
let env: Record<string, string>

const { git, ok } = mustSucceed(() => env)
const stored = (data: Buffer) => fs.existsSync(server.lfsObjectPath('models', sha256(data)))

/** A version of artifact `a` holding one large file. */
async function logVersion(data: Buffer): Promise<void> {
  const out = join(repo.scratch, `out-${sha256(data).slice(0, 8)}`)
  fs.mkdirSync(out)
  fs.writeFileSync(join(out, 'model.bin'), data)
  await ok(repo.dir, 'log', 'a', out)
}

beforeAll(async () => {
  server = await startGitServer()
  server.createRepo('models')
  repo = makeRepo()
  env = remoteUserEnv(repo)
  await ok(repo.dir, 'init')
  await git(repo.dir, 'remote', 'add', 'origin', server.url('models'))
})
afterAll(async () => {
  await server.stop()
  repo.cleanup()
})

describe.skipIf(!hasTool('git-lfs'))("with git-lfs's pre-push hook installed", () => {
  it('a push of new versions asks the LFS server once; a push that moves the current branch leaves the hook its upload', async () => {
    await git(repo.dir, 'lfs', 'install', '--local')
    // git-lfs's hook as installed, with a line in front that notes whether git-lfs is told to skip.
    const hook = join(repo.dir, '.git', 'hooks', 'pre-push')
    const told = join(repo.scratch, 'hook-runs')
    const installed = fs.readFileSync(hook, 'utf8')
    expect(installed).toContain('git lfs pre-push')
    fs.writeFileSync(hook, installed.replace('\n', `\necho "skip=\${GIT_LFS_SKIP_PUSH:-}" >> '${told}'\n`))
    const hookRuns = () => fs.readFileSync(told, 'utf8').split('\n').filter(Boolean)

    // The first push moves main too: the hook runs as before.
    const first = randomBytes(2 * MiB)
    await logVersion(first)
    await ok(repo.dir, 'push')
    expect(stored(first)).toBe(true)
    expect(hookRuns()).toEqual(['skip='])

    // Only artifacts/a moves: gmr's batch request and upload, and git-lfs is told to skip (it
    // would scan the versions again, list the remote and ask the lock API: 100 ms or more a push).
    const second = randomBytes(2 * MiB)
    await logVersion(second)
    server.resetStats()
    await ok(repo.dir, 'push')
    expect(stored(second)).toBe(true)
    const seen = server.stats()
    expect(seen['lfs-batch'].requests).toBe(1)
    expect(seen['lfs-object'].requests).toBe(1)
    expect(seen['lfs-other'].requests).toBe(0)
    expect(seen['upload-pack'].requests).toBe(0)
    expect(hookRuns()).toEqual(['skip=', 'skip=1'])
    expect(await git(repo.dir, 'rev-parse', 'artifacts/a')).toBe(await git(server.repoPath('models'), 'rev-parse', 'artifacts/a'))

    // A large file committed on main by git-lfs: gmr uploads none of main's files, the hook does.
    const tracked = randomBytes(MiB)
    await git(repo.dir, 'lfs', 'track', 'data/*.bin')
    fs.mkdirSync(join(repo.dir, 'data'))
    fs.writeFileSync(join(repo.dir, 'data', 'table.bin'), tracked)
    await git(repo.dir, 'add', '.gitattributes', 'data/table.bin')
    await git(repo.dir, 'commit', '-q', '-m', 'a table')
    await ok(repo.dir, 'push')
    expect(stored(tracked)).toBe(true)
    expect(hookRuns()).toEqual(['skip=', 'skip=1', 'skip='])
    expect(await git(repo.dir, 'lfs', 'fsck')).toMatch(/Git LFS fsck OK/)
  })
})
