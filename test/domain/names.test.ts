import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { InvalidNameError } from '../../src/domain/errors.js'
import {
  assertAlias,
  assertName,
  assertTag,
  describeNameRule,
  isAlias,
  isName,
  isTag,
} from '../../src/domain/names.js'

function messageOf(fn: () => void): string {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidNameError)
    return (error as Error).message
  }
  throw new Error('expected an InvalidNameError')
}

function gitAcceptsRef(ref: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', ref], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const NAME_RULE =
  'names must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ and may not contain "..", end in ".lock" or end in "."'
const ALIAS_RULE =
  'aliases must match ^[a-z][a-z0-9._-]{0,62}$ and may not be "latest", be v<N>, contain "..", end in ".lock" or end in "."'

const VALID_NAMES = ['churn', 'ImageClassifier', 'resnet-50_v2.1', '0day', 'a', 'A'.repeat(128), 'x.locked', 'a.b.c']
const INVALID_NAMES = ['', '.hidden', '-x', '_x', 'a b', 'a/b', 'a:b', 'a..b', 'model.lock', 'model.', 'A'.repeat(129), 'ümlaut']

describe('names', () => {
  it.each(VALID_NAMES)('accepts the name %j', (name) => {
    expect(isName(name)).toBe(true)
    expect(() => assertName(name)).not.toThrow()
  })

  it.each(INVALID_NAMES)('refuses the name %j', (name) => {
    expect(isName(name)).toBe(false)
    expect(() => assertName(name)).toThrow(InvalidNameError)
  })

  it('states the whole rule when the pattern does not match', () => {
    expect(messageOf(() => assertName('a b'))).toBe(`invalid name "a b": ${NAME_RULE}`)
    expect(messageOf(() => assertName(''))).toBe(`invalid name "": ${NAME_RULE}`)
    expect(describeNameRule('name')).toBe(NAME_RULE)
  })

  it('names the one rule broken when only a ref-safety rule fails', () => {
    expect(messageOf(() => assertName('a..b'))).toBe('invalid name "a..b": names may not contain ".."')
    expect(messageOf(() => assertName('model.lock', 'artifact name'))).toBe(
      'invalid artifact name "model.lock": names may not end in ".lock"',
    )
    expect(messageOf(() => assertName('a..b.'))).toBe('invalid name "a..b.": names may not contain ".." or end in "."')
  })

  it('refuses non-strings with a plain message', () => {
    expect(messageOf(() => assertName(42))).toBe('invalid name 42: names must be strings')
    expect(isName(undefined)).toBe(false)
  })

  it('puts the kind, value and rule in the error data', () => {
    try {
      assertAlias('Prod')
      expect.unreachable()
    } catch (error) {
      const e = error as InvalidNameError
      expect(e.code).toBe('InvalidNameError')
      expect(e.data).toMatchObject({ kind: 'alias', value: 'Prod', pattern: '^[a-z][a-z0-9._-]{0,62}$' })
    }
  })

  it('every valid name makes a valid branch and alias ref, per git itself', () => {
    for (const name of VALID_NAMES) {
      expect(gitAcceptsRef(`refs/heads/artifacts/${name}`), name).toBe(true)
      expect(gitAcceptsRef(`refs/aliases/${name}/production`), name).toBe(true)
    }
    for (const name of ['a..b', 'model.lock', 'model.']) {
      expect(gitAcceptsRef(`refs/heads/artifacts/${name}`), name).toBe(false)
    }
  })
})

describe('aliases', () => {
  it.each(['production', 'staging', 'champion.2024-05', 'v12a', 'version2', 'a'])('accepts the alias %j', (alias) => {
    expect(isAlias(alias)).toBe(true)
    expect(gitAcceptsRef(`refs/aliases/churn/${alias}`)).toBe(true)
  })

  it('refuses "latest", which always means the newest version', () => {
    expect(isAlias('latest')).toBe(false)
    expect(messageOf(() => assertAlias('latest'))).toBe('invalid alias "latest": aliases may not be "latest"')
  })

  it('refuses v<N>, which selects a version by number', () => {
    expect(messageOf(() => assertAlias('v12'))).toBe('invalid alias "v12": aliases may not be v<N>')
    expect(isAlias('v0')).toBe(false)
  })

  it('refuses uppercase with the full rule', () => {
    expect(messageOf(() => assertAlias('Prod'))).toBe(`invalid alias "Prod": ${ALIAS_RULE}`)
  })

  it('refuses what would break the alias ref', () => {
    expect(messageOf(() => assertAlias('prod.lock'))).toBe('invalid alias "prod.lock": aliases may not end in ".lock"')
    expect(messageOf(() => assertAlias('a..b'))).toBe('invalid alias "a..b": aliases may not contain ".."')
    expect(isAlias('prod.')).toBe(false)
    expect(isAlias('a'.repeat(64))).toBe(false)
  })
})

describe('tags', () => {
  it.each(['vision', 'team:cv', '2024', 'a-b_c.d'])('accepts the tag %j', (tag) => {
    expect(isTag(tag)).toBe(true)
    expect(() => assertTag(tag)).not.toThrow()
  })

  it('refuses a tag with a space, quoting value and pattern', () => {
    expect(messageOf(() => assertTag('Vision Team'))).toBe(
      'invalid tag "Vision Team": tags must match ^[a-z0-9][a-z0-9._:-]{0,63}$',
    )
  })

  it.each(['', 'Vision', ':x', '-x', 'x'.repeat(65)])('refuses the tag %j', (tag) => {
    expect(isTag(tag)).toBe(false)
  })
})
