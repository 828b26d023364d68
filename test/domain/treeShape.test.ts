import { describe, expect, it } from 'vitest'
import { lfsPointerProblem, parseLfsPointer } from '../../src/domain/lfsPointer.js'
import { treeEntryProblems } from '../../src/domain/treeShape.js'

describe('tree entries git fsck --strict flags', () => {
  it('a "/" in a name, and each duplicated name once, with the path a writer would use', () => {
    expect(treeEntryProblems('w', ['a', 'b/c', 'a', 'a', 'd'])).toEqual([
      { path: 'w/b/c', rule: 'fullPathname', reason: 'its tree entry name "b/c" contains a "/"' },
      { path: 'w/a', rule: 'duplicateEntries', reason: 'its tree has more than one entry named "a"' },
    ])
    expect(treeEntryProblems('', ['a', 'b', '.gitattributes'])).toEqual([])
  })
})

describe('malformed LFS pointers', () => {
  const oid = 'a'.repeat(64)
  const text = (o: string, size: string, extra = '') => `version https://git-lfs.github.com/spec/v1\n${extra}oid sha256:${o}\nsize ${size}\n`
  it.each([
    [text('A'.repeat(64), '1'), 'its oid "sha256:' + 'A'.repeat(64) + '" is not sha256: and 64 lowercase hex digits'],
    [text('a'.repeat(63), '1'), `its oid "sha256:${'a'.repeat(63)}" is not sha256: and 64 lowercase hex digits`],
    [text(oid, '-1'), 'its size "-1" is not a whole number of bytes'],
    [text(oid, '1e3'), 'its size "1e3" is not a whole number of bytes'],
    [`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\n`, 'its lines are "version oid", not exactly version, oid and size'],
    [text(oid, '1', 'ext-0-foo sha256:' + oid + '\n'), 'it uses pointer extensions, which gmr does not support'],
  ])('%j is refused: %s', (blob, problem) => {
    expect(parseLfsPointer(blob)).toBeNull()
    expect(lfsPointerProblem(blob)).toBe(problem)
  })

  it('a valid pointer, and content that is no pointer at all, have no problem', () => {
    expect(lfsPointerProblem(text(oid, '12'))).toBeNull()
    expect(parseLfsPointer(text(oid, '12'))).toEqual({ oid, size: 12 })
    expect(lfsPointerProblem('just some bytes\n')).toBeNull()
    expect(lfsPointerProblem(`version 2\noid sha256:${oid}\nsize 1\n`)).toBeNull()
  })
})
