import type { Command } from 'commander'
import { describeEvent } from '../../domain/manifestEvents.js'
import type { HistoryEntry } from '../../ops/history.js'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { historyJson } from '../jsonOutput.js'
import { examples } from '../options.js'
import { isoDate, json, shortOid } from '../render.js'
import { operations } from '../operations.js'

export function registerHistory(program: Command, io: CliIo): void {
  program
    .command('history')
    .description("who changed a registered model's or an artifact's manifest, what and when (registry branch), newest first")
    .argument('<name>', 'a registered model or an artifact')
    .option('--json', 'print the history as JSON')
    .addHelpText('after', examples('gmr history churn-model', 'gmr resolve churn-model:production --at 2026-11-01', 'git log refs/gmr/ledger'))
    .action(async (name: string, opts: { json?: boolean }) => {
      const { history } = await operations.history()
      const result = await history({ ...repoOptions(io), name })
      if (opts.json) return io.stdout(json(historyJson(result)))
      if (result.entries.length === 0) {
        return io.stdout(`${name} has no history on the registry branch (${result.registryBranch}) yet\n`)
      }
      for (const entry of result.entries) {
        const merged = entry.mergedBy ? `, merged by ${entry.mergedBy.name} in ${shortOid(entry.commit)}` : ''
        const as = entry.name === undefined ? '' : ` (as ${entry.name})`
        io.stdout(`${isoDate(entry.time)}  ${shortOid(entry.origin ?? entry.commit)}  ${entry.author.name} <${entry.author.email}>${merged}${as}\n`)
        if (entry.renamedFrom !== undefined) io.stdout(`    renamed from ${entry.renamedFrom}\n`)
        for (const event of entry.events) io.stdout(`    ${describeEvent(event)}\n`)
        for (const event of entry.events) if ('alias' in event) io.stdout(`    ${timesOf(entry, event.alias)}\n`)
      }
    })
}

/** For an alias change: proposed (the change's own commit), merged (reached the registry branch) and took effect (the ledger). */
function timesOf(entry: HistoryEntry, alias: string): string {
  const effect = entry.tookEffect.find((t) => t.alias === alias)
  const proposed = entry.origin ? `proposed ${isoDate(entry.author.time)}, ` : ''
  return `${alias}: ${proposed}merged ${isoDate(entry.time)}, ${effect ? `took effect ${isoDate(effect.time)}` : 'took effect: no ledger record'}`
}
