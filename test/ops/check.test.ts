import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { check, type CheckResult } from '../../src/ops/check.js'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { repoFingerprint } from '../helpers/state.js'

let repo: TempRepo
const MODEL = 'registry/models/churn-model.yaml'

async function ok(...args: string[]): Promise<string> {
  const result = await gmr(repo.dir, repo.env, args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

/** `git <args>` with `input` on stdin. */
function gitInput(input: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: repo.dir, env: repo.env, input, encoding: 'utf8' }).trim()
}

/** An artifact `churn` with versions v0..v(n-1), each with a metric. */
async function logVersions(n: number, artifact = 'churn', seed = ''): Promise<string[]> {
  const commits: string[] = []
  for (let i = 0; i < n; i++) {
    repo.write(join(repo.scratch, artifact, 'model.bin'), `${artifact} weights ${seed}${i}`)
    await ok('log', artifact, join(repo.scratch, artifact), '--metadata', `accuracy=0.9${i}`)
    commits.push(repo.git('rev-parse', `artifacts/${artifact}`).trim())
  }
  return commits
}

function findings(result: CheckResult): string[] {
  return result.findings.map((f) => `${[f.file, f.line, f.col].filter((p) => p !== undefined).join(':')} ${f.severity} ${f.rule}: ${f.message}`)
}

const checkHere = (options: { base?: string; rev?: string } = {}) => check({ fs, dir: repo.dir, env: repo.env, ...options })

beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
})
afterEach(() => repo.cleanup())

describe('check on a real repository', () => {
  it('a registry made with gmr is clean, and checking writes nothing but caches', async () => {
    await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model')
    await ok('link', 'churn:v1', 'churn-model', '--alias', 'staging')
    await ok('alias', 'set', 'churn', 'best', 'v1')
    const before = repoFingerprint(repo.dir)
    const result = await checkHere()
    expect(result).toMatchObject({ errors: 0, warnings: 0, findings: [] })
    expect(result.checked).toEqual({ manifests: 2, links: 2, artifactBranches: 1, versions: 2, lfsObjects: 0, aliasRefs: 'main' })
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })

  it('hand-damaged manifests of every kind are findings at their lines, all of them, never a crash', async () => {
    await logVersions(1)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model')
    const header = '# yaml-language-server: $schema=https://gmr.dev/schemas/model.schema.json\n'
    repo.write('registry/models/syntax.yaml', `${header}name: syntax\ntags: [a\n`)
    repo.write('registry/models/schema.yaml', `${header}name: schema\ntags: [Bad]\naliases:\n  Prod: 0\nowner: ada\n`)
    repo.write('registry/models/renamed.yaml', `${header}name: other\n`)
    repo.write('registry/models/empty.yaml', '')
    repo.write('registry/models/binary.yaml', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x3a, 0x5b]))
    repo.write('registry/artifacts/churn.yaml', 'name: churn\naliases:\n  best: 4\n')
    repo.write('registry/models/notes.yml', 'name: notes\n')
    fs.mkdirSync(join(repo.dir, 'registry/models/nested'))
    repo.write('registry/models/.gitkeep', '')
    repo.write('registry/registry.yaml', 'formatVersion: 1\nregistryBranch: main\nprotectedAliases: [Production]\n')

    const result = await checkHere()
    expect(findings(result)).toEqual([
      'registry/artifacts/churn.yaml:3:9 error alias-target: alias best names v4, but churn has only v0 to v0',
      'registry/models/binary.yaml:1:1 error manifest-invalid: manifest must be a map, not the string "��\\u0000\\u0001:["',
      'registry/models/empty.yaml:1:1 error manifest-invalid: manifest must be a map, not empty',
      'registry/models/nested warning manifest-stray: registry/models/nested/ is a folder, so gmr does not read it; manifests are regular files named <name>.yaml',
      'registry/models/notes.yml warning manifest-stray: registry/models/notes.yml does not end in .yaml, so gmr does not read it; manifests are regular files named <name>.yaml',
      'registry/models/renamed.yaml:2:7 error manifest-name: name "other" does not match the file name; rename the file or set name: renamed',
      'registry/models/schema.yaml:3:8 error manifest-invalid: tag "Bad" must match ^[a-z0-9][a-z0-9._:-]{0,63}$',
      'registry/models/schema.yaml:5:3 error manifest-invalid: alias "Prod" must match ^[a-z][a-z0-9._-]{0,62}$',
      'registry/models/schema.yaml:6:1 error manifest-invalid: unknown field "owner" (allowed: name, description, tags, versions, aliases, nextVersion)',
      expect.stringMatching(/^registry\/models\/syntax\.yaml:4:1 error manifest-invalid: invalid YAML: /),
      'registry/registry.yaml:3:20 error registry-config: protected alias "Production" must match ^[a-z][a-z0-9._-]{0,62}$',
    ])
    expect(result.errors).toBe(9)
    expect(result.warnings).toBe(2)
  })

  it('links to missing commits, to the wrong number and to no branch are errors on the link line', async () => {
    const commits = await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model')
    await ok('link', 'churn:v1', 'churn-model')
    const text = repo.read(MODEL)
    const gone = 'f'.repeat(40)
    const tree = repo.git('rev-parse', `${commits[0]}^{tree}`).trim()
    const loose = gitInput('', 'commit-tree', tree, '-m', 'not a version')
    repo.write(
      MODEL,
      text
        .replace('artifactVersion: 1', 'artifactVersion: 0')
        .replace(`commit: ${commits[0]}`, `commit: ${gone}`)
        .replace('aliases: {}', `  - version: 2\n    artifact: ranker\n    artifactVersion: 0\n    commit: ${loose}\n    linkedAt: 2026-11-01T10:00:00Z\n  - version: 3\n    artifact: churn\n    artifactVersion: 1\n    commit: ${loose}\n    linkedAt: 2026-11-01T10:00:00Z\naliases: {}`),
    )
    expect(findings(await checkHere())).toEqual([
      `${MODEL}:9:13 error link-commit: link v0 of churn-model says churn:v0 is ${gone.slice(0, 10)}, but no such commit exists in this repository; fetch the artifact branches (git fetch origin "+refs/heads/artifacts/*:refs/heads/artifacts/*") or fix the link`,
      `${MODEL}:13:22 error link-version: link v1 of churn-model says churn:v0 is ${commits[1]!.slice(0, 10)}, but that commit is churn:v1; set artifactVersion: 1 (or fix the commit)`,
      `${MODEL}:17:15 error link-artifact: artifact branch artifacts/ranker does not exist here; fetch it (git fetch origin "+refs/heads/artifacts/*:refs/heads/artifacts/*") or fix the link`,
      `${MODEL}:24:13 error link-commit: link v3 of churn-model says churn:v1 is ${loose.slice(0, 10)}, but that commit is not on artifacts/churn (it has v0 to v1); fetch the branch or fix the link`,
      `${MODEL}:24:13 warning link-duplicate: links v2 and v3 both point at commit ${loose.slice(0, 10)}; one link per version is enough`,
    ])
  })

  it('a version whose message number disagrees with its first-parent depth is corruption', async () => {
    const blob = gitInput('weights', 'hash-object', '-w', '--stdin')
    const tree = gitInput(`100644 blob ${blob}\tmodel.bin\n`, 'mktree')
    const v0 = gitInput('', 'commit-tree', tree, '-m', 'ranker v0\n\nartifact: ranker\nversion: 0\nmetadata: {}')
    const v1 = gitInput('', 'commit-tree', tree, '-p', v0, '-m', 'ranker v2\n\nartifact: ranker\nversion: 2\nmetadata: {}')
    repo.git('update-ref', 'refs/heads/artifacts/ranker', v1)
    expect(findings(await checkHere())).toEqual([
      ` error version-number: ranker:v1 (commit ${v1.slice(0, 10)}, first-parent depth 1 on artifacts/ranker): its message says v2; the branch was rewritten or built by hand, so links and aliases may now name other files than when they were made`,
    ])
  })

  it('every LFS pointer of a linked version needs its object in the local store', async () => {
    const content = Buffer.from('large weights')
    const sha = createHash('sha256').update(content).digest('hex')
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\nsize ${content.length}\n`
    const blobs = {
      pointer: gitInput(pointer, 'hash-object', '-w', '--stdin'),
      attributes: gitInput('weights.bin filter=lfs diff=lfs merge=lfs -text\n', 'hash-object', '-w', '--stdin'),
    }
    const tree = gitInput(`100644 blob ${blobs.attributes}\t.gitattributes\n100644 blob ${blobs.pointer}\tweights.bin\n`, 'mktree')
    const v0 = gitInput('', 'commit-tree', tree, '-m', 'big v0\n\nartifact: big\nversion: 0\nmetadata: {}')
    repo.git('update-ref', 'refs/heads/artifacts/big', v0)
    await ok('model', 'create', 'big-model')
    await ok('link', 'big:v0', 'big-model')

    const missing = await checkHere()
    expect(findings(missing)).toEqual([
      `registry/models/big-model.yaml:6:5 error lfs-missing: big:v0 (linked as big-model:v0): weights.bin is a Git LFS object (sha256 ${sha.slice(0, 12)}…, 13 bytes) that is not in .git/lfs/objects; fetch it (git lfs fetch origin artifacts/big) or log the version again from its files`,
    ])
    expect(missing.checked.lfsObjects).toBe(1)
    repo.write(`.git/lfs/objects/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`, content)
    expect(findings(await checkHere())).toEqual([])
    // The presence test is an interface: a remote store can stand in for the local one.
    const asked: string[] = []
    const result = await check({ fs, dir: repo.dir, env: repo.env, lfs: async (p) => (asked.push(p.oid), false) })
    expect(asked).toEqual([sha])
    expect(result.errors).toBe(1)
    expect(await check({ fs, dir: repo.dir, env: repo.env, lfs: false })).toMatchObject({ errors: 0, checked: { lfsObjects: 0 } })
    // Against a base, only the versions the change newly names are looked up.
    const againstBase: string[] = []
    expect(await check({ fs, dir: repo.dir, env: repo.env, base: 'HEAD', lfs: async (p) => (againstBase.push(p.oid), false) })).toMatchObject({ errors: 0 })
    expect(againstBase).toEqual([])
  })

  it('on the registry branch, alias refs must agree with the committed manifests; off it they are proposals', async () => {
    const commits = await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model', '--alias', 'staging')
    await ok('link', 'churn:v1', 'churn-model')
    // A hand edit committed with plain git moves no ref; a stray ref appears.
    repo.write(MODEL, repo.read(MODEL).replace('staging: 0', 'staging: 1'))
    repo.git('commit', '-qam', 'move staging by hand')
    repo.git('update-ref', 'refs/aliases/churn-model/old', commits[0]!)
    expect(findings(await checkHere())).toEqual([
      `${MODEL}:16:1 error alias-ref: refs/aliases/churn-model/old points at ${commits[0]!.slice(0, 10)}, but no manifest on the main branch declares that alias; run "gmr sync" to delete it`,
      `${MODEL}:17:3 error alias-ref: alias staging of churn-model is v1 (${commits[1]!.slice(0, 10)}) on the main branch, but refs/aliases/churn-model/staging points at ${commits[0]!.slice(0, 10)}; run "gmr sync" to move it`,
    ])
    repo.git('switch', '-qc', 'proposal')
    expect((await checkHere()).checked.aliasRefs).toBeNull()
    repo.git('switch', '-q', 'main')
    await ok('sync')
    expect(await checkHere()).toMatchObject({ errors: 0, checked: { aliasRefs: 'main' } })
  })

  it('--rev checks a committed state, and revisions are read as git reads them', async () => {
    await logVersions(1)
    await ok('model', 'create', 'churn-model')
    repo.git('tag', '-a', 'v1', '-m', 'release')
    repo.write(MODEL, 'name: [\n')
    repo.git('commit', '-qam', 'break it')
    expect((await checkHere({ rev: 'HEAD' })).errors).toBe(1)
    for (const rev of ['HEAD~1', 'HEAD^', 'v1', 'refs/tags/v1', repo.git('rev-parse', '--short', 'HEAD~1').trim(), 'main~1^{commit}']) {
      expect(await checkHere({ rev }), rev).toMatchObject({ errors: 0, head: { label: rev, commit: repo.git('rev-parse', 'HEAD~1').trim() } })
    }
    for (const [rev, message] of [
      ['nope', 'unknown revision "nope": no branch, tag, remote-tracking branch or commit is called "nope" here; check the spelling or fetch it (git fetch origin)'],
      ['HEAD~99', expect.stringMatching(/^revision "HEAD~99" goes past the first commit of its history/)],
      ['HEAD@{1}', 'revision "HEAD@{1}" is not one gmr reads: use a branch, tag, remote-tracking branch or commit id, optionally followed by ~N or ^N (e.g. origin/main, HEAD~1)'],
      ['HEAD:registry', expect.stringMatching(/^revision "HEAD:registry" is not one gmr reads/)],
    ] as const) {
      await expect(checkHere({ rev })).rejects.toMatchObject({ code: 'InvalidInputError', message })
    }
  })
})

describe('check --base against a clone\'s remote', () => {
  let upstream: TempRepo
  beforeEach(async () => {
    upstream = repo
    await logVersions(2)
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model')
    await ok('alias', 'set', 'churn-model', 'production', 'v0', '--force')
    await ok('sync')
    // A clone, with the artifact branches fetched as git does by default (remote-tracking).
    repo = makeRepo({ empty: true })
    repo.git('remote', 'add', 'origin', upstream.dir)
    repo.git('fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/aliases/*:refs/aliases/*')
    repo.git('checkout', '-q', '-b', 'main', 'origin/main')
    repo.git('branch', '-q', 'artifacts/churn', 'origin/artifacts/churn')
  })
  afterEach(() => upstream.cleanup())

  it('a proposal that moves a protected alias and links a new version is clean but warned', async () => {
    repo.git('switch', '-qc', 'proposal')
    await logVersions(1, 'churn', 'new ') // churn v2, local only
    await ok('link', 'churn:v2', 'churn-model')
    await ok('alias', 'set', 'churn-model', 'production', 'v1')
    const result = await checkHere({ base: 'origin/main' })
    expect(findings(result)).toEqual([
      `${MODEL}:17:3 warning protected-alias: protected alias production of churn-model moves v0 -> v1; review it: once merged and synced, whatever deploys churn-model:production gets v1`,
    ])
    expect(result.base).toEqual({ label: 'origin/main', commit: repo.git('rev-parse', 'origin/main').trim() })
  })

  it("rewriting an artifact branch the remote has is an error; being behind it a warning", async () => {
    repo.git('switch', '-qc', 'proposal')
    repo.git('branch', '-qf', 'artifacts/churn', 'origin/artifacts/churn~1')
    expect(findings(await checkHere({ base: 'origin/main' }))).toEqual([
      ' warning history-artifact-behind: artifacts/churn is 1 version behind origin/artifacts/churn; fetch it (git fetch origin artifacts/churn:artifacts/churn)',
    ])
    await logVersions(1, 'churn', 'other ') // a different v1 than the remote's
    const local = repo.git('rev-parse', 'artifacts/churn').trim()
    expect(findings(await checkHere({ base: 'origin/main' }))).toEqual([
      ` error history-artifact-rewritten: artifacts/churn was rewritten: v1 is ${local.slice(0, 10)} here but ${repo.git('rev-parse', 'origin/artifacts/churn').trim().slice(0, 10)} on origin/artifacts/churn; artifact branches only grow, so restore it (git branch -f artifacts/churn origin/artifacts/churn) and log the new files again`,
    ])
  })
})
