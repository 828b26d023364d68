import { describe, expect, it } from 'vitest'
import { MARKDOWN_LIMIT, md, renderDiffMarkdown } from '../../src/cli/renderDiffMarkdown.js'
import { renderDiffText } from '../../src/cli/renderDiff.js'
import { diffRegistry } from '../../src/domain/registryDiff.js'
import { buildSnapshot, model, oid } from '../helpers/registrySnapshot.js'

/** `n` models that each gain links and move production (and staging), with metrics on every version. */
function bigDiff(n: number, linksAdded = 3) {
  const versions = Array.from({ length: 10 }, (_, v) => ({ metadata: { accuracy: Number((0.9 + v / 100).toFixed(2)), loss: Number((0.5 - v / 100).toFixed(2)), framework: 'torch' } }))
  const before: Record<string, ReturnType<typeof model>> = {}
  const after: Record<string, ReturnType<typeof model>> = {}
  for (let i = 0; i < n; i++) {
    const name = `model-${String(i).padStart(4, '0')}`
    before[name] = model(name, { links: [0, 1], aliases: { production: 0, staging: 1 } })
    after[name] = model(name, { links: [0, 1, ...Array.from({ length: linksAdded }, (_, k) => 2 + k)], aliases: { production: 1, staging: 1 + linksAdded }, tags: ['retrained'] })
  }
  const base = buildSnapshot({ label: 'origin/main', commit: oid('base'), models: before, branches: { churn: versions } }).snapshot
  const head = buildSnapshot({ label: 'HEAD', commit: oid('head'), models: after, branches: { churn: versions } }).snapshot
  return diffRegistry(base, head)
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

describe('the markdown diff for a pull-request comment', () => {
  it('a small diff has everything: overview, diagram, per-model table and details', () => {
    const text = renderDiffMarkdown(bigDiff(2))
    expect(text).toContain('**2 models changed: 6 links added, 4 aliases moved (production, staging), 2 tags added**')
    expect(text).toContain('> - `model-0000:production` moves v0 → v1 (`churn:v0` → `churn:v1`)')
    expect(text).toContain('```mermaid\nflowchart LR\n  subgraph n0["model model-0000"]')
    expect(text).toContain('#### Model `model-0001` (changed)')
    expect(text).toContain('<details><summary>Versions and metrics</summary>')
    expect(text).toContain('| accuracy | 0.9 | 0.91 | ▲ +0.01 |')
    expect(text).not.toContain('[!NOTE]')
  })

  it('stays under 60 KB by summarising step by step, and says so', () => {
    const medium = renderDiffMarkdown(bigDiff(60))
    expect(bytes(medium)).toBeLessThanOrEqual(MARKDOWN_LIMIT)
    expect(medium).toContain('this shows the tables without versions and metrics')
    expect(medium).not.toContain('<details>')
    expect(medium).toContain('#### Model `model-0059` (changed)')

    const large = renderDiffMarkdown(bigDiff(250))
    expect(bytes(large)).toBeLessThanOrEqual(MARKDOWN_LIMIT)
    expect(large).toContain('this shows the overview')
    expect(large).not.toContain('#### Model')
    expect(large).toContain('| model | `model-0249` | changed |')

    const huge = renderDiffMarkdown(bigDiff(2000))
    expect(bytes(huge)).toBeLessThanOrEqual(MARKDOWN_LIMIT)
    expect(bytes(huge)).toBeGreaterThan(MARKDOWN_LIMIT * 0.8)
    expect(huge).toMatch(/this shows the first \d+ of 2000 changed names\. Run `gmr diff [0-9a-f]{12} [0-9a-f]{12}` \(or `--format json`\) for everything\./)
    expect(huge).toContain('**2000 models changed: 6000 links added, 4000 aliases moved (production, staging), 2000 tags added**')
    expect(huge).toMatch(/\| \| … and \d+ more \| \| \| \| \| \|/)
    expect(huge).not.toContain('```mermaid')
    // However much is cut, every line is whole markdown: no table row or fence left open.
    expect(huge.split('\n').filter((l) => l.startsWith('|')).every((l) => l.endsWith('|'))).toBe(true)
  })

  it('draws at most 40 alias changes in the diagram; the tables list all', () => {
    const text = renderDiffMarkdown(bigDiff(25, 1))
    expect(text).toContain('_The diagram shows 40 of 50 alias changes; the tables list all._')
    expect(text.match(/ == now ==> /g)).toHaveLength(40)
  })

  it('text from manifests and metadata cannot open HTML, tables or mentions', () => {
    const hostile = 'ok</details><script>x</script> | `code` **bold** [link](http://x) @octocat #1\nsecond line'
    expect(md(hostile)).toBe(
      'ok&lt;/details&gt;&lt;script&gt;x&lt;/script&gt; \\| \\`code\\` \\*\\*bold\\*\\* \\[link\\](http://x) &#64;octocat \\#1<br>second line',
    )
    const base = buildSnapshot({ models: { m: model('m', { description: 'old' }) } }).snapshot
    const head = buildSnapshot({ models: { m: model('m', { description: hostile }) } }).snapshot
    const text = renderDiffMarkdown(diffRegistry(base, head))
    expect(text).not.toContain('</details><script>')
    expect(text).not.toContain('@octocat')
    expect(text).toContain('| description |  | old → ok&lt;/details&gt;')
  })

  it('the text format says the same in plain lines', () => {
    const text = renderDiffText(bigDiff(1))
    expect(text).toBe(
      [
        '1 model changed: 3 links added, 2 aliases moved (production, staging), 1 tag added',
        `base origin/main ${oid('base').slice(0, 10)}, head HEAD ${oid('head').slice(0, 10)}`,
        '',
        '! protected alias production of model-0000 moves v0 -> v1',
        '',
        'model model-0000 (changed)',
        `  ~ alias production [protected]: v0 -> v1 (churn:v0 ${oid('churn:v0').slice(0, 10)} -> churn:v1 ${oid('churn:v1').slice(0, 10)}): accuracy 0.9 -> 0.91 (+0.01), loss 0.5 -> 0.49 (-0.01)`,
        `  ~ alias staging: v1 -> v4 (churn:v1 ${oid('churn:v1').slice(0, 10)} -> churn:v4 ${oid('churn:v4').slice(0, 10)}): accuracy 0.91 -> 0.94 (+0.03), loss 0.49 -> 0.46 (-0.03)`,
        `  + link v2: churn:v2 (${oid('churn:v2').slice(0, 10)}) accuracy=0.92 loss=0.48 framework=torch`,
        `  + link v3: churn:v3 (${oid('churn:v3').slice(0, 10)}) accuracy=0.93 loss=0.47 framework=torch`,
        `  + link v4: churn:v4 (${oid('churn:v4').slice(0, 10)}) accuracy=0.94 loss=0.46 framework=torch`,
        '  + tag retrained',
        '',
      ].join('\n'),
    )
  })
})
