/**
 * Building HTML from untrusted text: every value that came from a manifest, a commit
 * message or a model card passes through `escapeHtml` (text and attribute values alike).
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

const SPECIAL = /[&<>"']/

export function escapeHtml(text: string): string {
  // Most text (names, numbers, dates) has nothing to escape: skip the replace then.
  return SPECIAL.test(text) ? text.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : text
}

/** A table; cells are HTML already (escape text before passing it). */
export function htmlTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, attrs = ''): string {
  const head = headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n')
  return `<table${attrs}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`
}

/** A value from a manifest or metadata as display text: strings as they are, the rest as JSON. */
export function displayValue(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined) return ''
  return JSON.stringify(value) ?? String(value)
}

/** `2026-11-01 10:00 UTC` from seconds since the epoch. */
export function displayTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** Bytes for people: `812 B`, `4.2 KB`, `1.3 GB` (powers of 1000, as file browsers show them). */
export function displaySize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = -1
  do {
    value /= 1000
    unit++
  } while (value >= 1000 && unit < units.length - 1)
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
