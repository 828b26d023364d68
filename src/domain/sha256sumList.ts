/** One line of a checksum list: a file's path (relative to the folder checked) and its SHA-256. */
export interface ChecksumEntry {
  path: string
  sha256: string
}

/**
 * A list `sha256sum -c` reads: `<hex>  <path>` per file, sorted by path. A name holding a
 * backslash, newline or carriage return is written as GNU coreutils writes it: the line
 * starts with a backslash and those characters become `\\`, `\n` and `\r`.
 */
export function formatSha256sumList(entries: readonly ChecksumEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return sorted.map((entry) => `${checksumLine(entry)}\n`).join('')
}

function checksumLine({ path, sha256 }: ChecksumEntry): string {
  if (!/[\\\n\r]/.test(path)) return `${sha256}  ${path}`
  const escaped = path.replace(/[\\\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\r'))
  return `\\${sha256}  ${escaped}`
}
