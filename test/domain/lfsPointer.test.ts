import { describe, expect, it } from 'vitest'
import { formatLfsPointer, lfsObjectRelativePath, parseLfsPointer } from '../../src/domain/lfsPointer.js'

const OID = '4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393'
const CANONICAL = `version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 12345\n`

describe('LFS pointers', () => {
  it('formats exactly the canonical three lines with LF endings', () => {
    expect(formatLfsPointer({ oid: OID, size: 12345 })).toBe(CANONICAL)
  })

  it('parses the canonical form and round-trips it', () => {
    expect(parseLfsPointer(CANONICAL)).toEqual({ oid: OID, size: 12345 })
    expect(parseLfsPointer(Buffer.from(CANONICAL))).toEqual({ oid: OID, size: 12345 })
    expect(formatLfsPointer(parseLfsPointer(CANONICAL)!)).toBe(CANONICAL)
    expect(parseLfsPointer(formatLfsPointer({ oid: OID, size: 0 }))).toEqual({ oid: OID, size: 0 })
  })

  it('tolerates what git-lfs tolerates: CRLF, surrounding blank lines, the pre-release version URL', () => {
    expect(parseLfsPointer(CANONICAL.replace(/\n/g, '\r\n'))).toEqual({ oid: OID, size: 12345 })
    expect(parseLfsPointer(`\n\n${CANONICAL}\n  \n`)).toEqual({ oid: OID, size: 12345 })
    expect(parseLfsPointer(CANONICAL.replace('git-lfs.github.com', 'hawser.github.com'))).toEqual({ oid: OID, size: 12345 })
  })

  it.each([
    ['empty', ''],
    ['ordinary text', 'hello world\n'],
    ['keys out of order', `oid sha256:${OID}\nversion https://git-lfs.github.com/spec/v1\nsize 1\n`],
    ['an unknown version', CANONICAL.replace('spec/v1', 'spec/v2')],
    ['an extra key', `${CANONICAL}x-extra 1\n`],
    ['an extension line', `version https://git-lfs.github.com/spec/v1\next-0-foo sha256:${OID}\noid sha256:${OID}\nsize 1\n`],
    ['a missing size', `version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\n`],
    ['another hash', CANONICAL.replace('sha256:', 'sha512:')],
    ['an upper-case oid', CANONICAL.replace(OID, OID.toUpperCase())],
    ['a short oid', CANONICAL.replace(OID, OID.slice(1))],
    ['a negative size', CANONICAL.replace('12345', '-1')],
    ['a size with a leading zero', CANONICAL.replace('12345', '012345')],
    ['a size beyond 2^53', CANONICAL.replace('12345', '99999999999999999999')],
    ['two spaces after a key', CANONICAL.replace('size ', 'size  ')],
    ['more than 1024 bytes', CANONICAL + ' '.repeat(1024)],
  ])('reads %s as ordinary content', (_, text) => {
    expect(parseLfsPointer(text)).toBeNull()
  })

  it('places objects as git-lfs does: aa/bb/<oid>', () => {
    expect(lfsObjectRelativePath(OID)).toBe(`4d/7a/${OID}`)
  })
})
