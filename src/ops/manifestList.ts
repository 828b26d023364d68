import { parseReference } from '../domain/reference.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { describeDeployedFiles } from './support/deployedFiles.js'
import { deployedFiles } from './support/materialise.js'
import { resolveReference, type ResolvedVersion } from './support/resolveReference.js'
import type { VersionFile } from './show.js'

export interface ManifestListOptions extends RepoOptions {
  ref: string
}

export interface ManifestListResult {
  version: ResolvedVersion
  /** The files `gmr download` writes for the version, with their SHA-256, in path order. */
  files: VersionFile[]
}

/**
 * The files a download of the version writes and the SHA-256 of each, without writing
 * or fetching anything: a file in Git LFS is hashed by its pointer, the rest by the blob.
 */
export async function manifestList(options: ManifestListOptions): Promise<ManifestListResult> {
  const { repo } = await openRegistryContext(options)
  const version = await resolveReference(repo, parseReference(options.ref))
  const files = await deployedFiles(repo, version.record.tree, version.reference)
  return { version, files: await describeDeployedFiles(repo, files) }
}
