import { escapeHtml } from './html.js'

/** One version on the chart. */
export interface ChartPoint {
  label: string
  value: number
  /** Aliases on this version, drawn under its label. */
  marks: string[]
}

const WIDTH = 720
const HEIGHT = 260
const PAD = { left: 64, right: 24, top: 28, bottom: 48 }
/** Above this many points only the first, last, best, worst and aliased values are labelled. */
const LABEL_ALL_UP_TO = 24

/** Six significant digits at most: enough to compare versions, short enough to read. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value)
  const text = String(value)
  // Already short (0.93, 12.5): as it is; else rounded.
  return text.length <= 8 ? text : String(Number(value.toPrecision(6)))
}

/**
 * An SVG line chart of `metric` across versions, drawn at build time: the values are
 * text in the SVG (and each point's <title>), so it reads without JavaScript or CSS.
 */
export function metricChart(metric: string, points: readonly ChartPoint[]): string {
  if (points.length === 0) return ''
  const values = points.map((p) => p.value)
  let min = Math.min(...values)
  let max = Math.max(...values)
  if (min === max) {
    const spread = min === 0 ? 1 : Math.abs(min) * 0.1
    min -= spread
    max += spread
  }
  const innerW = WIDTH - PAD.left - PAD.right
  const innerH = HEIGHT - PAD.top - PAD.bottom
  const x = (i: number) => PAD.left + (points.length === 1 ? innerW / 2 : (i * innerW) / (points.length - 1))
  const y = (v: number) => PAD.top + innerH - ((v - min) / (max - min)) * innerH
  const r = (n: number) => n.toFixed(1)
  const best = values.indexOf(Math.max(...values))
  const worst = values.indexOf(Math.min(...values))
  const labelled = (i: number) =>
    points.length <= LABEL_ALL_UP_TO || i === 0 || i === points.length - 1 || i === best || i === worst || points[i]!.marks.length > 0
  const parts: string[] = []
  const title = `${metric} across versions`
  // Shared looks sit on the groups, so each point costs a few short elements.
  parts.push(
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-labelledby="chart-title" data-metric="${escapeHtml(metric)}" font-family="sans-serif" font-size="12">`,
    `<title id="chart-title">${escapeHtml(title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<g stroke="#e3e3e3">`,
  )
  const ticks = [min, (min + max) / 2, max]
  for (const tick of ticks) parts.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${r(y(tick))}" y2="${r(y(tick))}"/>`)
  parts.push('</g>', '<g text-anchor="end" fill="#555">')
  for (const tick of ticks) parts.push(`<text x="${PAD.left - 8}" y="${r(y(tick) + 4)}">${escapeHtml(formatNumber(tick))}</text>`)
  parts.push(
    '</g>',
    `<text x="${PAD.left}" y="16" font-size="13" fill="#222" font-weight="bold">${escapeHtml(metric)}</text>`,
    `<polyline fill="none" stroke="#2458a6" stroke-width="2" points="${points.map((p, i) => `${r(x(i))},${r(y(p.value))}`).join(' ')}"/>`,
    '<g text-anchor="middle">',
  )
  points.forEach((p, i) => {
    const cx = r(x(i))
    const cy = y(p.value)
    const marked = p.marks.length > 0
    parts.push(
      `<g class="point" data-version="${escapeHtml(p.label)}" data-value="${p.value}">`,
      `<title>${escapeHtml(`${p.label}: ${metric} = ${formatNumber(p.value)}${marked ? ` (${p.marks.join(', ')})` : ''}`)}</title>`,
      marked ? `<circle cx="${cx}" cy="${r(cy)}" r="6" fill="#c2410c"/>` : `<circle cx="${cx}" cy="${r(cy)}" r="4" fill="#2458a6"/>`,
    )
    if (labelled(i)) parts.push(`<text class="value" x="${cx}" y="${r(cy - 10)}" fill="#222">${escapeHtml(formatNumber(p.value))}</text>`)
    if (labelled(i) || points.length <= LABEL_ALL_UP_TO * 2) {
      parts.push(`<text x="${cx}" y="${HEIGHT - PAD.bottom + 18}" font-size="11" fill="#555">${escapeHtml(p.label)}</text>`)
    }
    if (marked) parts.push(`<text x="${cx}" y="${HEIGHT - PAD.bottom + 34}" font-size="11" fill="#c2410c">${escapeHtml(p.marks.join(', '))}</text>`)
    parts.push('</g>')
  })
  parts.push('</g>')
  parts.push('</svg>')
  return parts.join('\n')
}
