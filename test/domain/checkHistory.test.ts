import { describe, expect, it } from 'vitest'
import { locateFindings, type Finding } from '../../src/domain/checkFindings.js'
import { checkRegistry } from '../../src/domain/checkRegistry.js'
import type { ModelYaml } from '../../src/domain/manifests.js'
import { buildSnapshot, commitOf, model, oid, type SnapshotSpec } from '../helpers/registrySnapshot.js'

const MODEL = 'registry/models/churn-model.yaml'
const c = (artifact: string, n: number) => commitOf(artifact, n).slice(0, 10)

/** Check `head` against `base` and keep only the history rules' findings. */
function history(base: SnapshotSpec, head: SnapshotSpec): string[] {
  const built = buildSnapshot({ label: 'work tree', ...head })
  const findings = checkRegistry({ head: built.snapshot, base: buildSnapshot({ label: 'origin/main', ...base }).snapshot })
  return locateFindings(findings, built.texts)
    .filter((f: Finding) => f.rule.startsWith('history') || f.rule === 'protected-alias')
    .map((f) => `${[f.file, f.line, f.col].filter((p) => p !== undefined).join(':')} ${f.severity} ${f.rule}: ${f.message}`)
}

const twoLinks = () => model('churn-model', { links: [0, 1], aliases: { production: 0 } })

describe('check --base: history is append-only', () => {
  it('appending links, unlinking, moving ordinary aliases and tagging are all fine', () => {
    const grown = model('churn-model', { links: [0, 1, 2], aliases: { production: 0, staging: 2 }, tags: ['new'] })
    grown.versions = grown.versions!.filter((l) => l.version !== 1)
    expect(history({ models: { 'churn-model': twoLinks() }, branches: { churn: 3 } }, { models: { 'churn-model': grown }, branches: { churn: 3 } })).toEqual([])
  })

  it('an existing link may not be edited: neither what it points at nor when it was made', () => {
    const edited = twoLinks()
    edited.versions![0] = { ...edited.versions![0]!, artifactVersion: 2, commit: commitOf('churn', 2) }
    edited.versions![1] = { ...edited.versions![1]!, linkedAt: '2027-01-01T00:00:00Z' }
    expect(history({ models: { 'churn-model': twoLinks() }, branches: { churn: 3 } }, { models: { 'churn-model': edited }, branches: { churn: 3 } })).toEqual([
      `${MODEL}:6:5 error history-link-changed: link v0 changed: it was churn:v0 (${c('churn', 0)}), now it is churn:v2 (${c('churn', 2)}); links are never edited: unlink it and link the version again (it gets a new number)`,
      `${MODEL}:11:5 error history-link-changed: link v1's linkedAt changed from 2026-11-01T10:00:00Z to 2027-01-01T00:00:00Z; links are never edited: unlink it and link the version again (it gets a new number)`,
    ])
  })

  it('a link may not be renumbered, and a number once given out is never reused', () => {
    const base = model('churn-model', { links: [0, 1, 2], nextVersion: 4 })
    base.versions = base.versions!.slice(0, 2) // v2 was unlinked: nextVersion keeps 3 from coming back… and 2 too
    const head = model('churn-model', { links: [0] })
    head.versions!.push({ version: 5, artifact: 'churn', artifactVersion: 1, commit: commitOf('churn', 1), linkedAt: '2026-11-01T10:00:00Z' })
    head.versions!.push({ version: 2, artifact: 'churn', artifactVersion: 2, commit: commitOf('churn', 2), linkedAt: '2026-11-02T10:00:00Z' })
    head.nextVersion = 6
    expect(history({ models: { 'churn-model': base }, branches: { churn: 3 } }, { models: { 'churn-model': head }, branches: { churn: 3 } })).toEqual([
      `${MODEL}:11:14 error history-link-renumbered: link v1 (churn:v1) was renumbered to v5; link numbers never change, put it back as v1`,
      `${MODEL}:16:14 error history-number-reused: link number v2 was given out before (in origin/main) and numbers are never reused; this link should be v6 ("gmr link" picks the number)`,
    ])
  })

  it('dropping nextVersion by hand would give old numbers out again', () => {
    const base = model('churn-model', { links: [0, 1], nextVersion: 3 })
    const head = model('churn-model', { links: [0, 1] })
    expect(history({ models: { 'churn-model': base }, branches: { churn: 2 } }, { models: { 'churn-model': head }, branches: { churn: 2 } })).toEqual([
      `${MODEL}:5:1 error history-number-reused: link numbers up to v2 were given out before (in origin/main), but this manifest would give out v2 next; add nextVersion: 3`,
    ])
  })

  it('a change to a protected alias is a warning that names it, on the alias line; others are not', () => {
    const base = { models: { 'churn-model': twoLinks(), ranker: model('ranker', { links: [0], aliases: { production: 0, staging: 0 } }) }, branches: { churn: 2 } }
    const moved = model('churn-model', { links: [0, 1], aliases: { production: 1 } })
    const removed = model('ranker', { links: [0], aliases: { staging: 0 } })
    const created = model('fresh', { links: [1], aliases: { production: 0 } })
    expect(history(base, { models: { 'churn-model': moved, ranker: removed, fresh: created }, branches: { churn: 2 } })).toEqual([
      'registry/models/churn-model.yaml:17:3 warning protected-alias: protected alias production of churn-model moves v0 -> v1; review it: once merged and synced, whatever deploys churn-model:production gets v1',
      'registry/models/fresh.yaml:12:3 warning protected-alias: protected alias production of fresh is set to v0; review it: once merged and synced, whatever deploys fresh:production gets v0',
      'registry/models/ranker.yaml:11:1 warning protected-alias: protected alias production of ranker is removed (it was v0); review it: once merged and synced, whatever deploys ranker:production gets nothing',
    ])
  })

  it("the base's protectedAliases decide, so a proposal cannot unprotect an alias in the same change", () => {
    const base = { models: { 'churn-model': twoLinks() }, branches: { churn: 2 }, config: { protectedAliases: ['production'] } }
    const head = { models: { 'churn-model': model('churn-model', { links: [0, 1], aliases: { production: 1 } }) }, branches: { churn: 2 }, config: { protectedAliases: [] } }
    expect(history(base, head)).toHaveLength(1)
  })

  it('deleting a manifest with no record is an error that says what goes with it and how to remove it', () => {
    const how = (kind: string, name: string) =>
      `remove it with "gmr ${kind} rm ${name}" (or "gmr model rename"), which records the removal in registry/retired.yaml, or restore the file`
    expect(history({ models: { 'churn-model': twoLinks() }, artifacts: { churn: { name: 'churn', aliases: { best: 1 } } }, branches: { churn: 2 } }, { branches: { churn: 2 } })).toEqual([
      ` error history-removed: registry/artifacts/churn.yaml is deleted with no record in registry/retired.yaml: artifact churn would lose its description and aliases silently; ${how('artifact', 'churn')}`,
      ` error history-removed: registry/models/churn-model.yaml is deleted with no record in registry/retired.yaml: registered model churn-model and its 2 links and 1 alias (in origin/main) would leave silently; ${how('model', 'churn-model')}`,
    ])
  })

  it('a removal or rename registry/retired.yaml records is accepted; the record itself is append-only', () => {
    const by = { name: 'Ann', email: 'ann@example.com' }
    const old = { kind: 'model' as const, name: 'old-model', reason: 'replaced', retiredAt: '2026-11-01T10:00:00Z', by }
    const renamed = { kind: 'model' as const, name: 'churn-model', renamedTo: 'churn-classifier', retiredAt: '2026-11-02T10:00:00Z', by }
    const removed = { kind: 'artifact' as const, name: 'scratch', retiredAt: '2026-11-02T10:00:00Z', by }
    const run = (baseRecord: unknown[], headRecord: unknown[], head: SnapshotSpec) => {
      const built = buildSnapshot({ label: 'work tree', ...head })
      const base = buildSnapshot({ label: 'origin/main', models: { 'churn-model': twoLinks() }, artifacts: { scratch: { name: 'scratch' } }, branches: { churn: 2, scratch: 1 } }).snapshot
      base.retired = { path: 'registry/retired.yaml', data: { retired: baseRecord as never }, problems: [] }
      built.snapshot.retired = { path: 'registry/retired.yaml', data: { retired: headRecord as never }, problems: [] }
      return checkRegistry({ head: built.snapshot, base }).filter((f) => f.rule.startsWith('history')).map((f) => `${f.severity} ${f.rule}`)
    }
    const after = { models: { 'churn-classifier': { ...twoLinks(), name: 'churn-classifier' } }, branches: { churn: 2 } }
    expect(run([old], [old, renamed, removed], after)).toEqual([])
    // The same deletions with only the old entry: nothing records them.
    expect(run([old], [old], after)).toEqual(['error history-removed', 'error history-removed', 'warning history-artifact-behind'])
    // Dropping an entry the base had is refused, and then nothing counts as recorded.
    expect(run([old], [renamed, removed], after)).toEqual(['error history-retired-rewritten', 'error history-removed', 'error history-removed', 'warning history-artifact-behind'])
  })

  it("against a remote's artifact branches: growing is fine, being behind is a warning, a rewrite an error", () => {
    const remote = (artifact: string) => `refs/remotes/origin/artifacts/${artifact}`
    const rewritten = [{}, {}, { commit: oid('other v2') }, { commit: oid('other v3') }]
    expect(
      history(
        { branches: { grown: 2, behind: 3, rewritten: 3, gone: 1 }, branchRef: remote },
        { branches: { grown: 4, behind: 1, rewritten } },
      ),
    ).toEqual([
      ' error history-artifact-rewritten: artifacts/rewritten was rewritten: v2 is ' +
        `${oid('other v2').slice(0, 10)} here but ${c('rewritten', 2)} on origin/artifacts/rewritten; artifact branches only grow, so restore it (git branch -f artifacts/rewritten origin/artifacts/rewritten) and log the new files again`,
      ' warning history-artifact-behind: artifacts/behind is 2 versions behind origin/artifacts/behind; fetch it (git fetch origin artifacts/behind:artifacts/behind)',
      ' warning history-artifact-behind: artifacts/gone is on origin/artifacts/gone (origin/main) but not here; fetch it (git fetch origin artifacts/gone:artifacts/gone)',
    ])
  })

  it("a version the base linked must still be there, even after its link was removed", () => {
    const head: ModelYaml = { ...model('churn-model', { links: [0], aliases: { production: 0 } }), nextVersion: 2 }
    // Both states see the same local branch, rewritten under the link the proposal removes.
    const shifted = [{}, { commit: oid('replaced v1') }]
    expect(history({ models: { 'churn-model': twoLinks() }, branches: { churn: shifted } }, { models: { 'churn-model': head }, branches: { churn: shifted } })).toEqual([
      ` error history-artifact-rewritten: artifacts/churn was rewritten: origin/main links churn-model:v1 to churn:v1 = ${c('churn', 1)}, but here v1 is ${oid('replaced v1').slice(0, 10)}; artifact branches only grow`,
    ])
  })

  it('a manifest that does not parse on either side adds no history findings (the parse error is the finding)', () => {
    const broken = '# yaml-language-server: $schema=https://gmr.dev/schemas/model.schema.json\nname: [\n'
    expect(history({ models: { 'churn-model': broken } }, { models: { 'churn-model': twoLinks() }, branches: { churn: 2 } })).toEqual([
      'registry/models/churn-model.yaml:17:3 warning protected-alias: protected alias production of churn-model is set to v0; review it: once merged and synced, whatever deploys churn-model:production gets v0',
    ])
    expect(history({ models: { 'churn-model': twoLinks() }, branches: { churn: 2 } }, { models: { 'churn-model': broken }, branches: { churn: 2 } })).toEqual([])
  })
})
