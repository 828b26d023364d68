import { resolvePath } from '../domain/paths.js'
import { parseReference } from '../domain/reference.js'
import type { LfsProgressCallback } from '../git/lfsStore.js'
import { openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import { materialiseVersion, type LfsFetcher } from './support/materialise.js'
import { prunedHint, rethrowUnlessPruned } from './support/prunedVersions.js'
import { resolveReference, type ResolvedVersion } from './support/resolveReference.js'
import type { VersionFile } from './support/versionFiles.js'
import { configuredRemote } from './support/remotes.js'
import { fetchLfsObjects } from './support/lfsRemote.js'
import { assertVerified } from './verify.js'
import { assertVersionTrusted } from './support/commitTrust.js'

export interface DownloadOptions extends RepoOptions {
  ref: string
  /** Target folder; default `<cwd>/<name>-v<N>`. */
  to?: string
  cwd?: string
  /** Only paths matching one of these globs (gitignore-style). */
  include?: readonly string[]
  /** Overwrite files in a non-empty target that differ from the version. */
  force?: boolean
  /** Called as Git LFS files are written out or compared (every chunk; throttle to taste). */
  onProgress?: LfsProgressCallback
  /** Also list the files with their SHA-256 (`download --json`). */
  listFiles?: boolean
  /** Run every check of `gmr verify` (signatures, every object and large file hashed again) before anything is written. */
  verify?: boolean
}

export interface DownloadResult {
  reference: string
  name: string
  artifact: string
  version: number
  commit: string
  dir: string
  files: number
  written: number
  unchanged: number
  /** The version written, as `resolve` describes it. */
  resolved: ResolvedVersion
  /** With `listFiles`: the files written or checked, with their SHA-256. */
  fileList?: VersionFile[]
}

/** A file of the version, checked and ready to write. */
/**
 * Write a version's files into a folder. Every path and link in the version is checked
 * before the first byte is written, so a crafted tree cannot reach outside the folder.
 * A new folder is filled under a temporary name and renamed into place at the end; in
 * an existing folder only missing or differing files are written, so downloading the
 * same version again writes nothing.
 */
export async function download(options: DownloadOptions): Promise<DownloadResult> {
  const reference = parseReference(options.ref)
  const ctx = await openRegistryContext(options)
  const { repo } = ctx
  const resolved = await resolveReference(repo, reference)
  if (options.verify === true) await assertVerified(options)
  if ((await ctx.config()).requireSignatures) {
    await assertVersionTrusted(ctx, resolved, reference.selector.kind === 'alias' ? reference.selector.alias : undefined)
  }
  const cwd = options.cwd ?? options.dir
  const pruned = await prunedHint(ctx, resolved.commit)
  const result = await materialiseVersion({
    repo,
    tree: resolved.record.tree,
    label: resolved.reference,
    target: resolvePath(options.to ?? `${resolved.name}-v${resolved.version}`, cwd),
    include: options.include ?? [],
    force: options.force ?? false,
    missingHint: pruned ?? `fetch it ("git lfs fetch <remote> artifacts/${resolved.artifact}") and download again`,
    ...(options.onProgress && { onProgress: options.onProgress }),
    fetchLfs: (objects) => fetchFromRemote(ctx, objects).catch((err) => rethrowUnlessPruned(err, pruned)),
    ...(options.listFiles && { listFiles: true }),
  })
  return {
    reference: resolved.reference,
    name: resolved.name,
    artifact: resolved.artifact,
    version: resolved.version,
    commit: resolved.commit,
    ...result,
    resolved,
  }
}

/** Inside a clone, large files the store lacks come from the registry's remote, on demand. */
async function fetchFromRemote(ctx: RegistryContext, objects: Parameters<LfsFetcher>[0]): Promise<void> {
  // Without a remote the objects stay missing and the caller says how to fetch them; a remote that fails says why.
  const remote = await configuredRemote(ctx.repo, ctx.env, undefined, (await ctx.config()).registryBranch)
  if (remote === null) return
  await fetchLfsObjects(ctx.repo, remote.lfsUrl, remote.env, objects)
}
