import { describe, expect, it } from 'vitest'
import { configValue, parseGitConfig } from '../../src/domain/gitConfig.js'
import { InvalidDateError } from '../../src/domain/errors.js'
import { parseGitDate } from '../../src/git/config.js'

describe('git config', () => {
  it('reads sections, subsections, quoting, comments and the last value wins', () => {
    const config = parseGitConfig(
      [
        '[user]',
        '\tname = "Ada  Lovelace" ; a comment',
        '\temail = ada@example.com # another',
        '[remote "origin"]',
        '\turl = https://example.com/repo.git',
        '[Core]',
        '\tBare',
        '[lfs]',
        '\turl = "https://lfs.example.com/a\\"b"',
        '[user]',
        '\tname = Grace',
      ].join('\n'),
    )
    expect(configValue(config, 'user.name')).toBe('Grace')
    expect(config.get('user.name')).toEqual(['Ada  Lovelace', 'Grace'])
    expect(configValue(config, 'user.email')).toBe('ada@example.com')
    expect(configValue(config, 'remote.origin.url')).toBe('https://example.com/repo.git')
    expect(configValue(config, 'core.bare')).toBe('true')
    expect(configValue(config, 'lfs.url')).toBe('https://lfs.example.com/a"b')
    expect(configValue(config, 'REMOTE.origin.URL')).toBe('https://example.com/repo.git')
  })

  it('reads the date formats git takes from the environment', () => {
    expect(parseGitDate('@1700000000 +0100')).toEqual({ timestamp: 1700000000, timezoneOffset: -60 })
    expect(parseGitDate('1700000000 -0530')).toEqual({ timestamp: 1700000000, timezoneOffset: 330 })
    expect(parseGitDate('2023-11-14T22:13:20+00:00')).toEqual({ timestamp: 1700000000, timezoneOffset: 0 })
    expect(() => parseGitDate('yesterday')).toThrow(/cannot read the date "yesterday"/)
    expect(() => parseGitDate('yesterday')).toThrow(InvalidDateError)
  })
})
