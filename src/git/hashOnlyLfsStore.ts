import { createHash } from 'node:crypto'
import { changedWhileLogging } from './collectFiles.js'
import { hashFile, LfsStore, type StagedFile, type StagedLfsObject, type StageFileOptions } from './lfsStore.js'

/**
 * An LFS store that only hashes: what a file would become is worked out from its bytes,
 * and nothing is staged, so committing writes nothing. A dry run snapshots files with it
 * (`gmr log --dry-run`): the version's tree is known, the store stays exactly as it was.
 */
export class HashOnlyLfsStore extends LfsStore {
  override async stageFile(source: string, options: StageFileOptions): Promise<StagedFile> {
    const { pointer, stat, verifiedAt } = await hashFile(this.repo, source, {
      label: options.label ?? source,
      ...(options.onProgress && { onProgress: options.onProgress }),
    })
    if (stat === null || stat.size !== options.expected.size || stat.mtimeMs !== options.expected.mtimeMs) throw changedWhileLogging(source)
    return { ...pointer, temp: null, stat, verifiedAt }
  }

  override async stageBytes(content: Uint8Array): Promise<StagedLfsObject> {
    return { oid: createHash('sha256').update(content).digest('hex'), size: content.length, temp: null }
  }
}
