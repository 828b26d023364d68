import { join } from 'node:path'
import { expect } from 'vitest'
import { gmr } from './cli.js'
import { makeRepo, type TempRepo } from './gitRepo.js'

/** churn's versions v0..v3 and their accuracy: what the churn-model chart must show. */
export const CHURN_ACCURACY = [0.81, 0.84, 0.79, 0.88]

/**
 * A model card written by someone hostile: every line would run script or point
 * somewhere dangerous if the site passed it through as markup.
 */
export const HOSTILE_CARD = `---
owner: Ada Lovelace
metric: accuracy
license: "<b>MIT</b>"
datasets: [churn-2026, "<img src=x onerror=window.pwned=4>"]
---
# Churn model

Predicts which customers leave.

<script>window.pwned = 1</script>

<img src="x" onerror="window.pwned = 2">

[run me](javascript:window.pwned=3) and [also me](JaVaScRiPt:window.pwned=5) and ![pic](javascript:window.pwned=6)

[the docs](https://example.com/docs) and [all models](../index.html)
`

/**
 * A registry for the site's tests: artifacts churn (4 versions with accuracy, one
 * large file in v3) and bert; models churn-model (production v1, staging v3, a hostile
 * card), fraud-model (no links) and sentiment.
 */
export async function makeSiteRegistry(): Promise<TempRepo> {
  const repo = makeRepo()
  const ok = async (...args: string[]) => {
    const result = await gmr(repo.dir, repo.env, args)
    expect(result.code, `gmr ${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout
  }
  await ok('init')
  const out = join(repo.scratch, 'out')
  for (const [i, accuracy] of CHURN_ACCURACY.entries()) {
    repo.write(join(out, 'model.bin'), `weights ${i}`)
    if (i === 3) repo.write(join(out, 'weights.safetensors'), Buffer.alloc(4096, 7))
    await ok('log', 'churn', out, '--metadata', `accuracy=${accuracy}`, '--metadata', `metrics.loss=${(1 - accuracy).toFixed(2)}`, '--large-file-threshold', '1000')
  }
  repo.write(join(repo.scratch, 'bert', 'config.json'), '{"layers": 12}\n')
  await ok('log', 'bert', join(repo.scratch, 'bert'), '--metadata', 'f1=0.9')
  await ok('model', 'create', 'churn-model', '--description', 'customer churn <b>tabular</b>', '--tag', 'tabular', '--tag', 'team:growth')
  for (let v = 0; v < CHURN_ACCURACY.length; v++) await ok('link', `churn:v${v}`, 'churn-model')
  await ok('alias', 'set', 'churn-model', 'production', 'v1', '--force')
  await ok('alias', 'set', 'churn-model', 'staging', 'v3')
  await ok('model', 'create', 'fraud-model', '--description', 'card fraud detection', '--tag', 'tabular')
  await ok('model', 'create', 'sentiment', '--description', 'review sentiment', '--tag', 'nlp')
  await ok('link', 'bert:v0', 'sentiment', '--alias', 'staging')
  repo.write('registry/models/churn-model.md', HOSTILE_CARD)
  repo.git('add', 'registry/models/churn-model.md')
  repo.git('commit', '-q', '-m', 'churn-model: model card')
  return repo
}
