import { describe, expect, it } from 'vitest'
import { yamlPositions } from '../../src/domain/yamlPosition.js'

const TEXT = [
  '# a comment',
  'name: churn-model',
  'tags: [a, "b"]',
  'versions:',
  '  - version: 0',
  '    commit: abc',
  '  - version: 1',
  "    'commit': def",
  'aliases: {production: 1, "staging": 0}',
  'description:',
  '',
].join('\n')

describe('placing a YAML path on its line and column', () => {
  it('finds keys and values in block and flow collections, quoted or not', () => {
    const at = (path: Array<string | number>, where: 'key' | 'value' = 'value') => yamlPositions(TEXT, [{ path, at: where }])[0]
    expect(at(['name'])).toEqual({ line: 2, col: 7 })
    expect(at(['name'], 'key')).toEqual({ line: 2, col: 1 })
    expect(at(['tags', 1])).toEqual({ line: 3, col: 11 })
    expect(at(['versions', 0])).toEqual({ line: 5, col: 5 })
    expect(at(['versions', 1, 'version'])).toEqual({ line: 7, col: 14 })
    expect(at(['versions', 1, 'commit'])).toEqual({ line: 8, col: 15 })
    expect(at(['aliases', 'staging'], 'key')).toEqual({ line: 9, col: 26 })
    expect(at(['aliases', 'production'])).toEqual({ line: 9, col: 23 })
  })

  it('an empty value points at its key, and a missing path at the deepest part that exists', () => {
    const at = (path: Array<string | number>) => yamlPositions(TEXT, [{ path }])[0]
    expect(at(['description'])).toEqual({ line: 10, col: 1 })
    expect(at(['aliases', 'canary'])).toEqual({ line: 9, col: 10 })
    expect(at(['versions', 7, 'commit'])).toEqual({ line: 5, col: 3 })
    expect(at(['nothing'])).toEqual({ line: 2, col: 1 })
  })

  it('a text that is no map, or no YAML at all, answers 1:1 and never throws', () => {
    for (const text of ['', '- a\n- b\n', 'just words', '{{{', '\u0000\u0001']) {
      expect(yamlPositions(text, [{ path: ['aliases', 'x'] }])[0]!.line).toBeGreaterThanOrEqual(1)
    }
    expect(yamlPositions('', [{ path: ['name'] }])).toEqual([{ line: 1, col: 1 }])
  })
})
