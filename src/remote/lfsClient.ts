import { mapLimit } from '../domain/async.js'
import { redactUrl } from '../domain/remoteUrl.js'
import type { LfsPointer } from '../domain/lfsPointer.js'
import type { LfsStore } from '../git/lfsStore.js'
import { basicAuth, stripCredentials, type Credential, type CredentialSource } from './credentials.js'
import { RemoteAuthError, RemoteNotFoundError, RemoteTransferError } from '../domain/errors.js'
import { readBody, request as httpRequest, type HttpRequest, type HttpResponse } from './http.js'
import { DEFAULT_TIMEOUTS, type Timeouts } from './timeouts.js'
import { checkRemoteUrl } from './transportPolicy.js'

const LFS_JSON = 'application/vnd.git-lfs+json'
const BATCH_SIZE = 100
/** Objects moved at once, as git-lfs's default `lfs.concurrenttransfers` (3). */
const PARALLEL_TRANSFERS = 3

interface Action {
  href: string
  header?: Record<string, string>
  expires_in?: number
}

interface BatchObject {
  oid: string
  size: number
  actions?: { upload?: Action; download?: Action; verify?: Action }
  error?: { code: number; message: string }
}

export interface LfsTransferResult {
  /** Objects moved. */
  objects: number
  bytes: number
}

/**
 * A Git LFS client for the Batch API with the basic transfer adapter
 * (git-lfs/docs/api/batch.md, basic-transfers.md): one batch request per hundred
 * objects, then each object's href with the headers the server gave, and the verify
 * action after an upload when the server asks for it. Bodies stream both ways;
 * downloads are checked against their SHA-256 and size by the store.
 */
export class LfsClient {
  private readonly endpoint: string
  private credential: Credential | null

  constructor(
    endpoint: string,
    private readonly credentials: CredentialSource,
    private readonly timeouts: Timeouts = DEFAULT_TIMEOUTS,
  ) {
    checkRemoteUrl(endpoint)
    this.credential = credentials.fromUrl(endpoint)
    this.endpoint = stripCredentials(endpoint).replace(/\/+$/, '')
  }

  /** Upload every object the server does not have yet; returns what was sent. */
  async upload(store: LfsStore, objects: readonly LfsPointer[]): Promise<LfsTransferResult> {
    const result: LfsTransferResult = { objects: 0, bytes: 0 }
    for (const batch of chunks(unique(objects), BATCH_SIZE)) {
      const answered = await this.batch('upload', batch)
      for (const object of answered) if (object.error) throw this.objectError('upload', object)
      // Objects without an upload action are on the server already.
      const todo = answered.filter((object) => object.actions?.upload)
      await mapLimit(todo, PARALLEL_TRANSFERS, async (object) => {
        await this.uploadOne(store, object)
        result.objects++
        result.bytes += object.size
      })
    }
    return result
  }

  private async uploadOne(store: LfsStore, object: BatchObject): Promise<void> {
    const upload = object.actions!.upload!
    const response = await this.request({
      what: `the upload of LFS object ${object.oid}`,
      url: upload.href,
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(object.size), ...upload.header },
      body: store.repo.fs.createReadStream(store.objectPath(object.oid)),
    })
    await this.expectOk(response, `upload LFS object ${object.oid}`)
    // Read every answer to its end: an unread body holds its keep-alive socket, and the
    // process then waits for the server to hang up (seconds, or minutes) before exiting.
    await readBody(response.body)
    const verify = object.actions?.verify
    if (!verify) return
    const checked = await this.request({
      what: `the verify call for LFS object ${object.oid}`,
      url: verify.href,
      method: 'POST',
      headers: { Accept: LFS_JSON, 'Content-Type': LFS_JSON, ...verify.header },
      body: JSON.stringify({ oid: object.oid, size: object.size }),
    })
    await this.expectOk(checked, `verify LFS object ${object.oid}`)
    await readBody(checked.body)
  }

  /**
   * Download objects into the store (those it lacks); `labels` names the file each oid
   * is for, so a missing object is reported by the file a user knows.
   */
  async download(store: LfsStore, objects: readonly LfsPointer[], labels: ReadonlyMap<string, string> = new Map()): Promise<LfsTransferResult> {
    const result: LfsTransferResult = { objects: 0, bytes: 0 }
    const wanted: LfsPointer[] = []
    for (const object of unique(objects)) if (!(await store.has(object))) wanted.push(object)
    for (const batch of chunks(wanted, BATCH_SIZE)) {
      const answered = await this.batch('download', batch)
      for (const object of answered) {
        const label = labels.get(object.oid)
        if (object.error) throw this.objectError('download', object, label)
        if (!object.actions?.download) {
          throw this.objectError('download', { ...object, error: { code: 404, message: 'no download action' } }, label)
        }
      }
      await mapLimit(answered, PARALLEL_TRANSFERS, async (object) => {
        const label = labels.get(object.oid)
        const action = object.actions!.download!
        const what = `LFS object ${object.oid}${label ? ` (${label})` : ''}`
        const response = await this.request({ url: action.href, headers: action.header ?? {}, what: `the download of ${what}` })
        await this.expectOk(response, `download ${what}`)
        const body = atMost(response.body, object.size, () => this.oversized(what, object.size))
        const staged = await store.stageStream(body, { oid: object.oid, size: object.size }, label ?? object.oid)
        await store.commit([staged])
        result.objects++
        result.bytes += object.size
      })
    }
    return result
  }

  private async batch(operation: 'upload' | 'download', objects: readonly LfsPointer[]): Promise<BatchObject[]> {
    const body = JSON.stringify({
      operation,
      transfers: ['basic'],
      objects: objects.map(({ oid, size }) => ({ oid, size })),
      hash_algo: 'sha256',
    })
    const response = await this.authenticated({
      what: `the LFS batch request (${operation}, ${objects.length} objects)`,
      url: `${this.endpoint}/objects/batch`,
      method: 'POST',
      headers: { Accept: LFS_JSON, 'Content-Type': LFS_JSON },
      body,
    })
    await this.expectOk(response, `${operation} LFS objects`)
    const parsed = JSON.parse((await readBody(response.body)).toString('utf8')) as { objects?: BatchObject[] }
    return parsed.objects ?? []
  }

  /** Send with the credential we have; on 401 ask git's credential helpers once and retry. */
  private async authenticated(req: HttpRequest): Promise<HttpResponse> {
    const send = (credential: Credential | null) =>
      this.request({ ...req, headers: { ...req.headers, ...(credential && { Authorization: basicAuth(credential) }) } })
    let response = await send(this.credential)
    if (response.status !== 401) return response
    await readBody(response.body)
    const filled = this.credential ?? (await this.credentials.fill(this.endpoint))
    if (filled === null || filled === this.credential) throw this.authError(401)
    response = await send(filled)
    await this.credentials.report(this.endpoint, filled, response.status !== 401 && response.status !== 403)
    if (response.status === 401) throw this.authError(401)
    this.credential = filled
    return response
  }

  private request(req: HttpRequest): Promise<HttpResponse> {
    return httpRequest({ ...req, timeouts: this.timeouts })
  }

  private oversized(what: string, size: number): RemoteTransferError {
    return new RemoteTransferError(
      `the LFS server sent more than the ${size} bytes the pointer declares for ${what}; stopped there and kept nothing (the server's copy is wrong: re-upload it with gmr push from a clone that has the file)`,
      { endpoint: redactUrl(this.endpoint), size },
    )
  }

  private async expectOk(response: HttpResponse, what: string): Promise<void> {
    if (response.status >= 200 && response.status < 300) return
    const text = (await readBody(response.body)).toString('utf8')
    let message = text.trim().slice(0, 200)
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message
    } catch {
      // not JSON: keep the text
    }
    if (response.status === 401 || response.status === 403) throw this.authError(response.status)
    if (response.status === 404) {
      throw new RemoteNotFoundError(`cannot ${what}: ${redactUrl(this.endpoint)} answered 404 (${message || 'not found'}); check the remote URL or lfs.url`, {
        endpoint: redactUrl(this.endpoint),
      })
    }
    throw new RemoteTransferError(`cannot ${what}: the LFS server answered ${response.status}${message ? ` (${message})` : ''}`, {
      endpoint: redactUrl(this.endpoint),
      status: response.status,
    })
  }

  private authError(status: number): RemoteAuthError {
    return new RemoteAuthError(
      status === 403
        ? `the LFS server ${redactUrl(this.endpoint)} refused access (403); check that your account may read or write this repository`
        : `the LFS server ${redactUrl(this.endpoint)} needs credentials (401); put them in a git credential helper or in the remote URL`,
      { endpoint: redactUrl(this.endpoint), status },
    )
  }

  private objectError(operation: string, object: BatchObject, label?: string): Error {
    const what = `LFS object ${object.oid}${label ? ` (${label})` : ''}`
    if (object.error?.code === 404) {
      return new RemoteNotFoundError(
        `the remote has no ${what}: it was never uploaded; push it from a clone that has it (gmr push)`,
        { oid: object.oid, ...(label && { path: label }) },
      )
    }
    return new RemoteTransferError(`cannot ${operation} ${what}: ${object.error?.message ?? 'refused by the server'}`, {
      oid: object.oid,
    })
  }
}

/**
 * The body, cut off with `tooMuch()` as soon as it goes past `size` bytes: a server that
 * lies about (or never ends) an object must not fill the disk before the hash check fails.
 */
async function* atMost(body: AsyncIterable<Uint8Array>, size: number, tooMuch: () => Error): AsyncGenerator<Uint8Array> {
  let seen = 0
  for await (const chunk of body) {
    seen += chunk.length
    if (seen > size) throw tooMuch()
    yield chunk
  }
}

function unique(objects: readonly LfsPointer[]): LfsPointer[] {
  return [...new Map(objects.map((o) => [o.oid, o])).values()]
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
