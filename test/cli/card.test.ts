import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { renderModelCard } from '../../src/domain/site/modelCard.js'
import { readModelCard } from '../../src/domain/modelCard.js'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { expectSound, gmrOk } from '../helpers/sound.js'
import { repoFingerprint } from '../helpers/state.js'

// Model cards: registry/models/<model>.md, front matter validated by schemas/modelCard.schema.json.

let repo: TempRepo
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)
const CARD = 'registry/models/churn-model.md'

const GOOD = [
  '---',
  'license: apache-2.0',
  'datasets: [crm-2026]',
  'metrics:',
  '  - name: auc',
  '    value: 0.91',
  '    dataset: crm-2026-holdout',
  'intendedUse: scoring churn risk for retention offers',
  'limitations: not for credit decisions',
  'library: lightgbm',
  '---',
  '# Churn model',
  '',
  'Gradient boosting on CRM features.',
  '',
].join('\n')

/** metrics[0] lacks `value` (line 5 of the card) and has a key the schema does not know. */
const BAD = ['---', 'license: mit', 'metrics:', '  - name: auc', '    vale: 3', '---', 'body', ''].join('\n')

const ok = (...args: string[]) => gmrOk(repo, ...args)

function scratch(name: string, text: string): string {
  return repo.write(join(repo.scratch, name), text)
}

beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
})
afterEach(() => repo.cleanup())

describe('model cards', () => {
  it('model create --card commits the manifest and the card in one commit; card prints it', async () => {
    const head = repo.git('rev-parse', 'HEAD').trim()
    await ok('model', 'create', 'churn-model', '--card', scratch('card.md', GOOD))
    expect(repo.git('rev-parse', 'HEAD~1').trim()).toBe(head)
    expect(repo.git('show', '--name-only', '--format=%s', 'HEAD').trim()).toBe(
      'gmr: create model churn-model with its model card\n\nregistry/models/churn-model.md\nregistry/models/churn-model.yaml',
    )
    expect(repo.read(CARD)).toBe(GOOD)
    expect((await ok('card', 'churn-model')).stdout).toBe(GOOD)
    const json = JSON.parse((await ok('card', 'churn-model', '--json')).stdout)
    expect(json.frontMatter.metrics).toEqual([{ name: 'auc', value: 0.91, dataset: 'crm-2026-holdout' }])
    expect(json.frontMatter.library).toBe('lightgbm')
    expect(json.body).toBe('# Churn model\n\nGradient boosting on CRM features.\n')
    await expectSound(repo)
  })

  it('card --set validates first: a bad card is one line with file:line:col and changes nothing', async () => {
    await ok('model', 'create', 'churn-model')
    const before = repoFingerprint(repo.dir)
    const bad = scratch('bad.md', BAD)
    for (const args of [['card', 'churn-model', '--set', bad], ['model', 'create', 'other', '--card', bad]]) {
      const result = await run(...args)
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(`error: ${bad}:4:5: missing required field "value" (and 1 more problem); see schemas/modelCard.schema.json\n`)
      expect(repoFingerprint(repo.dir)).toEqual(before)
    }
    const missing = await run('card', 'nobody', '--set', scratch('good.md', GOOD))
    expect(missing.stderr).toBe('error: no registered model named "nobody"; create it with "gmr model create nobody --card FILE"\n')
    const none = await run('card', 'churn-model')
    expect(none.stderr).toBe(`error: churn-model has no model card (${CARD}); write one and run "gmr card churn-model --set FILE"\n`)
    expect(repoFingerprint(repo.dir)).toEqual(before)
  })

  it('card --set commits the card alone; diff (text and markdown) shows what changed', async () => {
    await ok('model', 'create', 'churn-model', '--card', scratch('card.md', GOOD))
    repo.git('checkout', '-q', '-b', 'proposal')
    const changed = GOOD.replace('license: apache-2.0', 'license: mit').replace('Gradient', 'Boosted')
    const { stdout, stderr } = await ok('card', 'churn-model', '--set', scratch('card2.md', changed))
    expect(stdout).toBe(`${CARD}\n`)
    expect(stderr).toContain(`: ${CARD}\n`)
    expect(repo.git('show', '--name-only', '--format=%s', 'HEAD').trim()).toBe(`gmr: model card of churn-model\n\n${CARD}`)
    expect((await ok('card', 'churn-model', '--set', scratch('card3.md', changed))).stdout).toBe(`${CARD} (unchanged)\n`)
    const text = (await ok('diff')).stdout
    expect(text).toContain('1 model changed: 1 model card changed\n')
    expect(text).toContain('  ~ model card changed: license apache-2.0 -> mit, text changed\n')
    const markdown = (await ok('diff', '--format', 'markdown')).stdout
    expect(markdown).toContain('| model card changed | license | license apache-2.0 → mit |')
    expect(markdown).toContain(`| model card changed | \`${CARD}\` | text changed |`)
    await expectSound(repo)
  })

  it('check validates a hand-written card at its own file:line:col, and warns about a card without a model', async () => {
    await ok('model', 'create', 'churn-model')
    repo.write(CARD, BAD)
    repo.write('registry/models/ghost.md', '# no model\n')
    const result = await run('check')
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(`${CARD}:4:5: error: missing required field "value" (schemas/modelCard.schema.json)\n`)
    expect(result.stdout).toContain(
      'registry/models/ghost.md: warning: registry/models/ghost.md is the card of "ghost", which is not a registered model here; create the model or remove the card\n',
    )
    expect(result.stdout).not.toContain('does not end in .yaml')
  })
})

describe('the card reader and the web view', () => {
  it('counts lines in the card, not in its front matter; a card without front matter is all body', () => {
    expect(readModelCard('---\nlicense: [1\n---\n').problems[0]).toMatchObject({ line: 2 })
    expect(readModelCard('---\nmetrics: 3\n---\n').problems).toEqual([
      expect.objectContaining({ line: 2, col: 10, message: expect.stringContaining('metrics') }),
    ])
    expect(readModelCard('# Just text\n')).toEqual({ card: { frontMatter: {}, body: '# Just text\n' }, problems: [] })
  })

  it('the web view charts `metric`, else the first of `metrics`', () => {
    expect(renderModelCard(GOOD).metric).toBe('auc')
    expect(renderModelCard(GOOD.replace('license:', 'metric: f1\nlicense:')).metric).toBe('f1')
    expect(renderModelCard('# none\n').metric).toBeNull()
  })
})
