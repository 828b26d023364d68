import { describe, expect, it } from 'vitest'
import { symlinkEscapes, unsafePathReason } from '../../src/domain/safePath.js'

describe('tree paths', () => {
  it('accepts ordinary relative paths', () => {
    expect(unsafePathReason('model.bin')).toBeNull()
    expect(unsafePathReason('a/b/.gitattributes')).toBeNull()
    expect(unsafePathReason('..foo/bar')).toBeNull()
  })
  it('refuses .., ., .git (any case), absolute paths and empty parts', () => {
    expect(unsafePathReason('../x')).toBe('it has a ".." component')
    expect(unsafePathReason('a/./x')).toBe('it has a "." component')
    expect(unsafePathReason('a/.GIT/config')).toBe('it has a ".git" component')
    expect(unsafePathReason('.git. /x')).toBe('it has a ".git" component')
    expect(unsafePathReason('/etc/passwd')).toBe('it is absolute')
    expect(unsafePathReason('a//b')).toBe('it has an empty path component')
    expect(unsafePathReason('a\\b')).toBe('it contains a backslash')
  })
})

describe('symlinks', () => {
  it('allows links that stay inside', () => {
    expect(symlinkEscapes('current', 'weights/v1.bin')).toBe(false)
    expect(symlinkEscapes('a/b/link', '../c')).toBe(false)
    expect(symlinkEscapes('a/link', '../b/../c')).toBe(false)
  })
  it('refuses absolute links and links that climb out', () => {
    expect(symlinkEscapes('link', '/etc/passwd')).toBe(true)
    expect(symlinkEscapes('link', '..')).toBe(true)
    expect(symlinkEscapes('a/link', '../../x')).toBe(true)
    expect(symlinkEscapes('link', 'a/../../x')).toBe(true)
    expect(symlinkEscapes('link', '.git/config')).toBe(true)
  })
  it('follows other links of the same tree as the OS would', () => {
    const links = new Map([['t', '.'], ['s', 't/..'], ['deep', 'a/b']])
    expect(symlinkEscapes('s', 't/..', links)).toBe(true)
    expect(symlinkEscapes('x', 'deep/..', links)).toBe(false)
    const loop = new Map([['a', 'b'], ['b', 'a']])
    expect(symlinkEscapes('a', 'b', loop)).toBe(true)
  })
})
