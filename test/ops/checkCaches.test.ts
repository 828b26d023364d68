import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { check, type CheckResult } from '../../src/ops/check.js'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

// Above the bulk threshold (64 manifests): check reads and writes the manifest cache in
// bulk (.git/gmr/manifests/<schemas>/bulk.json) and reads only the index entries that
// differ from HEAD. These tests hold every rule that moved to that shared reading to the
// same findings in a fresh clone (no gmr caches) and again with the caches warm.
const MODELS = 70

let upstream: TempRepo
let clone: string
let commits: string[]

async function ok(dir: string, env: Record<string, string>, ...args: string[]): Promise<string> {
  const result = await gmr(dir, env, args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

function manifest(i: number): string {
  const links = commits.map((commit, v) => `  - version: ${v}\n    artifact: churn\n    artifactVersion: ${v}\n    commit: ${commit}\n    linkedAt: 2026-11-01T10:00:00Z\n`)
  return `# yaml-language-server: $schema=https://gmr.dev/schemas/model.schema.json\nname: m-${i}\ndescription: model ${i}\ntags: [team]\nversions:\n${links.join('')}`
}

const git = (...args: string[]) => upstream.git('-C', clone, ...args)
const path = (file: string) => join(clone, file)
// onDisk: as the CLI runs it, with the git binary reading the same repository.
const checkClone = (base?: string) => check({ fs, dir: clone, env: upstream.env, onDisk: true, ...(base !== undefined && { base }) })
/** The bulk manifest cache files under .git/gmr/manifests/<schemas>/, as paths in the clone. */
function bulkFiles(): string[] {
  const dir = '.git/gmr/manifests'
  const schemas = fs.existsSync(path(dir)) ? fs.readdirSync(path(dir)) : []
  return schemas.map((s) => `${dir}/${s}/bulk.json`).filter((file) => fs.existsSync(path(file)))
}

function findings(result: CheckResult): string[] {
  return result.findings.map((f) => `${f.file ?? ''}:${f.line ?? ''}:${f.col ?? ''} ${f.severity} ${f.rule}: ${f.message}`)
}

/** Findings cold (no .git/gmr, as in a CI job's fresh clone), then warm: they must agree. */
async function coldThenWarm(base?: string): Promise<string[]> {
  fs.rmSync(path('.git/gmr'), { recursive: true, force: true })
  const cold = findings(await checkClone(base))
  expect(bulkFiles().length, 'the cold run leaves the manifest cache warm').toBe(1)
  expect(findings(await checkClone(base))).toEqual(cold)
  return cold
}

beforeEach(async () => {
  upstream = makeRepo()
  const { dir, env } = upstream
  await ok(dir, env, 'init')
  commits = []
  for (let v = 0; v < 2; v++) {
    upstream.write(join(upstream.scratch, 'churn', 'model.bin'), `weights ${v}`)
    await ok(dir, env, 'log', 'churn', join(upstream.scratch, 'churn'))
    commits.push(upstream.git('rev-parse', 'artifacts/churn').trim())
  }
  for (let i = 0; i < MODELS; i++) upstream.write(`registry/models/m-${i}.yaml`, manifest(i))
  upstream.git('add', 'registry')
  upstream.git('commit', '-qm', `${MODELS} models`)
  // A CI job's clone: the registry branch checked out, the artifact branches fetched under their names.
  clone = join(upstream.scratch, 'clone')
  upstream.git('clone', '-q', upstream.dir, clone)
  git('fetch', '-q', 'origin', '+refs/heads/artifacts/*:refs/heads/artifacts/*')
})
afterEach(() => upstream.cleanup())

describe('check over many manifests, fresh clone and warm caches', () => {
  it('a clean registry stays clean, and the cache is written once', async () => {
    expect(await coldThenWarm()).toEqual([])
    const [bulk] = bulkFiles()
    const written = fs.statSync(path(bulk!)).mtimeMs
    await checkClone()
    expect(fs.statSync(path(bulk!)).mtimeMs, 'nothing new parsed, nothing rewritten').toBe(written)
  })

  it('hand-edited manifests are findings at their lines, cold and warm, with and without --base', async () => {
    const m5 = fs.readFileSync(path('registry/models/m-5.yaml'), 'utf8')
    fs.writeFileSync(path('registry/models/m-5.yaml'), m5.replace('artifactVersion: 0', 'artifactVersion: 1'))
    fs.writeFileSync(path('registry/models/m-7.yaml'), manifest(7).replace('tags: [team]', 'tags: [Bad]'))
    // The text of a cached model, copied in as an artifact: validated again as an artifact.
    fs.mkdirSync(path('registry/artifacts'), { recursive: true })
    fs.copyFileSync(path('registry/models/m-9.yaml'), path('registry/artifacts/m-9.yaml'))
    fs.writeFileSync(path('registry/models/m-11.yaml'), manifest(11).replace(commits[1]!, 'f'.repeat(40)))

    const plain = await coldThenWarm()
    expect(plain.filter((f) => f.startsWith('registry/models/m-5.yaml'))).toEqual([
      `registry/models/m-5.yaml:8:22 error link-version: link v0 of m-5 says churn:v1 is ${commits[0]!.slice(0, 10)}, but that commit is churn:v0; set artifactVersion: 0 (or fix the commit)`,
    ])
    expect(plain.some((f) => f.startsWith('registry/models/m-7.yaml:4:') && f.includes(' error manifest-invalid: '))).toBe(true)
    expect(plain.some((f) => f.startsWith('registry/artifacts/m-9.yaml:') && f.includes(' error manifest-invalid: '))).toBe(true)
    expect(plain.some((f) => f.startsWith('registry/models/m-11.yaml:14:13 error link-commit: '))).toBe(true)

    const based = await coldThenWarm('origin/main')
    expect(based).toEqual(expect.arrayContaining(plain))
    expect(based.filter((f) => f.includes('history-link-changed')).map((f) => f.split(' ')[0])).toEqual([
      'registry/models/m-11.yaml:11:5',
      'registry/models/m-5.yaml:6:5',
    ])
  })

  it('a damaged cache file is an empty cache', async () => {
    fs.writeFileSync(path('registry/models/m-7.yaml'), manifest(7).replace('tags: [team]', 'tags: [Bad]'))
    const cold = await coldThenWarm()
    fs.writeFileSync(path(bulkFiles()[0]!), '{"format":1,"entries":{"x":')
    expect(findings(await checkClone())).toEqual(cold)
  })

  it('an index left older than HEAD is reported among many manifests, cold and warm', async () => {
    const file = 'registry/models/m-3.yaml'
    fs.writeFileSync(path(file), manifest(3).replace('description: model 3', 'description: model three'))
    git('commit', '-qam', 'describe m-3')
    // What a gmr write killed after moving the branch and before the index leaves.
    git('update-index', '--cacheinfo', `100644,${git('rev-parse', `HEAD~1:${file}`).trim()},${file}`)
    expect(git('status', '--porcelain')).toBe(`MM ${file}\n`)
    expect((await coldThenWarm()).filter((f) => f.includes('index-state'))).toEqual([
      `${file}:1:1 error index-state: the index holds an older version than HEAD and the work tree (left by an interrupted write), so the next "git commit" would revert it; run "git restore --staged ${file}"`,
    ])
  })
})

describe('check over many linked versions (their trees read in one git batch)', () => {
  const BIG = 120
  const BAD = 110

  /** artifacts/big, v0..v(BIG-1) in gmr's message format; v(BAD) holds a malformed LFS pointer. */
  function bigArtifact(): string[] {
    let stream = ''
    for (let v = 0; v < BIG; v++) {
      const message = `big v${v}\n\nartifact: big\nversion: ${v}\nmetadata: {}\n`
      const files: Array<[string, string]> =
        v === BAD
          ? [['.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n'], ['model.bin', 'version https://git-lfs.github.com/spec/v1\noid sha256:not-hex\nsize 5\n']]
          : [['model.bin', `weights ${v}\n`]]
      stream += `commit refs/heads/artifacts/big\nmark :${v + 1}\ncommitter Ada <ada@example.com> ${1_700_000_000 + v} +0000\n`
      stream += `data ${Buffer.byteLength(message)}\n${message}${v > 0 ? `from :${v}\n` : ''}`
      for (const [name, text] of files) stream += `M 100644 inline ${name}\ndata ${Buffer.byteLength(text)}\n${text}\n`
    }
    execFileSync('git', ['fast-import', '--quiet'], { cwd: clone, env: upstream.env, input: stream })
    return git('rev-list', '--reverse', 'artifacts/big').trim().split('\n')
  }

  it('a malformed LFS pointer in one of 120 linked versions is a finding, cold and warm', async () => {
    const big = bigArtifact()
    const links = big.map((commit, v) => `  - version: ${v}\n    artifact: big\n    artifactVersion: ${v}\n    commit: ${commit}\n    linkedAt: 2026-11-01T10:00:00Z\n`)
    fs.writeFileSync(path('registry/models/big-model.yaml'), `name: big-model\nversions:\n${links.join('')}`)
    const found = await coldThenWarm()
    expect(found.filter((f) => f.includes('lfs-pointer'))).toEqual([
      expect.stringMatching(new RegExp(`^registry/models/big-model.yaml:${3 + 5 * BAD}:5 error lfs-pointer: big:v${BAD} \\(linked as big-model:v${BAD}, commit ${big[BAD]!.slice(0, 10)}\\): "model.bin": `)),
    ])
  })
})
