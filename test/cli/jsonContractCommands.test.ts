import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { expectValid } from '../helpers/jsonSchemas.js'

// The --json contract of every command that writes (and of download, manifest, check,
// diff, verify, site): each output against its schema, the version object the same type
// wherever it appears, and every edit describing what it changed.

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex')
const big = Buffer.alloc(4096, 7)

describe('the --json contract of the commands that change things', () => {
  let repo: TempRepo
  let out: string
  const run = async (schema: string, ...args: string[]) => {
    const result = await gmr(repo.dir, repo.env, [...args, '--json'])
    expect(result.code, `gmr ${args.join(' ')}: ${result.stderr}`).toBe(0)
    const document = JSON.parse(result.stdout) as Record<string, any>
    expectValid(schema, document)
    return document
  }
  const resolved = async (ref: string) => (await run('resolve', 'resolve', ref)).version
  const head = () => repo.git('rev-parse', 'HEAD').trim()

  beforeAll(() => {
    repo = makeRepo()
    out = join(repo.scratch, 'out')
    fs.mkdirSync(join(out, 'sub'), { recursive: true })
    fs.writeFileSync(join(out, 'config.json'), '{"layers": 3}\n')
    fs.writeFileSync(join(out, 'sub', 'weights.bin'), big)
  })
  afterAll(() => repo.cleanup())

  it('init, log, create, link, alias, tag, unlink: one object each, saying what changed', async () => {
    const initial = head()
    const init = await run('init', 'init')
    expect(init).toMatchObject({ registryBranch: 'main', commit: head(), config: { registryBranch: 'main', protectedAliases: ['production'] } })

    const logged = await run('log', 'log', 'churn', out, '-m', 'first', '--metadata', 'auc=0.9', '--large-file-threshold', '1024')
    expect(logged).toMatchObject({ unchanged: false, fileCount: 3, lfsFileCount: 1, writtenLfsObjectCount: 1 })
    expect(logged.version).toEqual(await resolved('churn:v0'))
    const again = await run('log', 'log', 'churn', out, '--large-file-threshold', '1024')
    expect(again).toMatchObject({ unchanged: true, writtenObjectCount: 0 })
    expect(again.version.commit).toBe(logged.version.commit)

    const artifact = await run('artifact-create', 'artifact', 'create', 'tokenizer', '--description', 'BPE')
    expect(artifact).toMatchObject({ name: 'tokenizer', type: 'model', description: 'BPE', path: 'registry/artifacts/tokenizer.yaml' })
    expect(artifact.edit).toEqual({
      changed: true,
      commit: head(),
      paths: ['registry/artifacts/tokenizer.yaml'],
      onRegistryBranch: true,
      registryBranch: 'main',
      refChanges: [],
    })

    const model = await run('model-create', 'model', 'create', 'churn-model', '--tag', 'tabular')
    expect(model).toMatchObject({ name: 'churn-model', description: '', tags: ['tabular'], path: 'registry/models/churn-model.yaml' })
    expect(model.edit.commit).toBe(head())

    const link = await run('link', 'link', 'churn:v0', 'churn-model', '--alias', 'staging')
    expect(link).toMatchObject({ model: 'churn-model', existed: false, link: { version: 0, artifact: 'churn', artifactVersion: 0, commit: logged.version.commit } })
    expect(link.edit.refChanges).toEqual([{ ref: 'refs/aliases/churn-model/staging', action: 'create', from: null, to: logged.version.commit }])
    expect(repo.git('rev-parse', 'refs/aliases/churn-model/staging').trim()).toBe(logged.version.commit)
    expect((await run('link', 'link', 'churn:v0', 'churn-model')).existed).toBe(true)

    const set = await run('alias', 'alias', 'set', 'churn-model', 'best', 'v0')
    expect(set.move).toEqual({ name: 'churn-model', alias: 'best', from: null, to: 0 })
    expect(set.edit.refChanges).toEqual([{ ref: 'refs/aliases/churn-model/best', action: 'create', from: null, to: logged.version.commit }])
    const unchanged = await run('alias', 'alias', 'set', 'churn-model', 'best', 'v0')
    expect(unchanged.edit).toMatchObject({ changed: false, commit: null, refChanges: [] })
    const removed = await run('alias', 'alias', 'rm', 'churn-model', 'best')
    expect(removed.move).toEqual({ name: 'churn-model', alias: 'best', from: 0, to: null })
    expect(removed.edit.refChanges).toEqual([{ ref: 'refs/aliases/churn-model/best', action: 'delete', from: logged.version.commit, to: null }])

    expect(await run('tags', 'tag', 'add', 'churn-model', 'vision')).toMatchObject({ model: 'churn-model', tagCount: 2, tags: ['tabular', 'vision'] })
    expect(await run('tags', 'tag', 'rm', 'churn-model', 'vision')).toMatchObject({ tagCount: 1, tags: ['tabular'] })

    fs.writeFileSync(join(out, 'config.json'), '{"layers": 4}\n')
    const withAlias = await run('log', 'log', 'churn', out, '--alias', 'candidate')
    expect(withAlias.aliases).toEqual([
      {
        move: { name: 'churn', alias: 'candidate', from: null, to: 1 },
        edit: {
          changed: true,
          commit: head(),
          paths: ['registry/artifacts/churn.yaml'],
          onRegistryBranch: true,
          registryBranch: 'main',
          refChanges: [{ ref: 'refs/aliases/churn/candidate', action: 'create', from: null, to: withAlias.version.commit }],
        },
      },
    ])
    expect(logged.aliases).toEqual([])
    await run('link', 'link', 'churn:v1', 'churn-model')
    const unlinked = await run('link', 'unlink', 'churn-model:v1')
    expect(unlinked).toMatchObject({ model: 'churn-model', link: { version: 1, artifactVersion: 1 } })
    expect(unlinked).not.toHaveProperty('existed')
    expect(unlinked.edit.commit).toBe(head())

    const noCommit = await run('tags', 'tag', 'add', 'churn-model', 'draft', '--no-commit')
    expect(noCommit.edit).toMatchObject({ changed: true, commit: null, paths: ['registry/models/churn-model.yaml'] })
    repo.git('checkout', '--', 'registry')

    // What was set up above, as the read-only commands describe it.
    expect(await run('sync', 'sync', '--dry-run')).toMatchObject({ registryBranch: 'main', commit: head(), dryRun: true, refChangeCount: 0, refChanges: [] })
    expect(await run('check', 'check')).toMatchObject({ errorCount: 0, warningCount: 0, checked: { aliasRefsAgainst: 'main' } })
    const diff = await run('diff', 'diff', initial, 'HEAD')
    const change = diff.changes.find((c: { name: string }) => c.name === 'churn-model')
    expect(change).toMatchObject({ kind: 'model', status: 'added', tags: { added: ['tabular'], removed: [] } })
    expect(change.aliases).toMatchObject([{ alias: 'staging', change: 'set', from: null, to: { version: 0, commit: logged.version.commit } }])
  })

  it('sync says what it moved', async () => {
    // A ref moved behind gmr's back: sync moves it back and says so.
    const staging = repo.git('rev-parse', 'refs/aliases/churn-model/staging').trim()
    repo.git('update-ref', 'refs/aliases/churn-model/staging', repo.git('rev-parse', 'refs/heads/artifacts/churn').trim())
    const moved = repo.git('rev-parse', 'refs/aliases/churn-model/staging').trim()
    const synced = await run('sync', 'sync')
    expect(synced.refChanges).toEqual([{ ref: 'refs/aliases/churn-model/staging', action: 'move', from: moved, to: staging }])
    expect(synced.refChangeCount).toBe(1)
  })

  it('download, show, manifest, log, resolve and verify share one version object; files carry their SHA-256', async () => {
    const version = await resolved('churn-model:staging')
    const target = join(repo.scratch, 'deployed')
    const downloaded = await run('download', 'download', 'churn-model:staging', '--to', target)
    expect(downloaded.version).toEqual(version)
    expect(downloaded).toMatchObject({ dir: target, fileCount: 2, writtenCount: 2, unchangedCount: 0, remote: null })
    // Every file named with the SHA-256 of the bytes written (gmr's own .gitattributes is not deployed).
    expect(downloaded.files.map((f: { path: string }) => f.path)).toEqual(['config.json', 'sub/weights.bin'])
    for (const file of downloaded.files) expect(file.sha256, file.path).toBe(sha256(fs.readFileSync(join(target, file.path))))
    expect(downloaded.files[1]).toMatchObject({ lfs: true, size: big.length, sha256: sha256(big), lfsOid: sha256(big) })

    const manifest = await run('manifest', 'manifest', 'churn-model:staging')
    expect(manifest).toEqual({ version, fileCount: 2, files: downloaded.files })

    // show lists the version's tree (with .gitattributes); a Git LFS file's SHA-256 comes from
    // its pointer, so it is there with the object gone from the store.
    fs.rmSync(join(repo.dir, '.git', 'lfs', 'objects'), { recursive: true })
    const shown = await run('show', 'show', 'churn-model:staging')
    expect(shown.version).toEqual(version)
    expect(shown.files.map((f: { path: string }) => f.path)).toEqual(['.gitattributes', 'config.json', 'sub/weights.bin'])
    expect(shown.files[0].sha256).toBe(sha256(repo.git('show', `${version.commit}:.gitattributes`)))
    expect(shown.files.slice(1)).toEqual(downloaded.files)

    // verify prints its document, then (a version that is not signed does not verify) the error object.
    const verified = await gmr(repo.dir, repo.env, ['verify', 'churn-model:staging', '--json'])
    const verdict = JSON.parse(verified.stdout)
    expectValid('verify', verdict)
    expect(verdict.version).toEqual(version)
    expect(verdict.signature.status).toBe('unsigned')
    expect(verdict).toMatchObject({ verified: verified.code === 0, problemCount: verdict.problems.length })
    if (verified.code !== 0) expectValid('error', JSON.parse(verified.stderr))
  })

  it('site says what it wrote', async () => {
    const site = await run('site', 'site', '--out', join(repo.scratch, 'public'))
    expect(site.out).toBe(join(repo.scratch, 'public'))
    expect(site.fileCount).toBe(fs.readdirSync(site.out, { recursive: true }).filter((p) => fs.statSync(join(site.out, String(p))).isFile()).length)
    expect(site).toMatchObject({ modelPageCount: 1, source: { branch: 'main', registryBranch: 'main' } })
  })
})

describe('every command has the --json contract', () => {
  // serve runs until stopped; completion prints a shell script; github-action speaks the runner's protocol.
  const WITHOUT_JSON = ['serve', 'completion', 'github-action']

  it('every command and subcommand takes --json (check and diff also --format json)', async () => {
    const { buildProgram } = await import('../../src/cli/program.js')
    const program = buildProgram({ stdout: () => {}, stderr: () => {}, cwd: '/', env: {}, fs: {} as never, stderrIsTTY: false })
    const leaves = program.commands.flatMap((c) => (c.commands.length === 0 ? [c] : c.commands))
    const missing = leaves
      .filter((c) => !WITHOUT_JSON.includes(c.name()))
      .filter((c) => !c.options.some((o) => o.long === '--json'))
      .map((c) => (c.parent === program ? c.name() : `${c.parent!.name()} ${c.name()}`))
    expect(missing).toEqual([])
  })
})
