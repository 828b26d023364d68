import type { LfsPointer } from '../domain/lfsPointer.js'
import { findLfsPointers } from '../git/lfsFiles.js'
import { LfsStore } from '../git/lfsStore.js'
import type { GitDir } from '../git/repo.js'
import { listTreeFiles } from '../git/treeWalk.js'
import type { Env } from '../git/config.js'
import { CredentialSource } from '../remote/credentials.js'
import { LfsClient } from '../remote/lfsClient.js'
import { LocalLfsTransfer } from '../remote/lfsLocal.js'
import { timeoutsFrom } from '../remote/timeouts.js'
import { checkRemoteUrl } from '../remote/transportPolicy.js'

/** An LFS object a version needs, with the file it is for. */
export interface NeededObject extends LfsPointer {
  path: string
}

/** The LFS objects a version's files need, by the rule git-lfs checks out with (and download uses). */
export async function lfsObjectsOf(repo: GitDir, tree: string, cache: object = {}): Promise<NeededObject[]> {
  const pointers = await findLfsPointers(repo, await listTreeFiles(repo, tree, cache), cache)
  return [...pointers].map(([path, pointer]) => ({ ...pointer, path }))
}

/** Moves LFS objects between this repository's store and a remote's. */
export type LfsTransport = Pick<LfsClient, 'upload' | 'download'>

/** The Batch API for an HTTP(S) endpoint; a direct copy for a remote that is a local path. */
export async function lfsTransport(repo: GitDir, endpoint: string, env: Env): Promise<LfsTransport> {
  if (/^https?:\/\//i.test(endpoint)) return new LfsClient(endpoint, new CredentialSource(env), timeoutsFrom(env))
  checkRemoteUrl(endpoint)
  return LocalLfsTransfer.open(repo.fs, endpoint)
}

/** Download what the store lacks of `objects` from `endpoint`. */
export async function fetchLfsObjects(repo: GitDir, endpoint: string, env: Env, objects: readonly NeededObject[]) {
  const store = new LfsStore(repo)
  const labels = new Map(objects.map((o) => [o.oid, o.path]))
  return (await lfsTransport(repo, endpoint, env)).download(store, objects, labels)
}
