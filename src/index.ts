/**
 * gmr as a library: the same operations as the command line, each one function taking
 * one options object. Every operation takes `{ fs, dir }`: Node's `fs` for a repository
 * on disk, or a memfs volume for one in memory.
 */
export { init, type InitOptions, type InitResult } from './ops/init.js'
export { logVersion, type LogVersionOptions, type LogVersionResult } from './ops/logVersion.js'
export { createArtifact, type CreateArtifactOptions, type CreateArtifactResult } from './ops/createArtifact.js'
export { listArtifacts, type ArtifactSummary, type ListArtifactsOptions } from './ops/listArtifacts.js'
export { listVersions, type ListVersionsOptions, type ListVersionsResult } from './ops/listVersions.js'
export { resolve, type ResolveOptions, type ResolvedVersion } from './ops/resolve.js'
export { show, type ShowOptions, type ShowResult, type VersionFile } from './ops/show.js'
export { download, type DownloadOptions, type DownloadResult } from './ops/download.js'
export type { RepoOptions } from './ops/context.js'
export type { VersionRecord } from './git/versionIndex.js'
export type { FsClient } from './git/fs.js'
export type { Metadata } from './domain/metadata.js'
export * from './domain/errors.js'
