import type { LfsPointer } from '../../domain/lfsPointer.js'
import { findLfsPointers } from '../../git/lfsFiles.js'
import { LfsStore } from '../../git/lfsStore.js'
import type { GitDir } from '../../git/repo.js'
import { listTreeFiles } from '../../git/treeWalk.js'
import { configValue } from '../../domain/gitConfig.js'
import { httpsLfsEndpointFor } from '../../domain/remoteUrl.js'
import { readGitConfig, type Env } from '../../git/config.js'
import { CredentialSource } from '../../remote/credentials.js'
import { SshLfsAccess } from '../../remote/lfsAccess.js'
import { LfsClient, type LfsTransferResult } from '../../remote/lfsClient.js'
import { LocalLfsTransfer } from '../../remote/lfsLocal.js'
import { retryPolicyFrom } from '../../remote/lfsRetry.js'
import { parseSshRemote, sshProgramFrom } from '../../remote/lfsSsh.js'
import { timeoutsFrom } from '../../remote/timeouts.js'
import { checkRemoteUrl } from '../../remote/transportPolicy.js'

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

/**
 * The Batch API for an HTTP(S) endpoint, or for an ssh remote through `git-lfs-authenticate`
 * (core.sshCommand read from git config, as git reads it); a direct copy for a remote that
 * is a local path. Retries follow `lfs.transfer.maxretries`/`maxretrydelay`, the objects in
 * flight `lfs.concurrenttransfers`.
 */
async function lfsTransport(repo: GitDir, endpoint: string, env: Env): Promise<LfsTransport> {
  checkRemoteUrl(endpoint)
  const ssh = parseSshRemote(endpoint)
  if (!ssh && !/^https?:\/\//i.test(endpoint)) return LocalLfsTransfer.open(repo.fs, endpoint)
  const config = await readGitConfig(repo, env)
  const credentials = new CredentialSource(env)
  const timeouts = timeoutsFrom(env)
  // git-lfs's own setting; unset, the client picks by object size.
  const concurrency = Number(configValue(config, 'lfs.concurrenttransfers'))
  const options = { timeouts, retry: retryPolicyFrom(env, config), ...(Number.isInteger(concurrency) && concurrency > 0 && { concurrency }) }
  if (!ssh) return new LfsClient(endpoint, credentials, options)
  const access = new SshLfsAccess(ssh, { env, timeouts, ssh: sshProgramFrom(env, configValue(config, 'core.sshcommand')) }, httpsLfsEndpointFor(endpoint), credentials)
  return new LfsClient(access, credentials, options)
}

/** Download what the store lacks of `objects` from `endpoint`. */
export async function fetchLfsObjects(repo: GitDir, endpoint: string, env: Env, objects: readonly NeededObject[]) {
  const store = new LfsStore(repo)
  const labels = new Map(objects.map((o) => [o.oid, o.path]))
  return (await lfsTransport(repo, endpoint, env)).download(store, objects, labels)
}

/** An upload under way, started before the operation that needs it has decided to go on. */
export interface StartedUpload {
  /** What was uploaded, once every object is on the remote; the upload's failure otherwise. */
  readonly done: Promise<LfsTransferResult>
  /** Stop it: no further object starts, requests under way are cut; resolves once nothing runs any more. */
  stop(): Promise<void>
}

/**
 * Start uploading `objects` to `endpoint` now, beside the work that decides whether they
 * are needed (a push uploads while its plan is still checked): objects are addressed by
 * their content, so one uploaded for a push that is then refused harms nothing.
 */
export function startUpload(repo: GitDir, endpoint: string, env: Env, objects: readonly NeededObject[]): StartedUpload {
  const controller = new AbortController()
  const done = (async () => (await lfsTransport(repo, endpoint, env)).upload(new LfsStore(repo), objects, { signal: controller.signal }))()
  // Awaited by whoever goes on; a refusal stops it first and never looks at its failure.
  done.catch(() => undefined)
  return {
    done,
    stop: async () => {
      controller.abort()
      await done.catch(() => undefined)
    },
  }
}
