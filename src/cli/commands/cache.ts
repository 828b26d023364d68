import type { Command } from 'commander'
import type { CachePruneResult } from '../../ops/pruneCache.js'
import type { CacheEntry, CacheListResult, CacheOptions } from '../../ops/support/cacheEntries.js'
import type { CliIo } from '../io.js'
import { PLAN_ONLY_HELP } from '../dryRun.js'
import { NOTHING_CHANGED } from '../renderPlan.js'
import { examples } from '../options.js'
import { humanSize, json } from '../render.js'
import { operations } from '../operations.js'

export function registerCache(program: Command, io: CliIo): void {
  const cache = program
    .command('cache')
    .description('the deployment cache of "gmr download <url>#…" ($XDG_CACHE_HOME/gmr, else ~/.cache/gmr): list, prune, clear')
    .addHelpText(
      'after',
      `
One bare repository per remote URL. GMR_CACHE_MAX=SIZE (or git config gmr.cacheMax SIZE)
bounds it after every remote download, removing the least recently used entries first.
An entry a download is using is never removed: it is skipped with a note.
`,
    )
  const options = (): CacheOptions => ({ fs: io.fs, env: io.env, cwd: io.cwd })
  cache
    .command('ls')
    .description('list the cached remotes, their size and when a download last used them')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('gmr cache ls', 'gmr cache ls --json'))
    .action(async (opts: { json?: boolean }) => {
      const { listCache } = await operations.listCache()
      const result = await listCache(options())
      io.stdout(opts.json ? json(result) : renderList(result))
    })
  cache
    .command('prune')
    .description('remove entries not used for a while, and least recently used ones until the cache fits a size')
    .option('--max-size <size>', 'keep the cache at most this big (e.g. 10G, 500M)')
    .option('--older-than <duration>', 'remove entries no download used for this long (e.g. 30d, 12h)')
    .option('--dry-run', PLAN_ONLY_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples('gmr cache prune --older-than 30d', 'gmr cache prune --max-size 20G', 'gmr cache prune --max-size 5G --older-than 7d --json', 'gmr cache prune --older-than 30d --dry-run'),
    )
    .action(async (opts: { maxSize?: string; olderThan?: string; dryRun?: boolean; json?: boolean }) => {
      const { pruneCache } = await operations.pruneCache()
      const result = await pruneCache({
        ...options(),
        ...(opts.maxSize !== undefined && { maxSize: opts.maxSize }),
        ...(opts.olderThan !== undefined && { olderThan: opts.olderThan }),
        dryRun: opts.dryRun ?? false,
      })
      renderPrune(io, result, opts.json ?? false)
    })
  cache
    .command('clear')
    .description('remove every entry (those in use are skipped)')
    .option('--dry-run', PLAN_ONLY_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('gmr cache clear', 'gmr cache clear --dry-run'))
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const { pruneCache } = await operations.pruneCache()
      renderPrune(io, await pruneCache({ ...options(), all: true, dryRun: opts.dryRun ?? false }), opts.json ?? false)
    })
}

function describe(entry: CacheEntry): string {
  return `${humanSize(entry.size).padStart(10)}  ${entry.usedAt}  ${entry.url ?? `(unknown remote) ${entry.path}`}${entry.inUse ? '  (in use)' : ''}`
}

function renderList(result: CacheListResult): string {
  const lines = result.entries.map(describe)
  lines.push(`${result.entryCount} cached remote${result.entryCount === 1 ? '' : 's'}, ${humanSize(result.size)} in ${result.root}`)
  return `${lines.join('\n')}\n`
}

function renderPrune(io: CliIo, result: CachePruneResult, asJson: boolean): void {
  for (const note of result.notes) io.stderr(`note: ${note}\n`)
  if (asJson) return io.stdout(json(result))
  const [removed, freed, left] = result.dryRun ? ['would remove', 'would free', 'would be left'] : ['removed', 'freed', 'left']
  const lines = result.removed.map((entry) => `${removed} ${describe(entry).trimStart()}`)
  lines.push(`${freed} ${humanSize(result.freedSize)}; ${result.entryCount} cached remote${result.entryCount === 1 ? '' : 's'} ${left}, ${humanSize(result.size)}`)
  io.stdout(`${lines.join('\n')}\n${result.dryRun ? NOTHING_CHANGED : ''}`)
}
