import type { ListVersionsResult } from '../ops/listVersions.js'
import type { VersionsRendering } from '../ops/renderVersions.js'
import type { ResolvedVersion } from '../ops/resolve.js'
import type { ResolveAtResult } from '../ops/resolveAt.js'
import { annotate, versionAnnotation } from '../domain/metadataAdditions.js'
import type { CliIo } from './io.js'
import { versionJson, versionsJsonPieces } from './jsonOutput.js'
import { isoDate, json, shortOid, table } from './render.js'
import { ADDED_LEGEND, annotatedInline } from './renderMetadata.js'
import { VERSION } from './version.js'

// What the lookups print, apart from their command definitions: the start-up fast path
// (lookupRun.ts) prints through these without loading the program or src/cli/operations.ts.

/** What `gmr resolve` prints; also the start-up fast path's (lookupRun.ts). */
export function printResolved(io: CliIo, result: ResolvedVersion | ResolveAtResult, opts: { at?: string; json?: boolean }): void {
  if (opts.json) {
    const source = 'source' in result ? { source: result.source } : {}
    return io.stdout(json({ ...(opts.at !== undefined && { at: opts.at }), ...source, version: versionJson(result) }))
  }
  io.stdout(`${result.commit}\n`)
}

/**
 * The printed form of `gmr versions --json` and of its table: part of the key under which
 * the output is kept (src/ops/support/renderCache.ts) beside gmr's version. Raise it with
 * any change to what either prints, or a kept output of the old form would be printed.
 */
const VERSIONS_OUTPUT_FORMAT = 1

/** What `gmr versions` prints, as `renderVersions` keeps it; also the start-up fast path's (lookupRun.ts). */
export function versionsRendering(opts: { json?: boolean }): VersionsRendering {
  return {
    form: opts.json ? 'json' : 'text',
    version: `${VERSION}/${VERSIONS_OUTPUT_FORMAT}`,
    render: opts.json ? versionsJsonText : versionsTable,
  }
}

function* versionsJsonText(result: ListVersionsResult): Generator<Buffer> {
  // Each piece made bytes at once and handed on (printed and kept) before the next is made:
  // the output is never whole in memory, however many versions it has.
  for (const piece of versionsJsonPieces(result)) yield Buffer.from(piece, 'utf8')
}

/** The table in one piece: its columns are as wide as their widest cell, known only at the end. */
function* versionsTable(result: ListVersionsResult): Generator<Buffer> {
  yield Buffer.from(versionsTableText(result), 'utf8')
}

function versionsTableText(result: ListVersionsResult): string {
  const { artifact, versions, additions } = result
  if (versions.length === 0) return `${artifact} has no versions yet\n`
  const rows = versions.map((v) => [
    `v${v.version}`,
    shortOid(v.commit),
    isoDate(v.time),
    v.author.replace(/ <.*>$/, ''),
    annotatedInline(annotate(v, versionAnnotation({ name: artifact, additions }, v.version))),
  ])
  const legend = Object.keys(additions).length > 0 ? `${ADDED_LEGEND}\n` : ''
  return table(['VERSION', 'COMMIT', 'LOGGED', 'AUTHOR', 'METADATA'], rows) + legend
}
