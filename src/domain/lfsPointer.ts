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

export function isLfsOid(value: string): boolean {
  return OID.test(value)
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
  const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length
  if (length === 0 || length > LFS_POINTER_MAX_SIZE) return null
  const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')
  const lines = text
    .trim()
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line !== '')
  if (lines.length !== 3) return null
  const fields = lines.map((line) => {
    const space = line.indexOf(' ')
    return space < 0 ? ['', ''] : [line.slice(0, space), line.slice(space + 1)]
  })
  const [[versionKey, version], [oidKey, oidValue], [sizeKey, sizeValue]] = fields as [string, string][]
  if (versionKey !== 'version' || oidKey !== 'oid' || sizeKey !== 'size') return null
  if (!VERSIONS.has(version!) || !oidValue!.startsWith('sha256:') || !SIZE.test(sizeValue!)) return null
  const oid = oidValue!.slice('sha256:'.length)
  const size = Number(sizeValue)
  if (!OID.test(oid) || !Number.isSafeInteger(size)) return null
  return { oid, size }
}

/** Where the object of `oid` lives below `.git/lfs/objects`. */
export function lfsObjectRelativePath(oid: string): string {
  return `${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`
}
