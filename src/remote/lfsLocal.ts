import type { LfsPointer } from '../domain/lfsPointer.js'
import type { FileSystem } from '../git/fs.js'
import { LfsStore, type LfsCommits } from '../git/lfsStore.js'
import { RemoteNotFoundError } from '../domain/errors.js'
import type { LfsTransferResult, LfsUploadOptions } from './lfsClient.js'

/**
 * Git LFS for a remote that is a path on this machine (a bare repository on a shared
 * disk, or in tests): objects are copied between the two stores, as git-lfs's
 * standalone file transfer does, each checked by the store that receives it.
 */
export class LocalLfsTransfer {
  constructor(private readonly remote: LfsStore) {}

  /** The store of the repository at `remotePath` (bare or not; a `file://` URL or an LFS endpoint path works too). */
  static async open(fs: FileSystem, remotePath: string): Promise<LocalLfsTransfer> {
    const path = remotePath.replace(/^file:\/\//i, '').replace(/\/info\/lfs\/?$/, '').replace(/\/+$/, '')
    const bare = (await fs.exists(`${path}/HEAD`)) && (await fs.exists(`${path}/objects`))
    return new LocalLfsTransfer(new LfsStore({ fs, gitdir: bare ? path : `${path}/.git` }))
  }

  /** With an aborted `signal`, no further object is copied and the upload fails. */
  async upload(store: LfsStore, objects: readonly LfsPointer[], options: LfsUploadOptions = {}): Promise<LfsTransferResult> {
    return copy(store, this.remote, objects, new Map(), options.signal)
  }

  async download(store: LfsStore, objects: readonly LfsPointer[], labels: ReadonlyMap<string, string> = new Map()): Promise<LfsTransferResult> {
    return copy(this.remote, store, objects, labels)
  }
}

async function copy(from: LfsStore, to: LfsStore, objects: readonly LfsPointer[], labels: ReadonlyMap<string, string>, signal?: AbortSignal): Promise<LfsTransferResult> {
  const result: LfsTransferResult = { objects: 0, bytes: 0 }
  const commits = to.commits()
  try {
    await copyEach(from, to, objects, labels, commits, result, signal)
  } finally {
    await commits.finish()
  }
  return result
}

async function copyEach(
  from: LfsStore,
  to: LfsStore,
  objects: readonly LfsPointer[],
  labels: ReadonlyMap<string, string>,
  commits: LfsCommits,
  result: LfsTransferResult,
  signal?: AbortSignal,
): Promise<void> {
  for (const object of new Map(objects.map((o) => [o.oid, o])).values()) {
    signal?.throwIfAborted()
    if (await to.has(object)) continue
    const label = labels.get(object.oid)
    if (!(await from.has(object))) {
      throw new RemoteNotFoundError(
        `the remote has no LFS object ${object.oid}${label ? ` (${label})` : ''}: it was never uploaded; push it from a clone that has it (gmr push)`,
        { oid: object.oid },
      )
    }
    const staged = await to.stageStream(from.repo.fs.createReadStream(from.objectPath(object.oid)), object, label ?? object.oid)
    // Committed in the background, in groups; a failure is thrown by commits.finish.
    void commits.add(staged)
    result.objects++
    result.bytes += object.size
  }
}
