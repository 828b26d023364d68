import { parse, stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { parsePlainYaml } from '../../src/domain/fastYaml.js'

/** The reader must either agree with the yaml library exactly or decline. */
function agrees(text: string): 'same' | 'declined' {
  const quick = parsePlainYaml(text)
  if (quick === undefined) return 'declined'
  expect(quick, text).toEqual(parse(text))
  return 'same'
}

let seed = 42
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
const WORDS = ['churn', 'a b', "don't", 'x: y', 'a #b', '#c', '- d', 'yes', 'No', 'null', '~', '1.5', '007', '1e5', '0x1f', '.inf',
  'true', '12e45', 'ab12', '2026-11-26T10:00:00Z', 'a"b', '"quoted"', "'single'", '[x]', '{y}', '&a', '*b', '!t', '|', '>', '%', '@x',
  'é ü', 'back\\slash', 'trailing ', ' leading', '', 'team:growth', 'a,b', 'v1.2.3', '-5', '+3']
const hex = () => Array.from({ length: 40 }, () => pick('0123456789abcdef'.split(''))).join('')

describe('the plain-YAML reader', () => {
  it('agrees with the yaml library on every manifest gmr writes', () => {
    let same = 0
    for (let i = 0; i < 400; i++) {
      const model = {
        name: `m-${i}`,
        description: pick(WORDS),
        tags: Array.from({ length: Math.floor(random() * 3) }, () => pick(['a', 'team:x', 'v1.2', 'b-c'])),
        versions: Array.from({ length: Math.floor(random() * 4) }, (_, v) => ({
          version: v,
          artifact: pick(['churn', 'a.b', '1x']),
          artifactVersion: Math.floor(random() * 1000),
          commit: i % 50 === 0 ? '1234567890123456789012345678901234567890' : hex(),
          linkedAt: '2026-11-26T10:00:00Z',
        })),
        aliases: random() < 0.5 ? {} : { production: 1, staging: 0 },
      }
      for (const text of [stringify(model), stringify(model, { lineWidth: 0, flowCollectionPadding: false }),
        `# yaml-language-server: $schema=x\n${stringify(model)}`]) {
        if (agrees(text) === 'same') same++
      }
    }
    // Odd descriptions are declined (the yaml library reads those), never misread.
    expect(same).toBeGreaterThan(400)
  })

  it('reads every ordinary manifest itself', () => {
    for (let i = 0; i < 100; i++) {
      const model = {
        name: `model-${i}`,
        description: pick(['Customer churn classifier', 'ranks search results', '']),
        tags: ['tabular', 'team:growth'],
        versions: Array.from({ length: 5 }, (_, v) => ({ version: v, artifact: 'churn', artifactVersion: v, commit: hex(), linkedAt: '2026-11-26T10:00:00Z' })),
        aliases: { production: 3, staging: 4 },
        nextVersion: 6,
      }
      const text = `# yaml-language-server: $schema=x\n${stringify(model, { lineWidth: 0, flowCollectionPadding: false })}`
      expect(agrees(text)).toBe('same')
    }
  })

  it('agrees or declines on hand-written edge cases', () => {
    const cases = [
      'name: m\ntags: [a, b]\naliases: {}\n',
      'name: m # comment\n# full-line comment\nversions:\n- version: 0\n  commit: abc\n',
      'name: m\nversions:\n  - version: 0\n    commit: "12345"\n',
      "name: m\ndescription: 'it''s'\n",
      'name: m\ndescription: "a\\nb"\n',
      'name: m\ndescription: |\n  multi\n  line\n',
      'name: &a m\nother: *a\n',
      'name: m\nname: n\n',
      'name: m\n  bad: indent\n',
      '- a\n- b\n',
      'name: m\ndescription:\naliases:\n  prod: 1\n',
      'name: !!str 5\n',
      'name: m\ntags:\n  - a\n  -\n',
      'name: m\r\ntags: []\r\n',
      'name: m\ntags:\n\t- a\n',
      'a:\n  b:\n    c: 1\n  d: 2\ne: 3\n',
      'name: 0o17\n',
      'name: 1.0\n',
      'name: 12345678901234567890\n',
      '---\nname: m\n',
      'name: m\n...\n',
      '',
      '# only a comment\n',
    ]
    const results = cases.map(agrees)
    expect(results.filter((r) => r === 'same').length).toBeGreaterThanOrEqual(8)
  })

  it('reads a manifest in a small fraction of the yaml library\'s time (sanity, not a benchmark)', () => {
    const model = { name: 'm', versions: Array.from({ length: 50 }, (_, v) => ({ version: v, artifact: 'a', artifactVersion: v, commit: hex(), linkedAt: '2026-11-26T10:00:00Z' })) }
    expect(parsePlainYaml(stringify(model))).toEqual(model)
  })
})
