import type { ListVersionsResult } from '../ops/listVersions.js'
import type { ResolvedVersion } from '../ops/resolve.js'
import type { ResolveAtResult } from '../ops/resolveAt.js'
import { annotate, versionAnnotation } from '../domain/metadataAdditions.js'
import type { CliIo } from './io.js'
import { versionJson, writeVersionsJson } from './jsonOutput.js'
import { isoDate, json, shortOid, table } from './render.js'
import { ADDED_LEGEND, annotatedInline } from './renderMetadata.js'

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

/** What `gmr versions` prints; also the start-up fast path's (lookupRun.ts). */
export function printVersions(io: CliIo, artifact: string, result: ListVersionsResult, opts: { json?: boolean }): void {
  if (opts.json) return writeVersionsJson(result, io.stdout)
  if (result.versions.length === 0) return io.stdout(`${artifact} has no versions yet\n`)
  io.stdout(
    table(
      ['VERSION', 'COMMIT', 'LOGGED', 'AUTHOR', 'METADATA'],
      result.versions.map((v) => [
        `v${v.version}`,
        shortOid(v.commit),
        isoDate(v.time),
        v.author.replace(/ <.*>$/, ''),
        annotatedInline(annotate(v, versionAnnotation({ name: artifact, additions: result.additions }, v.version))),
      ]),
    ),
  )
  if (Object.keys(result.additions).length > 0) io.stdout(`${ADDED_LEGEND}\n`)
}
