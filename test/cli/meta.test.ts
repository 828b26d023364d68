import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { expectValid } from '../helpers/jsonSchemas.js'
import { expectSound, gmrOk } from '../helpers/sound.js'
import { repoFingerprint } from '../helpers/state.js'

// gmr meta set|rm: descriptions and metadata added after the fact, in the manifests.

let repo: TempRepo
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)
const ARTIFACT = 'registry/artifacts/churn.yaml'
const MODEL = 'registry/models/churn-model.yaml'

const ok = (...args: string[]) => gmrOk(repo, ...args)

async function expectRefused(args: string[], message: string): Promise<void> {
  const before = repoFingerprint(repo.dir)
  const result = await run(...args)
  expect(result.code).toBe(1)
  expect(result.stderr).toBe(`error: ${message}\n`)
  expect(repoFingerprint(repo.dir)).toEqual(before)
}

beforeEach(async () => {
  repo = makeRepo()
  repo.write(join(repo.scratch, 'model.bin'), 'weights 0')
  await ok('init')
  await ok('log', 'churn', join(repo.scratch, 'model.bin'), '-m', 'first run', '--metadata', 'auc=0.9', '--metadata', 'epochs=3')
})
afterEach(() => repo.cleanup())

describe('gmr meta set', () => {
  it('creates the artifact manifest when there is none, and commits only it', async () => {
    const headBefore = repo.git('rev-parse', 'HEAD').trim()
    const versionCommit = repo.git('rev-parse', 'artifacts/churn').trim()
    const { stdout, stderr } = await ok('meta', 'set', 'churn:v0', 'eval.f1=0.8', 'reviewed=true', '--description', 'retrained on November data')
    expect(stdout).toBe(
      [
        'churn:v0',
        '  description: retrained on November data *',
        '  metadata:    auc=0.9 epochs=3 eval.f1*=0.8 reviewed*=true',
        '               * added after logging (gmr meta set)',
        '',
      ].join('\n'),
    )
    expect(stderr).toMatch(/^committed [0-9a-f]{10}: registry\/artifacts\/churn\.yaml\n$/)
    expect(repo.read(ARTIFACT)).toBe(
      [
        '# yaml-language-server: $schema=https://gmr.dev/schemas/artifact.schema.json',
        'name: churn',
        'type: model',
        'description: ""',
        'aliases: {}',
        'additions:',
        '  v0:',
        '    description: retrained on November data',
        '    metadata:',
        '      eval:',
        '        f1: 0.8',
        '      reviewed: true',
        '',
      ].join('\n'),
    )
    // The version commit is untouched; the edit is one commit on top of HEAD with just the manifest.
    expect(repo.git('rev-parse', 'artifacts/churn').trim()).toBe(versionCommit)
    expect(repo.git('rev-parse', 'HEAD~1').trim()).toBe(headBefore)
    expect(repo.git('show', '--name-only', '--format=%s', 'HEAD').trim()).toBe(
      'gmr: metadata of churn:v0: set eval.f1, reviewed; set the description\n\nregistry/artifacts/churn.yaml',
    )
    await expectSound(repo)
  })

  it('show and versions merge the additions over what was logged and say which is which', async () => {
    await ok('meta', 'set', 'churn:v0', 'auc=0.95', 'notes=late eval')
    const show = JSON.parse((await ok('show', 'churn:v0', '--json')).stdout)
    expect(show.version.metadata).toEqual({ auc: 0.95, epochs: 3, notes: 'late eval' })
    expect(show.version.loggedMetadata).toEqual({ auc: 0.9, epochs: 3 })
    expect(show.version.addedMetadata).toEqual({ auc: 0.95, notes: 'late eval' })
    expect(show.version.description).toBe('first run')
    expect(show.version.loggedDescription).toBe('first run')
    expect(show.version.addedDescription).toBeUndefined()
    const versions = JSON.parse((await ok('versions', 'churn', '--json')).stdout)
    expect(versions.versions[0].addedMetadata).toEqual({ auc: 0.95, notes: 'late eval' })
    const text = (await ok('versions', 'churn')).stdout
    expect(text).toContain('auc*=0.95 epochs=3 notes*=late eval\n')
    expect(text.endsWith('* added after logging (gmr meta set)\n')).toBe(true)
    const resolved = JSON.parse((await ok('resolve', 'churn:v0', '--json')).stdout)
    expect(resolved.version.metadata.auc).toBe(0.95)
  })

  it("sets a link's own description and metadata in the model manifest; through the model they win", async () => {
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model', '--alias', 'staging')
    await ok('meta', 'set', 'churn:v0', 'owner=ml-team')
    await ok('meta', 'set', 'churn-model:staging', 'owner=risk-team', '--description', 'the candidate')
    const link = repo.read(MODEL).split('versions:\n')[1]!
    expect(link).toContain('    description: the candidate\n    metadata:\n      owner: risk-team\n')
    const show = JSON.parse((await ok('show', 'churn-model:v0', '--json')).stdout)
    expect(show.version.metadata.owner).toBe('risk-team')
    expect(show.version.description).toBe('the candidate')
    expect(show.version.loggedDescription).toBe('first run')
    const model = JSON.parse((await ok('show', 'churn-model', '--json')).stdout)
    expect(model.model.links[0].metadata).toEqual({ owner: 'risk-team' })
    const [header, row] = (await ok('show', 'churn-model')).stdout.split('\n').slice(-3)
    expect(header).toMatch(/^LINK +VERSION +COMMIT +LINKED +ALIASES +DESCRIPTION$/)
    expect(row).toMatch(/^v0 +churn:v0 +[0-9a-f]{10} +\S+ +staging +the candidate$/)
    await expectSound(repo)
  })

  it('--no-commit edits the work tree only', async () => {
    const head = repo.git('rev-parse', 'HEAD').trim()
    const { stderr } = await ok('meta', 'set', 'churn:v0', 'x=1', '--no-commit')
    expect(stderr).toBe('edited registry/artifacts/churn.yaml (not committed)\n')
    expect(repo.git('rev-parse', 'HEAD').trim()).toBe(head)
    expect(repo.git('status', '--porcelain')).toBe('?? registry/artifacts/\n')
  })

  it('setting what is already there changes nothing', async () => {
    await ok('meta', 'set', 'churn:v0', 'x=1')
    const head = repo.git('rev-parse', 'HEAD').trim()
    expect((await ok('meta', 'set', 'churn:v0', 'x=1')).stdout.split('\n')[0]).toBe('churn:v0 (unchanged)')
    expect(repo.git('rev-parse', 'HEAD').trim()).toBe(head)
  })
})

describe('gmr meta rm', () => {
  it('removes added keys (dotted, pruning empty maps) and the added description', async () => {
    await ok('meta', 'set', 'churn:v0', 'eval.f1=0.8', 'keep=1', '--description', 'better')
    await ok('meta', 'rm', 'churn:v0', 'eval.f1', '--description')
    expect(repo.read(ARTIFACT)).toContain('additions:\n  v0:\n    metadata:\n      keep: 1\n')
    await ok('meta', 'rm', 'churn:v0', 'keep')
    expect(repo.read(ARTIFACT)).not.toContain('additions')
    const show = JSON.parse((await ok('show', 'churn:v0', '--json')).stdout)
    expect(show.version.addedMetadata).toBeUndefined()
    expect(show.version.description).toBe('first run')
    await expectSound(repo)
  })

  it('refuses bad input with one line and changes nothing', async () => {
    await ok('meta', 'set', 'churn:v0', 'keep=1')
    await expectRefused(
      ['meta', 'rm', 'churn:v0', 'auc'],
      '"auc" was logged with the version and cannot be removed (version commits never change); override it with "gmr meta set churn:v0 auc=VALUE"',
    )
    await expectRefused(['meta', 'rm', 'churn:v0', 'nope'], 'churn:v0 has no added metadata key "nope"; "gmr show churn:v0" lists its metadata')
    await expectRefused(['meta', 'set', 'churn:v7', 'a=1'], 'no version v7 of churn: churn has v0 to v0')
    await expectRefused(['meta', 'set', 'churn:v0', '=1'], 'invalid key=value pair "=1": expected key=value, e.g. gmr meta set churn:v0 accuracy=0.93')
    await expectRefused(['meta', 'set', 'churn:v0', 'a..b=1'], 'invalid key=value pair key "a..b": use key or dotted.key without empty parts')
    await expectRefused(['meta', 'set', 'churn'], '"churn" names no version; give one, e.g. churn:v0 or churn:latest')
    await expectRefused(
      ['meta', 'set', 'churn:v0'],
      'nothing to change: give key=value pairs, keys to remove, or --description (e.g. gmr meta set churn:v0 accuracy=0.93)',
    )
    await expectRefused(['meta', 'rm', 'churn:v0', '--description'], 'churn:v0 has no added description to remove; set one with "gmr meta set churn:v0 --description TEXT"')
    const json = await run('meta', 'rm', 'churn:v0', 'nope', '--json')
    expect(JSON.parse(json.stderr)).toEqual({
      error: { code: 'MissingMetadataKeyError', message: 'churn:v0 has no added metadata key "nope"; "gmr show churn:v0" lists its metadata' },
    })
  })
})

describe('history, diff and check see the additions', () => {
  it('history and diff (text, markdown) say what was added', async () => {
    await ok('model', 'create', 'churn-model')
    await ok('link', 'churn:v0', 'churn-model')
    await ok('meta', 'set', 'churn:v0', 'reviewed=true')
    repo.git('checkout', '-q', '-b', 'proposal')
    await ok('meta', 'set', 'churn:v0', 'auc=0.95', '--description', 'better')
    await ok('meta', 'set', 'churn-model:v0', 'owner=risk')
    const history = (await ok('history', 'churn')).stdout
    expect(history).toContain('    v0 added after the fact: reviewed = true\n')
    const text = (await ok('diff')).stdout
    expect(text).toContain("1 model changed, 1 artifact changed: 2 versions' added metadata changed\n")
    expect(text).toContain('  ~ v0 added metadata: auc new: 0.95, description "better"\n')
    expect(text).toContain('  ~ link v0 added metadata: owner new: risk\n')
    const markdown = (await ok('diff', '--format', 'markdown')).stdout
    expect(markdown).toContain('| metadata added after logging | v0 | auc = 0.95, description: better |')
    expect(markdown).toContain('| metadata added after logging | link v0 | owner = risk |')
  })

  it('check reports additions to a version that does not exist at file:line:col', async () => {
    await ok('meta', 'set', 'churn:v0', 'x=1')
    repo.write(ARTIFACT, `${repo.read(ARTIFACT)}  v4:\n    description: typo\n`)
    const result = await run('check')
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(
      'registry/artifacts/churn.yaml:10:3: error: additions name v4, but churn has v0 to v0; remove the entry or fix its number\n',
    )
  })
})

describe('gmr log of unchanged files with other metadata', () => {
  it('says on stderr that it was not recorded, names the command that records it, and that command does', async () => {
    const head = repo.git('rev-parse', 'HEAD').trim()
    const model = join(repo.scratch, 'model.bin')
    const result = await ok('log', 'churn', model, '--metadata', 'auc=0.95', '--metadata', 'epochs=3', '--metadata', 'note=two words')
    expect(result.stdout).toBe('churn:v0 (unchanged)\n')
    const command = "gmr meta set churn:v0 auc=0.95 'note=\"two words\"'"
    expect(result.stderr).toBe(
      `note: churn:v0 already has these files, so this log did not record metadata auc, note (version commits never change); record it with: ${command}\n`,
    )
    expect(repo.git('rev-parse', 'HEAD').trim()).toBe(head)
    await ok('meta', 'set', 'churn:v0', 'auc=0.95', 'note=two words')
    const again = await ok('log', 'churn', model, '--metadata', 'auc=0.95', '--metadata', 'note=two words')
    expect(again.stderr).toBe('')
    const asJson = JSON.parse((await ok('log', 'churn', model, '--metadata', 'auc=0.97', '--json')).stdout)
    expectValid('log', asJson)
    expect(asJson.unrecorded).toEqual({ metadata: { auc: 0.97 }, command: 'gmr meta set churn:v0 auc=0.97' })
    const message = await ok('log', 'churn', model, '-m', 'another message')
    expect(message.stderr).toContain("this log did not record the message (version commits never change); record it with: gmr meta set churn:v0 --description 'another message'\n")
    await expectSound(repo)
  })
})
