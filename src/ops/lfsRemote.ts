import { parseLfsPointer, type LfsPointer } from '../domain/lfsPointer.js'
import { LfsStore } from '../git/lfsStore.js'
import { readObject } from '../git/objects.js'
import type { GitDir } from '../git/repo.js'
import { listTreeFiles } from '../git/treeWalk.js'
import type { Env } from '../git/config.js'
import { CredentialSource } from '../remote/credentials.js'
import { LfsClient } from '../remote/lfsClient.js'
import { LocalLfsTransfer } from '../remote/lfsLocal.js'

/** An LFS object a version needs, with the file it is for. */
export interface NeededObject extends LfsPointer {
  path: string
}

const POINTER_MAX = 1024

/** The LFS pointers in a version's tree (small blobs that parse as canonical pointers). */
export async function lfsObjectsOf(repo: GitDir, tree: string, cache: object = {}): Promise<NeededObject[]> {
  const out: NeededObject[] = []
  for (const file of await listTreeFiles(repo, tree, cache)) {
    if (file.mode !== '100644' && file.mode !== '100755') continue
    const { content } = await readObject(repo, file.oid, { cache })
    if (content.length > POINTER_MAX) continue
    const pointer = parseLfsPointer(content)
    if (pointer) out.push({ ...pointer, path: file.path })
  }
  return out
}

/** Moves LFS objects between this repository's store and a remote's. */
export type LfsTransport = Pick<LfsClient, 'upload' | 'download'>

/** The Batch API for an HTTP(S) endpoint; a direct copy for a remote that is a local path. */
export async function lfsTransport(repo: GitDir, endpoint: string, env: Env): Promise<LfsTransport> {
  if (/^https?:\/\//i.test(endpoint)) return new LfsClient(endpoint, new CredentialSource(env))
  return LocalLfsTransfer.open(repo.fs, endpoint)
}

/** Download what the store lacks of `objects` from `endpoint`. */
export async function fetchLfsObjects(repo: GitDir, endpoint: string, env: Env, objects: readonly NeededObject[]) {
  const store = new LfsStore(repo)
  const labels = new Map(objects.map((o) => [o.oid, o.path]))
  return (await lfsTransport(repo, endpoint, env)).download(store, objects, labels)
}
