#!/usr/bin/env node
// `npm run bench`: every figure is measured in this run, next to its baseline.
// Usage: node bench/run.mjs [--runs N] [scenario-name ...]
import { coldClone, lookups, logSmallFiles } from './scenarios/foundation.mjs'
import { lfsLargeFile } from './scenarios/lfs.mjs'
import { lfsTransfer } from './scenarios/lfsTransfer.mjs'
import { registry } from './scenarios/registry.mjs'
import { remote } from './scenarios/remote.mjs'
import { review } from './scenarios/review.mjs'
import { site } from './scenarios/site.mjs'

const SCENARIOS = { logSmallFiles, lookups, coldClone, registry, lfsLargeFile, lfsTransfer, review, remote, site }

const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 5
const chosen = args.length > 0 ? args : Object.keys(SCENARIOS)

const rows = []
for (const name of chosen) {
  const scenario = SCENARIOS[name]
  if (!scenario) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`)
    process.exit(2)
  }
  process.stderr.write(`running ${name} (${runs} runs)...\n`)
  // A scenario may be async (one that serves requests from this process).
  rows.push(...(await scenario(runs)))
}

const header = ['scenario', 'gmr', 'baseline', 'ratio', 'goal', '']
const body = rows.map((r) => [
  r.scenario,
  r.gmr,
  r.baseline,
  `${r.ratio.toFixed(2)}x`,
  // A row without a goal is a comparison only.
  r.goal === undefined ? '-' : `<= ${r.goal}x`,
  r.goal === undefined ? '' : r.ratio <= r.goal ? 'ok' : 'MISSED',
])
const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
console.log(line(header))
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`)
for (const row of body) console.log(line(row))
