/**
 * Git LFS pointers (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md): the small
 * text blob a version's tree holds in place of a large file's bytes.
 */
export const LFS_SPEC_URL = 'https://git-lfs.github.com/spec/v1'

/** git-lfs never reads more than this many bytes as a pointer; anything longer is content. */
export const LFS_POINTER_MAX_SIZE = 1024

// Version strings git-lfs still accepts from its pre-release days.
const VERSIONS: ReadonlySet<string> = new Set([LFS_SPEC_URL, 'https://hawser.github.com/spec/v1', 'http://git-media.io/v/2'])
const OID = /^[0-9a-f]{64}$/
const SIZE = /^(0|[1-9][0-9]*)$/

export interface LfsPointer {
  /** SHA-256 of the file's bytes, lowercase hex. */
  oid: string
  /** The file's size in bytes. */
  size: number
}

/** The canonical pointer: exactly these three lines, LF endings, nothing else. */
export function formatLfsPointer(pointer: LfsPointer): string {
  return `version ${LFS_SPEC_URL}\noid sha256:${pointer.oid}\nsize ${pointer.size}\n`
}

/**
 * Read a pointer the way git-lfs does: surrounding whitespace, blank lines and CRLF
 * endings are tolerated, but the keys must be `version`, `oid`, `size` in that order.
 * Returns null for anything else, which is then ordinary file content. Pointers with
 * extensions (`ext-N-name` lines) are not supported and read as content.
 */
export function parseLfsPointer(data: Uint8Array | string): LfsPointer | null {
  const read = readLfsPointer(data)
  return read !== null && 'oid' in read ? read : null
}

/**
 * Why a blob that announces itself as an LFS pointer (a first line `version <spec>`) is
 * not a valid one — an oid that is not 64 lowercase hex digits, a size that is not a
 * whole number, missing or extra lines — or null when it is valid or is not a pointer at
 * all. Under an LFS attribute such a blob is neither content nor a pointer: delivering
 * its text as the model's file would be wrong, so readers refuse it.
 */
export function lfsPointerProblem(data: Uint8Array | string): string | null {
  const read = readLfsPointer(data)
  return read !== null && 'problem' in read ? read.problem : null
}

function readLfsPointer(data: Uint8Array | string): LfsPointer | { problem: string } | null {
  const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length
  if (length === 0 || length > LFS_POINTER_MAX_SIZE) return null
  const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')
  const lines = text
    .trim()
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line !== '')
  const fields = lines.map((line) => {
    const space = line.indexOf(' ')
    return space < 0 ? ['', ''] : [line.slice(0, space), line.slice(space + 1)]
  }) as [string, string][]
  const [versionKey, version] = fields[0] ?? ['', '']
  if (versionKey !== 'version' || !VERSIONS.has(version)) return null
  if (fields.some(([key]) => key.startsWith('ext-'))) return { problem: 'it uses pointer extensions, which gmr does not support' }
  const keys = fields.map(([key]) => key).join(' ')
  if (keys !== 'version oid size') return { problem: `its lines are "${keys}", not exactly version, oid and size` }
  const [[, oidValue], [, sizeValue]] = fields.slice(1) as [[string, string], [string, string]]
  const oid = oidValue.startsWith('sha256:') ? oidValue.slice('sha256:'.length) : null
  if (oid === null || !OID.test(oid)) return { problem: `its oid "${oidValue}" is not sha256: and 64 lowercase hex digits` }
  const size = Number(sizeValue)
  if (!SIZE.test(sizeValue) || !Number.isSafeInteger(size)) return { problem: `its size "${sizeValue}" is not a whole number of bytes` }
  return { oid, size }
}

/** Why a pointer cannot be checked out although the store holds its oid: the sizes differ. */
export function lfsSizeMismatch(path: string, pointer: LfsPointer, stored: number): string {
  return `${path}'s Git LFS pointer declares ${pointer.size} bytes but the stored object sha256 ${pointer.oid.slice(0, 12)}… is ${stored} bytes: the pointer or the object is wrong`
}

/** Where the object of `oid` lives below `.git/lfs/objects`. */
export function lfsObjectRelativePath(oid: string): string {
  return `${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`
}
