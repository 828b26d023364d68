/**
 * gmr as a library: the same operations as the command line, each one function taking
 * one options object. Every operation takes `{ fs, dir }`: Node's `fs` for a repository
 * on disk, or a memfs volume for one in memory.
 */
export { openRegistry, type Registry, type UseModelOptions, type UseModelResult } from './ops/openRegistry.js'
export { init, type InitOptions, type InitResult } from './ops/init.js'
export { logVersion, type LogVersionOptions, type LogVersionResult } from './ops/logVersion.js'
export { createArtifact, type CreateArtifactOptions, type CreateArtifactResult } from './ops/createArtifact.js'
export { listArtifacts, type ArtifactSummary, type ListArtifactsOptions } from './ops/listArtifacts.js'
export { listVersions, type ListVersionsOptions, type ListVersionsResult } from './ops/listVersions.js'
export { resolve, type ResolveOptions, type ResolvedVersion } from './ops/resolve.js'
export { show, type ShowOptions, type ShowResult, type VersionFile } from './ops/show.js'
export { download, type DownloadOptions, type DownloadResult } from './ops/download.js'
export { createModel, type CreateModelOptions, type CreateModelResult } from './ops/createModel.js'
export { listModels, type ListModelsOptions, type ModelSummary } from './ops/listModels.js'
export { linkModel, type LinkModelOptions, type LinkModelResult } from './ops/link.js'
export { unlinkModel, type UnlinkModelOptions, type UnlinkModelResult } from './ops/unlink.js'
export { setAlias, removeAlias, listAliases, type SetAliasOptions, type SetAliasResult, type RemoveAliasOptions, type RemoveAliasResult, type AliasInfo } from './ops/aliases.js'
export { addTags, removeTags, type TagsOptions, type TagsResult } from './ops/tags.js'
export { history, type HistoryOptions, type HistoryResult, type HistoryEntry } from './ops/history.js'
export { resolveAt, type ResolveAtOptions } from './ops/resolveAt.js'
export { sync, type SyncOptions, type SyncResult } from './ops/sync.js'
export { clone, type CloneOptions, type CloneResult } from './ops/clone.js'
export { fetchRegistry, type FetchOptions, type FetchResult } from './ops/fetch.js'
export { pull, type PullOptions, type PullResult } from './ops/pull.js'
export { push, type PushOptions, type PushResult } from './ops/push.js'
export { downloadRemote, type RemoteDownloadOptions, type RemoteDownloadResult } from './ops/remoteDownload.js'
export type { MutationOptions, MutationResult } from './ops/mutate.js'
export type { ManifestEvent } from './domain/manifestEvents.js'
export type { ModelYaml, ArtifactYaml, ModelLinkYaml } from './domain/manifests.js'
export type { RepoOptions } from './ops/context.js'
export type { VersionRecord } from './git/versionIndex.js'
export type { FsClient } from './git/fs.js'
export { formatLfsPointer, parseLfsPointer, LFS_SPEC_URL, type LfsPointer } from './domain/lfsPointer.js'
export type { LfsProgress, LfsProgressCallback } from './git/lfsStore.js'
export type { SnapshotEntry } from './git/snapshot.js'
export type { Metadata } from './domain/metadata.js'
export * from './domain/errors.js'
export { RegistryLockedError } from './git/lock.js'
export { DubiousOwnershipError } from './git/safeDirectory.js'
export { check, CheckFailedError, type CheckOptions, type CheckResult } from './ops/check.js'
export { diff, type DiffOptions, type DiffResult } from './ops/diff.js'
export { verify, VerificationFailedError, type VerifyOptions, type VerifyResult, type SignatureCheck, type RegistryCommitCheck } from './ops/verify.js'
export { SigningError } from './git/signing.js'
export { SigningConfigError } from './domain/signingConfig.js'
export { buildSite, writeSite, type BuildSiteOptions, type BuildSiteResult, type WriteSiteOptions, type WriteSiteResult, type SitePage } from './ops/buildSite.js'
export type { Finding, Severity } from './domain/checkFindings.js'
export type { RegistryDiff, NameDiff, LinkDiff, AliasDiff, AliasTarget, VersionSummary } from './domain/registryDiff.js'
export type { MetadataChange } from './domain/metadataDelta.js'
// Every error class a caller can meet, so scripts can test `instanceof` as well as `code`.
export { MergeConflictError } from './ops/pull.js'
export { ChangedDuringEditError, UncommittedManifestError } from './ops/registryEdit.js'
export { IndexLockedError } from './git/indexUpdate.js'
export { MissingIdentityError } from './git/config.js'
export { BranchMovedError } from './git/commitFiles.js'
export { BrokenHistoryError } from './domain/versionChain.js'
export {
  RemoteAuthError,
  RemoteNotFoundError,
  RemoteTransferError,
  PushRejectedError,
  GitMissingError,
  RemoteUrlRefusedError,
  RemoteStalledError,
} from './remote/errors.js'
export { GitHubApiError } from './remote/githubComments.js'
