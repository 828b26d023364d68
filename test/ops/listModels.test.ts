import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { listModels } from '../../src/ops/listModels.js'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo

async function ok(...args: string[]): Promise<void> {
  const result = await gmr(repo.dir, repo.env, args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
}

const names = async (tags: string[] = []) => (await listModels({ fs, dir: repo.dir, env: repo.env, tags })).map((m) => `${m.name} [${m.tags.join(',')}] ${m.links}`)

/** The summaries file beside the manifest cache. */
function summariesFile(): string {
  const dir = join(repo.dir, '.git/gmr/manifests')
  return join(dir, fs.readdirSync(dir)[0]!, 'models.json')
}

beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
  await ok('model', 'create', 'churn-model', '--tag', 'tabular')
  await ok('model', 'create', 'ranker', '--tag', 'search')
})
afterEach(() => repo.cleanup())

describe('listing models through the summary cache', () => {
  it('a hand-edited manifest is listed as it is now, cold and warm', async () => {
    fs.rmSync(join(repo.dir, '.git/gmr'), { recursive: true, force: true })
    expect(await names(['tabular'])).toEqual(['churn-model [tabular] 0'])
    expect(fs.existsSync(summariesFile())).toBe(true)
    const path = join(repo.dir, 'registry/models/ranker.yaml')
    fs.writeFileSync(path, fs.readFileSync(path, 'utf8').replace('- search', '- tabular'))
    expect(await names(['tabular'])).toEqual(['churn-model [tabular] 0', 'ranker [tabular] 0'])
    expect(await names(['tabular'])).toEqual(['churn-model [tabular] 0', 'ranker [tabular] 0'])
  })

  it('a damaged summary file is an empty cache', async () => {
    const before = await names()
    fs.writeFileSync(summariesFile(), '{"0123')
    expect(await names()).toEqual(before)
    expect(await names()).toEqual(before)
  })
})
