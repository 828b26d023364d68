import { stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { plainYamlOffsets } from '../../src/domain/fastYaml.js'
import { tokenPositions, yamlPositions, type YamlTarget } from '../../src/domain/yamlPosition.js'

let seed = 7
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
const hex = () => Array.from({ length: 40 }, () => pick('0123456789abcdef'.split(''))).join('')

function manifest(i: number): Record<string, unknown> {
  return {
    name: `m-${i}`,
    ...(random() < 0.7 && { description: pick(['churn', 'ranks results', '']) }),
    tags: Array.from({ length: Math.floor(random() * 3) }, () => pick(['a', 'team:x', 'v1.2'])),
    versions: Array.from({ length: Math.floor(random() * 4) }, (_, v) => ({
      version: v,
      artifact: pick(['churn', 'a.b']),
      artifactVersion: Math.floor(random() * 100),
      commit: hex(),
      linkedAt: '2026-11-26T10:00:00Z',
    })),
    aliases: random() < 0.3 ? {} : { production: 1, staging: 0 },
    ...(random() < 0.3 && { nextVersion: 9 }),
  }
}

/** Every path a check rule names, and some that are not there. */
const PATHS: Array<Array<string | number>> = [
  [], ['name'], ['description'], ['tags'], ['tags', 0], ['tags', 1], ['tags', 5], ['versions'], ['versions', 0],
  ['versions', 1, 'commit'], ['versions', 2, 'artifactVersion'], ['versions', 9, 'commit'], ['aliases'],
  ['aliases', 'production'], ['aliases', 'canary'], ['nextVersion'], ['nothing', 'deeper'], ['name', 'x'],
]

describe('placing findings in a plain manifest without the yaml library', () => {
  it('answers exactly what the yaml token walk answers, keys and values, present or missing', () => {
    let placed = 0
    for (let i = 0; i < 150; i++) {
      const data = manifest(i)
      const texts = [
        stringify(data),
        stringify(data, { lineWidth: 0, flowCollectionPadding: false }),
        `# yaml-language-server: $schema=x\n${stringify(data, { indentSeq: false })}`,
        `name: m-${i} # a comment\n\n# between\ntags: [a, b]\nversions:\n  - version: 0   # first\n    commit: ${hex()}\n`,
      ]
      for (const text of texts) {
        const targets: YamlTarget[] = PATHS.flatMap((path) => [{ path, at: 'key' as const }, { path, at: 'value' as const }])
        const offsets = plainYamlOffsets(text, targets)
        if (offsets === undefined) continue
        placed++
        expect(yamlPositions(text, targets), text).toEqual(tokenPositions(text, targets))
      }
    }
    expect(placed).toBeGreaterThan(500)
  })

  it('declines what is outside the plain subset, and the yaml library places it', () => {
    for (const text of ["'name': m\n", 'aliases: {production: 1}\n', 'name: m\r\ntags: []\r\n', 'description: |\n  two\n  lines\n']) {
      expect(plainYamlOffsets(text, [{ path: ['name'] }]), text).toBeUndefined()
      expect(yamlPositions(text, [{ path: ['name'] }])).toEqual(tokenPositions(text, [{ path: ['name'] }]))
    }
  })
})
