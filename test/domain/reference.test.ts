import { describe, expect, it } from 'vitest'
import { formatReference, parseReference, parseRemoteReference } from '../../src/domain/reference.js'

describe('references', () => {
  it('parses name, vN, latest and aliases', () => {
    expect(parseReference('churn')).toEqual({ name: 'churn', selector: { kind: 'latest' } })
    expect(parseReference('churn:v12')).toEqual({ name: 'churn', selector: { kind: 'number', number: 12 } })
    expect(parseReference('churn:latest')).toEqual({ name: 'churn', selector: { kind: 'latest' } })
    expect(parseReference('churn:production')).toEqual({ name: 'churn', selector: { kind: 'alias', alias: 'production' } })
    expect(formatReference(parseReference('churn'))).toBe('churn:latest')
  })

  it('refuses what is not a reference, saying what would be', () => {
    expect(() => parseReference('churn:v01')).toThrow(/invalid selector "v01" in "churn:v01": use v<N> \(e\.g\. v3\), latest, or an alias name/)
    expect(() => parseReference('churn:Prod')).toThrow(/invalid selector "Prod"/)
    expect(() => parseReference(':v1')).toThrow(/expected <name>\[:<selector>\]/)
    expect(() => parseReference('bad name:v1')).toThrow(/invalid name "bad name"/)
    expect(() => parseReference('churn:v99999999999999999999')).toThrow(/invalid selector/)
  })

  it('splits remote references at the last #', () => {
    expect(parseRemoteReference('https://host/org/models.git#churn:production')).toEqual({
      url: 'https://host/org/models.git',
      reference: { name: 'churn', selector: { kind: 'alias', alias: 'production' } },
    })
    expect(parseRemoteReference('churn:v1')).toBeNull()
    expect(() => parseRemoteReference('#churn')).toThrow(/expected <git-url>#<name>/)
  })
})
