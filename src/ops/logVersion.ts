import { sleep } from '../domain/async.js'
import { GmrError, InvalidInputError, InvalidMetadataError } from '../domain/errors.js'
import { mergeMetadata, type Metadata } from '../domain/metadataMerge.js'
import { annotate, metaSetCommand, unrecordedFields, versionAnnotation, type UnrecordedFields } from '../domain/metadataAdditions.js'
import { assertAlias, assertName } from '../domain/names.js'
import { resolvePath } from '../domain/paths.js'
import type { VersionMessage, VersionSource } from '../domain/versionMessage.js'
import { formatPlainVersionMessage } from '../domain/versionMessageBody.js'
import { collectFiles } from '../git/collectFiles.js'
import { LfsStore, type LfsProgressCallback } from '../git/lfsStore.js'
import { formatIdentity } from '../git/commit.js'
import { writeLooseObject } from '../git/objects.js'
import { clearAbandonedRefLock, readRef, readSymbolicRef, updateRef } from '../git/refs.js'
import type { Repo } from '../git/repo.js'
import { snapshotFiles, type Snapshot, type SnapshotEntry } from '../git/versionTree.js'
import { StatCache } from '../git/statCache.js'
import { isWorkTreeDirty } from '../git/status.js'
import { artifactRef } from '../domain/layout.js'
import { appendVersion, loadSoundVersions, versionRecord, type ArtifactVersions } from '../git/versionIndex.js'
import { commitSigner, encodeSignedCommit } from '../git/signing.js'
import { assertNameFree } from './support/catalog.js'
import { assertUnprotected } from './support/aliasRefs.js'
import { ManifestStore } from './support/manifestStore.js'
import { loadAliasEdits, loadMetadataParser, loadVersionMessageWriter } from './support/lazyModules.js'
import { assertNotBare, commitIdentities, openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import type { SetAliasResult } from './setAlias.js'
import { assertNameNotRetired } from './support/retiredGuard.js'

export interface LogVersionOptions extends RepoOptions {
  artifact: string
  /** Files and folders to log; relative paths are taken from `cwd` (default: `dir`). */
  paths: readonly string[]
  cwd?: string
  /** What this version is (`gmr log -m`), kept in the version commit's message as `description`. */
  description?: string
  /** User metadata: metrics, framework, hyper-parameters. */
  metadata?: Metadata
  /** A JSON or YAML file of metadata; `metadata` wins key by key. */
  metadataFile?: string
  /** Files of at least this many bytes go to Git LFS; default: `largeFileThreshold` in registry.yaml. */
  largeFileThreshold?: number
  /** Called as large files are hashed into the LFS store (every chunk; throttle to taste). */
  onProgress?: LfsProgressCallback
  /** Aliases to point at the version (in the artifact's manifest, committed after the version). */
  aliases?: readonly string[]
  /** Allow moving a protected alias on the registry branch. */
  force?: boolean
  /** Allow starting an artifact under a name registry/retired.yaml records as retired (the record stays). */
  reuseRetiredName?: boolean
}

export interface LogVersionResult {
  artifact: string
  version: number
  commit: string
  tree: string
  /** True when an existing version already had exactly these files: nothing was written. */
  unchanged: boolean
  files: SnapshotEntry[]
  /** New git objects written. */
  objectsWritten: number
  /** New objects written to the Git LFS store. */
  lfsObjectsWritten: number
  /** With `aliases`: each alias set on the version, in the order given. */
  aliasesSet?: SetAliasResult[]
  /**
   * For an unchanged version: the metadata and description given that it does not hold,
   * which this log did not record, and the command that records them.
   */
  unrecorded?: UnrecordedFields & { command: string }
}

const MAX_ATTEMPTS = 200

/**
 * Log a new version of an artifact: one commit on `refs/heads/artifacts/<artifact>`,
 * built from objects, so the user's index, work tree and HEAD are never touched.
 * Several processes may log to one artifact at once: a lost compare-and-swap is
 * retried on top of the new tip, so every version is kept and numbers stay contiguous.
 */
export async function logVersion(options: LogVersionOptions): Promise<LogVersionResult> {
  const aliases = await checkedAliases(options)
  const result = await logFiles(options)
  if (aliases.length === 0) return result
  const { setAlias } = await loadAliasEdits()
  const aliasesSet: SetAliasResult[] = []
  for (const alias of aliases) {
    aliasesSet.push(await setAlias({ ...options, name: options.artifact, alias, version: `v${result.version}`, force: options.force ?? false }))
  }
  return { ...result, aliasesSet }
}

/** The aliases to set, each a valid name and each allowed to move (see assertMaySetAliases). */
async function checkedAliases(options: LogVersionOptions): Promise<readonly string[]> {
  const aliases = options.aliases ?? []
  for (const alias of aliases) assertAlias(alias)
  if (aliases.length > 0) await assertMaySetAliases(options, aliases)
  return aliases
}

/**
 * Refuse before anything is written when the aliases cannot follow the version: the
 * artifact's manifest is unsound (see assertSoundEdits), or a protected alias would
 * move on the registry branch without --force.
 */
async function assertMaySetAliases(options: LogVersionOptions, aliases: readonly string[]): Promise<void> {
  const ctx = await openRegistryContext(options)
  const manifest = await new ManifestStore(ctx.repo).read('artifact', options.artifact)
  if (manifest) await (await loadAliasEdits()).assertSoundEdits(ctx.repo, [{ kind: 'artifact', name: options.artifact, before: manifest.data, after: manifest.data }])
  if (options.force) return
  const config = await ctx.config()
  const onRegistryBranch = (await readSymbolicRef(ctx.repo, 'HEAD')) === `refs/heads/${config.registryBranch}`
  if (onRegistryBranch) assertUnprotected(config, options.artifact, aliases)
}

async function logFiles(options: LogVersionOptions): Promise<LogVersionResult> {
  const { ctx, metadata, threshold, files } = await logInputs(options)
  const { repo } = ctx
  const statCache = await StatCache.open(repo)
  const snapshot = await snapshotFiles(repo, files, {
    largeFileThreshold: threshold,
    statCache,
    ...(options.onProgress && { onProgress: options.onProgress }),
  })
  try {
    return await commitSnapshot(ctx, options, snapshot, metadata)
  } finally {
    await snapshot.discard()
    await statCache.save()
  }
}

/** Everything a log checks and reads before it hashes: the registry, the name, the metadata, the threshold and the files. */
async function logInputs(options: LogVersionOptions) {
  assertName(options.artifact, 'artifact name')
  const ctx = await openRegistryContext(options)
  assertNotBare(ctx)
  const { repo } = ctx
  await assertNameFree(repo, options.artifact, 'artifact')
  await assertNameNotRetired(repo, options.artifact, 'artifact', options.reuseRetiredName)
  const cwd = options.cwd ?? options.dir
  const inputs = options.paths.map((p) => resolvePath(p, cwd))
  const metadata = await readMetadata(ctx, options, cwd)
  const threshold = options.largeFileThreshold ?? (await ctx.config()).largeFileThreshold
  assertThreshold(threshold)
  const files = await collectFiles(repo.fs, inputs)
  return { ctx, metadata, threshold, files }
}

/** What `gmr log --dry-run` says a log would do. */
export interface LogVersionPlan {
  artifact: string
  /** The version a log would create; with `unchanged`, the existing version that has exactly these files. */
  version: number
  unchanged: boolean
  tree: string
  files: SnapshotEntry[]
  /** Large files whose LFS object the store lacks: a log would add them. */
  newLfsObjects: number
  newLfsBytes: number
  /** The aliases that would point at the version. */
  aliases: string[]
}

/**
 * A log without the writing: the same checks, the files hashed (large ones read once,
 * or not at all when the stat cache knows them) but nothing staged, no object, no ref,
 * no LFS object written; the stat cache is not saved. Says which version a log would
 * create, or which existing one already has these files.
 */
export async function planLogVersion(options: LogVersionOptions): Promise<LogVersionPlan> {
  const aliases = await checkedAliases(options)
  const { ctx, threshold, files } = await logInputs(options)
  const { repo } = ctx
  const snapshot = await snapshotFiles(repo, files, {
    largeFileThreshold: threshold,
    statCache: await StatCache.open(repo),
    hashOnly: true,
    ...(options.onProgress && { onProgress: options.onProgress }),
  })
  const known = await loadSoundVersions(repo, options.artifact)
  const same = known.versions.find((v) => v.tree === snapshot.tree)
  const store = new LfsStore(repo)
  const pointers = new Map(snapshot.entries.flatMap((e) => (e.lfs ? [[e.lfs.oid, e.lfs] as const] : [])))
  const missing = []
  for (const pointer of pointers.values()) if (!(await store.has(pointer))) missing.push(pointer)
  return {
    artifact: options.artifact,
    version: same ? same.version : known.versions.length,
    unchanged: same !== undefined,
    tree: snapshot.tree,
    files: snapshot.entries,
    newLfsObjects: missing.length,
    newLfsBytes: missing.reduce((n, p) => n + p.size, 0),
    aliases: [...aliases],
  }
}

async function commitSnapshot(
  ctx: RegistryContext,
  options: LogVersionOptions,
  snapshot: Snapshot,
  metadata: Metadata,
): Promise<LogVersionResult> {
  const { repo } = ctx
  const ref = artifactRef(options.artifact)
  let known = await loadSoundVersions(repo, options.artifact)
  const same = known.versions.find((v) => v.tree === snapshot.tree)
  // An unchanged version writes nothing, unless its LFS objects had gone missing from the store.
  if (same) {
    const result = unchangedResult(options.artifact, same, snapshot.entries, await snapshot.writeLfs())
    return { ...result, ...(await unrecorded(repo, options, same, metadata)) }
  }

  const signer = await commitSigner(repo, ctx.env, options.sign)
  const written = await snapshot.write()
  const [identities, source] = await Promise.all([commitIdentities(ctx), readSource(repo)])
  for (let attempt = 1; ; attempt++) {
    const version = known.versions.length
    const message = await formatMessage({
      artifact: options.artifact,
      version,
      ...(options.description !== undefined && { description: options.description }),
      metadata,
      ...(source && { source }),
    })
    const commit = {
      tree: snapshot.tree,
      parents: known.tip === null ? [] : [known.tip],
      ...identities,
      message,
    }
    const oid = await writeLooseObject(repo, 'commit', await encodeSignedCommit(commit, signer))
    // A gmr log killed while moving this branch left its lock; git's protocol would refuse the branch for good.
    if (attempt === 1 && (await clearAbandonedRefLock(repo, ref))) ctx.notify(`removed ${ref}.lock, left by a gmr that was killed while moving it`)
    try {
      await updateRef(repo, ref, oid, known.tip, {
        reflog: { message: `gmr log: ${options.artifact} v${version}`, identity: formatIdentity(identities.committer) },
      })
      await appendVersion(repo, options.artifact, known, await versionRecord(options.artifact, version, oid, commit))
      return {
        artifact: options.artifact,
        version,
        commit: oid,
        tree: snapshot.tree,
        unchanged: false,
        files: snapshot.entries,
        objectsWritten: written.objects,
        lfsObjectsWritten: written.lfsObjects,
      }
    } catch (err) {
      if (!(err instanceof GmrError && err.code === 'RefConflictError') || attempt >= MAX_ATTEMPTS) throw err
    }
    // Another writer got there first: number on top of its version, unless it logged these very files.
    await sleep(Math.random() * Math.min(50, attempt * 5))
    known = await loadSoundVersions(repo, options.artifact)
    const raced = known.versions.find((v) => v.tree === snapshot.tree)
    if (raced) return unchangedResult(options.artifact, raced, snapshot.entries, 0)
  }
}

/** The version commit's message: written plainly when it can be, else by the yaml library (metadata or a message beyond the plain shape). */
async function formatMessage(message: VersionMessage): Promise<string> {
  return formatPlainVersionMessage(message) ?? (await loadVersionMessageWriter())(message)
}

/** What a log of unchanged files said that the version does not hold (see UnrecordedFields). */
async function unrecorded(
  repo: Repo,
  options: LogVersionOptions,
  version: ArtifactVersions['versions'][number],
  metadata: Metadata,
): Promise<Pick<LogVersionResult, 'unrecorded'>> {
  const added = versionAnnotation((await new ManifestStore(repo).read('artifact', options.artifact))?.data, version.version)
  const current = annotate({ description: version.description, metadata: version.metadata }, added)
  const fields = unrecordedFields({ metadata, description: options.description }, current)
  if (fields === null) return {}
  return { unrecorded: { ...fields, command: metaSetCommand(`${options.artifact}:v${version.version}`, fields) } }
}

function assertThreshold(threshold: number): void {
  if (!Number.isSafeInteger(threshold) || threshold < 1) {
    throw new InvalidInputError(
      `largeFileThreshold must be a whole number of bytes, at least 1 (got ${String(threshold)})`,
      { largeFileThreshold: threshold },
    )
  }
}

function unchangedResult(
  artifact: string,
  version: ArtifactVersions['versions'][number],
  files: SnapshotEntry[],
  lfsObjectsWritten: number,
): LogVersionResult {
  return {
    artifact,
    version: version.version,
    commit: version.commit,
    tree: version.tree,
    unchanged: true,
    files,
    objectsWritten: 0,
    lfsObjectsWritten,
  }
}

async function readMetadata(ctx: RegistryContext, options: LogVersionOptions, cwd: string): Promise<Metadata> {
  let fromFile: Metadata = {}
  if (options.metadataFile !== undefined) {
    const file = resolvePath(options.metadataFile, cwd)
    const text = await ctx.repo.fs.readText(file).catch(() => null)
    if (text === null) {
      throw new InvalidMetadataError(`metadata file not found or unreadable: ${options.metadataFile}`, { file })
    }
    fromFile = (await loadMetadataParser()).parseMetadataDocument(text, options.metadataFile)
  }
  return mergeMetadata(fromFile, options.metadata ?? {})
}

/** The code commit the model came from; none when the repository has no commits yet. */
async function readSource(repo: Repo): Promise<VersionSource | undefined> {
  const head = await readRef(repo, 'HEAD')
  if (head === null) return undefined
  return { commit: head, dirty: await isWorkTreeDirty(repo) }
}
