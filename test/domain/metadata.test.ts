import { describe, expect, it } from 'vitest'
import { mergeMetadata, parseMetadataDocument, parseMetadataPairs } from '../../src/domain/metadata.js'

describe('--metadata pairs', () => {
  it('parses values as YAML scalars and nests dotted keys', () => {
    expect(parseMetadataPairs(['acc=0.93', 'epochs=12', 'ok=true', 'name=resnet 50', 'none=null', 'empty=', 'list=[1, 2]', 'metrics.auc=0.9', 'metrics.loss=0.1', 'eq=a=b'])).toEqual({
      acc: 0.93,
      epochs: 12,
      ok: true,
      name: 'resnet 50',
      none: null,
      empty: null,
      list: '[1, 2]',
      metrics: { auc: 0.9, loss: 0.1 },
      eq: 'a=b',
    })
  })
  it('refuses pairs that are not key=value', () => {
    expect(() => parseMetadataPairs(['acc'])).toThrow('invalid --metadata "acc": expected key=value, e.g. --metadata accuracy=0.93')
    expect(() => parseMetadataPairs(['=1'])).toThrow(/expected key=value/)
    expect(() => parseMetadataPairs(['a..b=1'])).toThrow(/without empty parts/)
    expect(() => parseMetadataPairs(['a=1', 'a.b=2'])).toThrow(/"a" already holds a value, not a map/)
  })
})

describe('--metadata-file', () => {
  it('reads JSON and YAML mappings', () => {
    expect(parseMetadataDocument('{"a": {"b": 1}}', 'm.json')).toEqual({ a: { b: 1 } })
    expect(parseMetadataDocument('a:\n  b: 1\nc: x\n', 'm.yaml')).toEqual({ a: { b: 1 }, c: 'x' })
    expect(parseMetadataDocument('', 'm.yaml')).toEqual({})
  })
  it('refuses syntax errors with a position, non-maps, duplicate keys and anchors', () => {
    expect(() => parseMetadataDocument('a: [1, 2\n', 'm.yaml')).toThrow(/^m\.yaml:\d+:\d+: .*; the metadata file must be JSON or YAML$/)
    expect(() => parseMetadataDocument('[1, 2]', 'm.json')).toThrow('m.json: metadata must be a mapping of keys to values (JSON object or YAML map)')
    expect(() => parseMetadataDocument('a: 1\na: 2\n', 'm.yaml')).toThrow(/^m\.yaml:2:1: /)
    expect(() => parseMetadataDocument('a: &x 1\nb: *x\n', 'm.yaml')).toThrow('m.yaml: YAML anchors and aliases are not allowed in metadata files')
  })
  it('lets pairs override the file key by key', () => {
    expect(mergeMetadata({ metrics: { auc: 0.9, loss: 0.2 }, f: 'x' }, { metrics: { auc: 0.97 } })).toEqual({
      metrics: { auc: 0.97, loss: 0.2 },
      f: 'x',
    })
  })
})
