import { describe, expect, it } from 'vitest'
import { formatNumber, metricChart } from '../../src/domain/site/chart.js'
import { displaySize, escapeHtml } from '../../src/domain/site/html.js'
import { chooseMetric, flattenMetadata } from '../../src/domain/site/metrics.js'
import { isSafeLink, renderModelCard, splitFrontMatter } from '../../src/domain/site/modelCard.js'
import { HOSTILE_CARD } from '../helpers/siteRegistry.js'

describe('site rendering (pure)', () => {
  it('escapes text for HTML bodies and attribute values', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;')
  })

  it.each([
    ['https://example.com/a', true],
    ['http://example.com', true],
    ['HTTPS://EXAMPLE.COM', true],
    ['../index.html', true],
    ['models/x.html#v3', true],
    ['#section', true],
    ['/abs/path', true],
    ['//cdn.example.com/x.js', true],
    ['javascript:alert(1)', false],
    ['JaVaScRiPt:alert(1)', false],
    ['java\tscript:alert(1)', false],
    [' javascript:alert(1)', false],
    ['data:text/html,<script>1</script>', false],
    ['vbscript:x', false],
    ['file:///etc/passwd', false],
    ['mailto:a@example.com', false],
  ])('a card link to %j is kept: %s', (url, kept) => {
    expect(isSafeLink(url)).toBe(kept)
  })

  it('renders a hostile model card as harmless text: no raw HTML, no event handlers, no script links', () => {
    const card = renderModelCard(HOSTILE_CARD)
    expect(card.html).toContain('<h3>Churn model</h3>')
    expect(card.html).toContain('&lt;script&gt;window.pwned = 1&lt;/script&gt;')
    expect(card.html).toContain('&lt;img src=&quot;x&quot; onerror=&quot;window.pwned = 2&quot;&gt;')
    expect(card.html).not.toMatch(/<script/i)
    expect(card.html).not.toMatch(/<[^>]*\son[a-z]+=/i)
    expect(card.html).not.toMatch(/(href|src)="\s*javascript:/i)
    expect(card.html).toContain('<a href="https://example.com/docs" rel="nofollow noopener noreferrer">the docs</a>')
    expect(card.html).toContain('<a href="../index.html" rel="nofollow noopener noreferrer">all models</a>')
    // The refused links stay visible as text.
    expect(card.html).toContain('[run me](javascript:window.pwned=3)')
    expect(card.fields).toEqual([
      ['owner', 'Ada Lovelace'],
      ['metric', 'accuracy'],
      ['license', '<b>MIT</b>'],
      ['datasets', '["churn-2026","<img src=x onerror=window.pwned=4>"]'],
    ])
    expect(card.metric).toBe('accuracy')
  })

  it('reads front matter only at the very top, and reports front matter it cannot read', () => {
    expect(splitFrontMatter('# title\n---\na: 1\n---\n')).toEqual({ yaml: null, body: '# title\n---\na: 1\n---\n' })
    expect(splitFrontMatter('---\na: 1\n---\nbody\n')).toEqual({ yaml: 'a: 1', body: 'body\n' })
    const broken = renderModelCard('---\na: [1\n---\nbody\n')
    expect(broken.fields).toEqual([])
    expect(broken.frontMatterProblem).toMatch(/^the front matter is not valid YAML/)
    expect(broken.html).toBe('<p>body</p>\n')
  })

  it('charts the metric most versions have, or the one asked for', () => {
    const rows = [
      flattenMetadata({ accuracy: 0.9, metrics: { auc: 0.7 }, framework: 'torch' }),
      flattenMetadata({ accuracy: 0.92, metrics: { auc: 0.75 } }),
      flattenMetadata({ metrics: { auc: 0.8 } }),
    ]
    expect(chooseMetric(rows)).toBe('metrics.auc')
    expect(chooseMetric(rows, 'accuracy')).toBe('accuracy')
    expect(chooseMetric(rows, 'framework')).toBe('metrics.auc')
    expect(chooseMetric([flattenMetadata({ framework: 'torch' })])).toBeNull()
  })

  it('draws each version value into the SVG as text and in its title', () => {
    const svg = metricChart('accuracy', [
      { label: 'v0', value: 0.81, marks: [] },
      { label: 'v1', value: 0.84, marks: ['production'] },
      { label: 'v2', value: 0.79, marks: [] },
    ])
    for (const value of ['0.81', '0.84', '0.79']) expect(svg).toContain(`fill="#222">${value}</text>`)
    expect(svg).toContain('<title>v1: accuracy = 0.84 (production)</title>')
    expect(svg).not.toContain('NaN')
    // One point, or equal values, still draw inside the frame.
    expect(metricChart('loss', [{ label: 'v0', value: 3, marks: [] }])).not.toContain('NaN')
  })

  it('formats numbers and sizes for people', () => {
    expect(formatNumber(0.1 + 0.2)).toBe('0.3')
    expect(formatNumber(12)).toBe('12')
    expect(formatNumber(0.123456789)).toBe('0.123457')
    expect(displaySize(999)).toBe('999 B')
    expect(displaySize(4096)).toBe('4.1 KB')
    expect(displaySize(2_500_000_000)).toBe('2.5 GB')
  })
})
