import type { VersionRecord } from '../git/versionIndex.js'
import type { HistoryEntry, HistoryResult } from '../ops/history.js'
import type { AliasInfo } from '../ops/listAliases.js'
import type { ModelDescription } from '../ops/support/describeModel.js'
import type { ArtifactSummary } from '../ops/listArtifacts.js'
import type { ModelSummary } from '../ops/listModels.js'
import type { ResolvedVersion } from '../ops/resolve.js'
import type { VersionFile } from '../ops/show.js'
import type { AliasRefChange } from '../domain/aliasSync.js'
import type { BranchProblem, DiffCounts, RegistryDiff, VersionSummary } from '../domain/registryDiff.js'
import type { RemoveAliasResult } from '../ops/removeAlias.js'
import type { SetAliasResult } from '../ops/setAlias.js'
import type { WriteSiteResult } from '../ops/buildSite.js'
import type { CheckResult } from '../ops/check.js'
import type { CloneResult } from '../ops/clone.js'
import type { CreateArtifactResult } from '../ops/createArtifact.js'
import type { CreateModelResult } from '../ops/createModel.js'
import type { FetchPlan, FetchResult } from '../ops/fetch.js'
import type { InitPlan, InitResult } from '../ops/init.js'
import type { LinkModelResult } from '../ops/link.js'
import type { LogVersionPlan, LogVersionResult } from '../ops/logVersion.js'
import type { MutationResult, PlannedChanges } from '../ops/support/mutate.js'
import type { RefMove } from '../ops/support/retiredBranches.js'
import type { PullPlan, PullResult } from '../ops/pull.js'
import type { PushPlan, PushResult } from '../ops/push.js'
import type { ArtifactSync } from '../ops/support/replayVersions.js'
import type { SyncResult } from '../ops/sync.js'
import type { TagsResult } from '../ops/support/modelTags.js'
import type { UnlinkModelResult } from '../ops/unlink.js'
import type { VerifyResult } from '../ops/verify.js'
import { annotate, versionAnnotation, versionOfKey, type AnnotationYaml } from '../domain/metadataAdditions.js'
import type { ListVersionsResult } from '../ops/listVersions.js'
import type { SetMetadataResult } from '../ops/setMetadata.js'
import type { ModelCardResult } from '../ops/support/modelCardFile.js'
import { isoDate } from './render.js'

// The --json contract (schemas/cli/*.schema.json): the top level is always an object;
// timestamps are ISO 8601 UTC; people are {name, email}; a count is <thing>Count and a
// list the plural noun; a version is one shape wherever it appears. These functions are
// the only way a command turns an operation's result into that shape.

export interface PersonJson {
  name: string
  email: string
}

/**
 * One version of an artifact, reached through the artifact or a registered model's link:
 * what resolving it found, and the version as its commit records it.
 */
export interface VersionJson extends Pick<ResolvedVersion, 'reference' | 'kind' | 'name' | 'version' | 'artifact' | 'artifactVersion' | 'commit'> {
  tree: string
  loggedAt: string
  author: PersonJson
  /** The added description when there is one (gmr meta set), else the logged one. */
  description?: string
  loggedDescription?: string
  addedDescription?: string
  /** The logged metadata with what was added after the fact merged over it. */
  metadata: Record<string, unknown>
  /** Where the command read the additions: as the commit records it, and what was added. */
  loggedMetadata?: Record<string, unknown>
  addedMetadata?: Record<string, unknown>
  source: { commit: string; dirty: boolean } | null
  /** For a registered model: when the link was made. */
  linkedAt?: string
}

/** `Name <email>` as git writes it. */
function personJson(identity: string): PersonJson {
  const match = /^(.*?)\s*<([^>]*)>$/.exec(identity)
  return match ? { name: match[1]!, email: match[2]! } : { name: identity, email: '' }
}

export function versionJson(resolved: ResolvedVersion): VersionJson {
  return {
    reference: resolved.reference,
    kind: resolved.kind,
    name: resolved.name,
    version: resolved.version,
    artifact: resolved.artifact,
    artifactVersion: resolved.artifactVersion,
    ...recordFields(resolved.record, resolved.additions),
    ...(resolved.link && { linkedAt: resolved.link.linkedAt }),
  }
}

/** A version as an artifact's list has it: the artifact's own numbering. */
function artifactVersionJson(artifact: string, record: VersionRecord, additions?: readonly AnnotationYaml[]): VersionJson {
  return {
    reference: `${artifact}:v${record.version}`,
    kind: 'artifact',
    name: artifact,
    version: record.version,
    artifact,
    artifactVersion: record.version,
    ...recordFields(record, additions),
  }
}

/** Without additions (none, or not read, e.g. `resolve --at`), the version as its commit records it: one object wherever it appears. */
function recordFields(record: VersionRecord, additions?: readonly AnnotationYaml[]) {
  return {
    commit: record.commit,
    tree: record.tree,
    loggedAt: isoDate(record.time),
    author: personJson(record.author),
    ...(additions === undefined || additions.length === 0
      ? { ...(record.description !== undefined && { description: record.description }), metadata: record.metadata }
      : annotate({ description: record.description, metadata: record.metadata }, ...additions)),
    source: record.source,
  }
}

export function versionsJson(result: ListVersionsResult) {
  const additions = (record: VersionRecord) => {
    const added = versionAnnotation({ name: result.artifact, additions: result.additions }, record.version)
    return added ? [added] : []
  }
  return {
    artifact: result.artifact,
    tip: result.tip,
    versionCount: result.versions.length,
    versions: result.versions.map((record) => artifactVersionJson(result.artifact, record, additions(record))),
  }
}

/**
 * `gmr versions --json` written out version by version, byte for byte what
 * `json(versionsJson(result))` prints (test/cli/versionsJsonText.test.ts holds the two
 * together): ten thousand versions are one template each instead of an object built,
 * kept and stringified, which is most of the command's time. A version with additions
 * (gmr meta set) goes through `artifactVersionJson`, where the merge is stated once.
 */
export function writeVersionsJson(result: ListVersionsResult, write: (text: string) => void): void {
  for (const piece of versionsJsonPieces(result)) write(piece)
}

/** `writeVersionsJson`'s pieces, each handed over when made: the caller prints (and keeps) one before the next exists. */
export function* versionsJsonPieces(result: ListVersionsResult): Generator<string> {
  const { artifact, versions } = result
  const name = JSON.stringify(artifact)
  const people = new Map<string, string>()
  const loggedAt = isoDates()
  // By number, looked up once each: a `v<N>` key built and looked up per version was a tenth of the time.
  const added = new Map<number, AnnotationYaml>()
  for (const [key, annotation] of Object.entries(result.additions)) {
    const version = versionOfKey(key)
    if (version !== null) added.set(version, annotation)
  }
  let text = `{\n  "artifact": ${name},\n  "tip": ${JSON.stringify(result.tip)},\n  "versionCount": ${versions.length},\n  "versions": [`
  if (versions.length === 0) text += ']'
  for (let i = 0; i < versions.length; i++) {
    const record = versions[i]!
    const annotation = added.get(record.version)
    text += i === 0 ? '\n    ' : ',\n    '
    if (annotation !== undefined) {
      text += indented(artifactVersionJson(artifact, record, [annotation]), '    ')
    } else {
      let person = people.get(record.author)
      if (person === undefined) {
        person = indented(personJson(record.author), '      ')
        people.set(record.author, person)
      }
      const v = record.version
      text +=
        `{\n      "reference": ${name.slice(0, -1)}:v${v}",\n      "kind": "artifact",\n      "name": ${name},\n      "version": ${v},` +
        `\n      "artifact": ${name},\n      "artifactVersion": ${v},\n      "commit": ${JSON.stringify(record.commit)},` +
        `\n      "tree": ${JSON.stringify(record.tree)},\n      "loggedAt": "${loggedAt(record.time)}",\n      "author": ${person},` +
        (record.description === undefined ? '' : `\n      "description": ${JSON.stringify(record.description)},`) +
        `\n      "metadata": ${indented(record.metadata, '      ')},\n      "source": ${indented(record.source, '      ')}\n    }`
    }
    // Written in pieces of about 64 KiB: one write per version costs a system call each.
    if (text.length >= 1 << 16) {
      yield text
      text = ''
    }
  }
  if (versions.length > 0) text += '\n  ]'
  yield `${text}\n}\n`
}

/** `JSON.stringify(value, null, 2)` for a value nested at `indent` (JSON strings hold no raw newline). */
function indented(value: unknown, indent: string): string {
  if (value === null) return 'null'
  return JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`)
}

/**
 * `isoDate` for many times, most of them on a few days: the date part is formatted once
 * per day, the time of day by arithmetic (a Date per version was a tenth of `versions`).
 */
function isoDates(): (seconds: number) => string {
  let day = NaN
  let prefix = ''
  return (seconds) => {
    if (!Number.isSafeInteger(seconds)) return isoDate(seconds)
    const today = Math.floor(seconds / 86_400)
    if (today !== day) {
      const date = isoDate(today * 86_400)
      day = today
      prefix = date.slice(0, date.indexOf('T') + 1)
    }
    const time = seconds - today * 86_400
    return `${prefix}${two(Math.floor(time / 3_600))}:${two(Math.floor(time / 60) % 60)}:${two(time % 60)}Z`
  }
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`
}

/** A file of a version: path, size and SHA-256 (for Git LFS files, from the pointer). */
function fileJson(file: VersionFile) {
  const { path, kind, size, sha256, oid, lfs, lfsOid } = file
  return { path, kind, size, sha256, oid, lfs, ...(lfsOid !== undefined && { lfsOid }) }
}

/** A version and its files: `show <name>:<selector>`, `manifest`. */
function versionFilesJson(resolved: ResolvedVersion, files: readonly VersionFile[]) {
  return { version: versionJson(resolved), fileCount: files.length, files: files.map(fileJson) }
}

/** `gmr meta set|rm --json`: the version or link changed, and its fields after the change. */
export function metaJson(result: SetMetadataResult) {
  const { reference, target, fields } = result
  return { reference, target, ...fields, edit: editJson(result) }
}

export function showVersionJson(resolved: ResolvedVersion, files: VersionFile[]) {
  return { kind: 'version' as const, ...versionFilesJson(resolved, files) }
}

export function manifestJson(resolved: ResolvedVersion, files: readonly VersionFile[]) {
  return versionFilesJson(resolved, files)
}

export function artifactJson(summary: ArtifactSummary) {
  const { versions, latest, ...rest } = summary
  return {
    ...rest,
    versionCount: versions,
    latest: latest === null ? null : { version: latest.version, commit: latest.commit, loggedAt: isoDate(latest.time) },
  }
}

export function modelSummaryJson(summary: ModelSummary) {
  const { links, latest, ...rest } = summary
  return { ...rest, linkCount: links, latestVersion: latest }
}

export function modelJson(model: ModelDescription) {
  return { ...model, linkCount: model.links.length }
}

export function aliasesJson(name: string, aliases: AliasInfo[]) {
  return { name, aliasCount: aliases.length, aliases }
}

export function historyJson(result: HistoryResult) {
  const entry = (e: HistoryEntry) => {
    const { time, author, mergedBy, tookEffect, ...rest } = e
    return {
      ...rest,
      at: isoDate(time),
      tookEffect: tookEffect.map((t) => ({ alias: t.alias, at: isoDate(t.time), ledgerCommit: t.ledgerCommit })),
      author: { name: author.name, email: author.email },
      authoredAt: isoDate(author.time),
      ...(mergedBy && { mergedBy: { name: mergedBy.name, email: mergedBy.email } }),
    }
  }
  return { name: result.name, registryBranch: result.registryBranch, entryCount: result.entries.length, entries: result.entries.map(entry) }
}

/** Where a remote download came from and what moved over the network (null for a local one). */
export interface DownloadRemoteJson {
  url: string
  transport: 'git' | 'isomorphic-git'
  transfer: { fetched: boolean; lfsObjects: number; lfsBytes: number }
}

/** `gmr download --json`, local and remote alike: the version, the folder, what was written, every file. */
export function downloadJson(
  result: { resolved: ResolvedVersion; dir: string; written: number; unchanged: number },
  files: readonly VersionFile[],
  remote: DownloadRemoteJson | null,
) {
  return {
    ...versionFilesJson(result.resolved, files),
    dir: result.dir,
    writtenCount: result.written,
    unchangedCount: result.unchanged,
    remote:
      remote === null
        ? null
        : {
            url: remote.url,
            transport: remote.transport,
            fetched: remote.transfer.fetched,
            lfsObjectCount: remote.transfer.lfsObjects,
            lfsByteCount: remote.transfer.lfsBytes,
          },
  }
}

/** A ref an edit or `sync` created, moved or deleted (`from`/`to` null where there is none). */
function refChangeJson(change: AliasRefChange) {
  return {
    ref: change.ref,
    action: change.action,
    from: change.action === 'create' ? null : change.from,
    to: change.action === 'delete' ? null : change.to,
  }
}

/** What a registry edit wrote: the `edit` object of every mutating command. */
function editJson(result: MutationResult) {
  return {
    changed: result.changed,
    commit: result.commit,
    paths: result.paths,
    onRegistryBranch: result.onRegistryBranch,
    registryBranch: result.registryBranch,
    refChanges: result.refs.map(refChangeJson),
  }
}

/** A ref that moves to a new name keeping its value (a removed artifact's branch). */
function refMoveJson({ from, to, oid }: RefMove) {
  return { from, to, oid }
}

/** What a dry run would change (schemas/cli/defs.schema.json#/$defs/plannedEdit). */
function plannedJson(planned: PlannedChanges) {
  return {
    committed: planned.committed,
    message: planned.message,
    fileCount: planned.files.length,
    files: planned.files.map(({ path, before, after }) => ({ path, before, after })),
    ledger: planned.ledger === null ? null : { moveCount: planned.ledger.moves.length, moves: planned.ledger.moves },
    refMoves: planned.refMoves.map(refMoveJson),
  }
}

/** A registry edit's document: the command's own fields, `dryRun`, and with --dry-run what would change. */
export function editDocumentJson<T extends object>(document: T, result: MutationResult) {
  return { ...document, dryRun: result.dryRun, ...(result.planned !== null && { planned: plannedJson(result.planned) }) }
}

export function initJson(result: InitResult) {
  return { dir: result.dir, registryBranch: result.registryBranch, commit: result.commit, config: initConfigJson(result.config) }
}

/** `gmr init --dry-run --json`: the file init would write and the branch that would get its commit. */
export function initPlanJson(plan: InitPlan) {
  return {
    dryRun: true,
    dir: plan.dir,
    registryBranch: plan.registryBranch,
    config: initConfigJson(plan.config),
    files: plan.files,
    refUpdates: [{ ref: plan.branch.ref, oldOid: plan.branch.old }],
  }
}

function initConfigJson(config: InitResult['config']) {
  const { formatVersion, registryBranch, largeFileThreshold, protectedAliases } = config
  return { formatVersion, registryBranch, largeFileThreshold, protectedAliases }
}

/** `gmr log --json`: the version (logged now, or the existing one with the same files) and what was written. */
export function logJson(result: LogVersionResult, resolved: ResolvedVersion) {
  return {
    version: versionJson(resolved),
    unchanged: result.unchanged,
    fileCount: result.files.length,
    lfsFileCount: result.files.filter((f) => f.lfs).length,
    writtenObjectCount: result.objectsWritten,
    writtenLfsObjectCount: result.lfsObjectsWritten,
    ...(result.unrecorded && { unrecorded: result.unrecorded }),
    aliases: (result.aliasesSet ?? []).map(aliasSetJson),
  }
}

/** `gmr log --dry-run --json`: the version a log would create (or the one it matches), its files, the LFS objects it would add. */
export function logPlanJson(plan: LogVersionPlan) {
  return {
    dryRun: true,
    reference: `${plan.artifact}:v${plan.version}`,
    artifact: plan.artifact,
    version: plan.version,
    unchanged: plan.unchanged,
    tree: plan.tree,
    fileCount: plan.files.length,
    lfsFileCount: plan.files.filter((f) => f.lfs).length,
    files: plan.files.map((f) => ({ path: f.path, size: f.size, lfs: f.lfs !== undefined })),
    newLfsObjectCount: plan.newLfsObjects,
    newLfsByteCount: plan.newLfsBytes,
    aliases: plan.aliases,
  }
}

export function artifactCreatedJson(result: CreateArtifactResult) {
  const { name, type, description } = result.manifest
  return { name, type: type ?? 'model', description: description ?? '', path: result.path, edit: editJson(result) }
}

export function modelCreatedJson(result: CreateModelResult) {
  const { name, description, tags } = result.manifest
  return { name, description: description ?? '', tags: tags ?? [], path: result.path, edit: editJson(result) }
}

export function linkResultJson(result: LinkModelResult | UnlinkModelResult) {
  return {
    model: result.model,
    link: result.link,
    ...('existed' in result && { existed: result.existed }),
    edit: editJson(result),
  }
}

/** An alias moving between versions of its owner (from/to null: it was not set, or is removed). */
function aliasMoveJson(name: string, alias: string, from: number | null, to: number | null) {
  return { name, alias, from, to }
}

export function aliasSetJson(result: SetAliasResult) {
  return { move: aliasMoveJson(result.name, result.alias, result.previous, result.version), edit: editJson(result) }
}

export function aliasRemovedJson(result: RemoveAliasResult) {
  return { move: aliasMoveJson(result.name, result.alias, result.previous, null), edit: editJson(result) }
}

export function tagsJson(result: TagsResult) {
  return { model: result.model, tagCount: result.tags.length, tags: result.tags, edit: editJson(result) }
}

export function syncJson(result: SyncResult) {
  return {
    registryBranch: result.registryBranch,
    commit: result.commit,
    dryRun: result.dryRun,
    refChangeCount: result.changes.length,
    refChanges: result.changes.map(refChangeJson),
    refMoves: result.retiredBranches.map(refMoveJson),
    danglingAliases: result.dangling.map((d) => ({ name: d.name, alias: d.alias, version: d.version })),
  }
}

export function checkJson(result: CheckResult) {
  const { checked } = result
  return {
    head: result.head,
    base: result.base,
    errorCount: result.errors,
    warningCount: result.warnings,
    findings: result.findings.map(({ severity, rule, message, file, line, col }) => ({
      severity,
      rule,
      message,
      ...(file !== undefined && { file }),
      ...(line !== undefined && { line }),
      ...(col !== undefined && { col }),
    })),
    checked: {
      manifestCount: checked.manifests,
      linkCount: checked.links,
      artifactBranchCount: checked.artifactBranches,
      versionCount: checked.versions,
      lfsObjectCount: checked.lfsObjects,
      aliasRefsAgainst: checked.aliasRefs,
    },
  }
}

export function diffJson(result: RegistryDiff) {
  const version = ({ time, ...rest }: VersionSummary) => ({ ...rest, loggedAt: time === null ? null : isoDate(time) })
  const branch = (problem: BranchProblem | null) =>
    problem === null
      ? null
      : problem.state === 'behind'
        ? { state: problem.state, missingCount: problem.missing }
        : problem.state === 'rewritten'
          ? { state: problem.state, fromVersion: problem.at }
          : { state: problem.state, versionCount: problem.versions }
  return {
    base: result.base,
    head: result.head,
    summary: result.summary,
    counts: diffCountsJson(result.counts),
    protectedAliases: result.protectedAliases,
    changes: result.changes.map(({ versionsLogged, branch: problem, ...change }) => ({
      ...change,
      versionsLogged: versionsLogged.map(version),
      branch: branch(problem),
    })),
    unreadable: result.unreadable,
  }
}

/** Each count as <thing>Count; a new DiffCounts field fails to compile here until it is named. */
function diffCountsJson(counts: DiffCounts) {
  const entities = ({ added, removed, changed }: DiffCounts['models']) => ({ addedCount: added, removedCount: removed, changedCount: changed })
  const named: { [K in Exclude<keyof DiffCounts, 'models' | 'artifacts'>]: string } = {
    versionsLogged: 'versionLoggedCount',
    linksAdded: 'linkAddedCount',
    linksRemoved: 'linkRemovedCount',
    linksChanged: 'linkChangedCount',
    aliasesSet: 'aliasSetCount',
    aliasesMoved: 'aliasMovedCount',
    aliasesRemoved: 'aliasRemovedCount',
    tagsAdded: 'tagAddedCount',
    tagsRemoved: 'tagRemovedCount',
    descriptionsChanged: 'descriptionChangedCount',
    typesChanged: 'typeChangedCount',
    additionsChanged: 'additionChangedCount',
    cardsChanged: 'cardChangedCount',
  }
  const { models, artifacts, ...rest } = counts
  return {
    models: entities(models),
    artifacts: entities(artifacts),
    ...Object.fromEntries(Object.entries(rest).map(([key, n]) => [named[key as keyof typeof named], n])),
  }
}

function artifactSyncJson(a: ArtifactSync) {
  return {
    artifact: a.artifact,
    relation: a.relation,
    localTip: a.localTip,
    remoteTip: a.remoteTip,
    replays: a.replayed.map((r) => ({ fromVersion: r.fromVersion, fromCommit: r.fromCommit, version: r.version, commit: r.commit })),
  }
}

export function cloneJson(result: CloneResult) {
  return {
    dir: result.dir,
    registryBranch: result.registryBranch,
    artifactCount: result.artifacts.length,
    artifacts: result.artifacts,
    aliasRefCount: result.aliases,
  }
}

export function fetchJson(result: FetchResult) {
  return { remote: result.remote, artifactCount: result.artifacts.length, artifacts: result.artifacts.map(artifactSyncJson) }
}

export function pullJson(result: PullResult) {
  return { ...fetchJson(result), relinkedModels: result.relinked, branch: result.branch }
}

/** `gmr fetch --dry-run --json`: the refs that would move here and what would become of each artifact branch. */
export function fetchPlanJson(plan: FetchPlan) {
  return {
    dryRun: true,
    remote: plan.remote,
    refUpdateCount: plan.refs.length,
    refUpdates: plan.refs.map((r) => ({ ref: r.ref, oldOid: r.old, newOid: r.new })),
    artifactCount: plan.artifacts.length,
    artifacts: plan.artifacts.map((a) => ({ artifact: a.artifact, relation: a.relation, localTip: a.localTip, remoteTip: a.remoteTip, localOnlyVersionCount: a.localOnly })),
  }
}

/** `gmr pull --dry-run --json`: the fetch plan and how the current branch would take the remote's. */
export function pullPlanJson(plan: PullPlan) {
  return { ...fetchPlanJson(plan), branch: plan.branch }
}

/** `gmr push --json`, and with --dry-run the plan: each ref with what the remote holds and will hold, its lease, the new versions. */
export function pushJson(result: PushResult | PushPlan) {
  const done = 'plan' in result
  const plan = done ? result.plan : result
  return {
    dryRun: !done,
    remote: plan.remote.name,
    refUpdateCount: plan.refs.length,
    refUpdates: plan.refs.map((u) => ({
      ref: u.dst,
      source: u.src === '' ? null : u.src,
      deleted: u.src === '',
      oldOid: u.old,
      newOid: u.new,
      fastForward: u.fastForward,
      lease: u.expect === undefined ? null : { expectedOid: u.expect },
    })),
    newVersionCount: plan.versions.length,
    newVersions: plan.versions.map((v) => ({ reference: `${v.artifact}:v${v.version}`, artifact: v.artifact, version: v.version, commit: v.commit })),
    lfsObjectCount: done ? result.lfs.objects : plan.lfsObjects.length,
    lfsByteCount: done ? result.lfs.bytes : plan.lfsBytes,
  }
}

export function verifyJson(result: VerifyResult) {
  return {
    version: versionJson(result),
    verified: result.problems.length === 0,
    signature: result.signature,
    objectCount: result.objectCount,
    largeFileCount: result.largeFileCount,
    largeFileByteCount: result.largeFileBytes,
    registryCommits: result.registryCommits,
    problemCount: result.problems.length,
    problems: result.problems,
  }
}

export function siteJson(result: WriteSiteResult) {
  return {
    out: result.out,
    source: result.source,
    fileCount: result.files,
    modelPageCount: result.models,
    artifactPageCount: result.artifacts,
    byteCount: result.bytes,
    largestPage: { path: result.largest.path, byteCount: result.largest.bytes },
  }
}

/** `gmr card <model> [--set FILE] --json`: the card's front matter and body (and, with --set, the edit). */
export function cardJson(card: ModelCardResult | (ModelCardResult & MutationResult)) {
  return {
    model: card.model,
    path: card.path,
    frontMatter: card.frontMatter,
    body: card.body,
    ...('changed' in card && { edit: editJson(card) }),
  }
}

/** Under --json an error is one object on stderr, with the same exit code. */
export function errorJson(code: string, message: string) {
  return { error: { code, message } }
}
