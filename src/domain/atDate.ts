import { InvalidInputError } from './errors.js'

/** `--at` dates: an ISO date-time, or a date meaning the end of that day (UTC). */
export function parseAtDate(text: string): number {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text)
  const ms = Date.parse(dateOnly ? `${text}T23:59:59Z` : text)
  if (Number.isNaN(ms)) {
    throw new InvalidInputError(`cannot read the date "${text}": use YYYY-MM-DD or an ISO date-time like 2026-11-01T12:00:00Z`, {
      date: text,
    })
  }
  return Math.floor(ms / 1000)
}
