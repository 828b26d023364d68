import { describe, expect, it } from 'vitest'
import { pathFilter } from '../../src/domain/glob.js'

const paths = ['model.bin', 'config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt', 'weights/a/shard-1.bin', 'weights/b.bin']
const pick = (...patterns: string[]) => paths.filter(pathFilter(patterns))

describe('--include globs', () => {
  it('matches names at any depth when the pattern has no slash', () => {
    expect(pick('*.json')).toEqual(['config.json', 'tokenizer/vocab.json'])
    expect(pick('shard-?.bin')).toEqual(['weights/a/shard-1.bin'])
  })
  it('anchors patterns with a slash and keeps * inside one segment', () => {
    expect(pick('weights/*.bin')).toEqual(['weights/b.bin'])
    expect(pick('weights/**/*.bin')).toEqual(['weights/a/shard-1.bin', 'weights/b.bin'])
    expect(pick('/model.bin')).toEqual(['model.bin'])
  })
  it('includes everything below a named folder', () => {
    expect(pick('tokenizer')).toEqual(['tokenizer/vocab.json', 'tokenizer/merges.txt'])
    expect(pick('weights/')).toEqual(['weights/a/shard-1.bin', 'weights/b.bin'])
  })
  it('supports classes, ** alone, and treats regex characters literally', () => {
    expect(pick('[mc]*.*')).toEqual(['model.bin', 'config.json', 'tokenizer/merges.txt'])
    expect(pick('[!m]*.bin')).toEqual(['weights/a/shard-1.bin', 'weights/b.bin'])
    expect(pick('**')).toEqual(paths)
    expect(pathFilter(['a+b.(x)'])('a+b.(x)')).toBe(true)
    expect(pathFilter(['a+b.(x)'])('aab.(x)')).toBe(false)
  })
  it('no pattern means every file', () => {
    expect(pick()).toEqual(paths)
  })
})
