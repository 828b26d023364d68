/** Plain-text rendering shared by commands: tables, dates, short ids. */

export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n') + '\n'
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

export function shortOid(oid: string): string {
  return oid.slice(0, 10)
}

export function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}

/** `accuracy=0.93 epochs=3`; nested maps flatten with dots. */
export function inlineMetadata(metadata: Record<string, unknown>, prefix = ''): string {
  const parts: string[] = []
  for (const [key, value] of Object.entries(metadata)) {
    const name = prefix === '' ? key : `${prefix}.${key}`
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const inner = inlineMetadata(value as Record<string, unknown>, name)
      if (inner !== '') parts.push(inner)
    } else parts.push(`${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
  }
  return parts.join(' ')
}

export { humanSize } from '../domain/byteSize.js'
