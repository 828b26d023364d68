import { manifestPath, type NameKind } from '../domain/layout.js'
import { manifestEvents, type ManifestEvent } from '../domain/manifestEvents.js'
import type { ManifestYaml } from '../domain/manifests.js'
import { assertName } from '../domain/names.js'
import { movesOf, type LedgerRecord } from '../domain/ledger.js'
import { readLedger } from '../git/ledger.js'
import type { RegistryLogEntry, Signature } from '../git/registryLog.js'
import { kindOfName, unknownName } from './support/catalog.js'
import { openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import { manifestTimeline } from './support/manifestTimeline.js'
import { formerNames } from './support/retiredLookup.js'

export interface HistoryOptions extends RepoOptions {
  name: string
}

/** One commit's changes to one manifest, on the registry branch. */
export interface HistoryEntry {
  commit: string
  /** When the change reached the registry branch. */
  time: number
  /** Who made the change (for a merged pull request: the commit on the merged branch). */
  author: Signature
  /** The commit on the merged branch that made the change, when it arrived by merge. */
  origin?: string
  /** For a merge: who merged it. */
  mergedBy?: Signature
  subject: string
  kind: NameKind
  events: ManifestEvent[]
  /** The name the manifest had then, when it is a former name (see `gmr model rename`). */
  name?: string
  /** The commit that renamed the manifest from this former name. */
  renamedFrom?: string
  /** For each alias the change moves: when its ref actually moved (the ledger's record); absent while it has not (not synced yet) or before the ledger. */
  tookEffect: TookEffect[]
}

/** When an alias change reached deployments: the ledger commit that moved its ref. */
export interface TookEffect {
  alias: string
  time: number
  ledgerCommit: string
}

export interface HistoryResult {
  name: string
  registryBranch: string
  /** Newest first. */
  entries: HistoryEntry[]
}

/** Every change to a name's manifest on the registry branch, newest first. */
export async function history(options: HistoryOptions): Promise<HistoryResult> {
  assertName(options.name)
  const ctx = await openRegistryContext(options)
  const { registryBranch } = await ctx.config()
  const timeline = await renamedTimeline(ctx, options.name)
  if (timeline.states.length === 0 && (await kindOfName(ctx.repo, options.name)) === null) {
    throw await unknownName(ctx.repo, options.name)
  }
  const { records } = await readLedger(ctx.repo)
  const entries: HistoryEntry[] = []
  let previous: ManifestYaml | null = null
  for (const { entry, kind, data, name, renamedFrom } of timeline.states) {
    const origin = entry.origins?.[manifestPath(kind, name)]
    entries.push({
      commit: entry.commit,
      time: entry.time,
      author: origin?.author ?? entry.author,
      ...(origin && { origin: origin.commit, mergedBy: entry.author }),
      subject: entry.subject,
      kind,
      events: manifestEvents(previous, data),
      ...(name !== options.name && { name }),
      ...(renamedFrom !== undefined && { renamedFrom }),
      tookEffect: tookEffect(records, name, entry.time, manifestEvents(previous, data)),
    })
    previous = data
  }
  return { name: options.name, registryBranch, entries: entries.reverse() }
}

interface NamedState {
  entry: RegistryLogEntry
  kind: NameKind
  data: ManifestYaml | null
  name: string
  renamedFrom?: string
}

/**
 * `manifestTimeline` of `name` preceded by those of the names it had before (its renames,
 * as registry/retired.yaml records them), each up to the commit that renamed it.
 */
async function renamedTimeline(
  ctx: RegistryContext,
  name: string,
): Promise<{ states: NamedState[] }> {
  const names = [...(await formerNames(ctx.repo, name)), name]
  const timelines = await Promise.all(
    names.map(async (n) => (await manifestTimeline(ctx, n)).states.map((state): NamedState => ({ ...state, name: n }))),
  )
  const states: NamedState[] = []
  for (const [i, timeline] of timelines.entries()) {
    const next = timelines[i + 1]?.[0]
    if (next === undefined) {
      states.push(...timeline)
      continue
    }
    const end = timeline.findIndex((state) => state.data === null && state.entry.commit === next.entry.commit)
    states.push(...(end < 0 ? timeline : timeline.slice(0, end)))
    next.renamedFrom = names[i]!
  }
  return { states }
}

/**
 * The first ledger move, at or after the change reached the registry branch, that put
 * each changed alias where the change says: when deployments started to see it.
 */
function tookEffect(records: readonly LedgerRecord[], name: string, since: number, events: readonly ManifestEvent[]): TookEffect[] {
  const found: TookEffect[] = []
  for (const event of events) {
    if (event.type !== 'alias-set' && event.type !== 'alias-moved' && event.type !== 'alias-removed') continue
    const target = event.type === 'alias-moved' ? event.to : event.type === 'alias-set' ? event.version : null
    const move = movesOf(records, name, event.alias).find(
      (m) => m.record.time >= since && (target === null ? m.move.to === null : m.move.to?.version === target),
    )
    if (move) found.push({ alias: event.alias, time: move.record.time, ledgerCommit: move.record.commit })
  }
  return found
}
