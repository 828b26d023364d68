import { sleep } from '../domain/async.js'
import type { LfsPointer } from '../domain/lfsPointer.js'
import type { LfsStore, StagedLfsObject } from '../git/lfsStore.js'
import { readInto } from '../git/fs.js'
import { pageAlignedBuffers } from '../git/streamCopy.js'
import { HttpLfsAccess, type LfsAccess, type LfsApiTarget } from './lfsAccess.js'
import type { CredentialSource } from './credentials.js'
import { RemoteAuthError, RemoteNotFoundError, RemoteTransferError } from '../domain/errors.js'
import { isDroppedConnection, readBody, request as httpRequest, type HttpRequest, type HttpResponse } from './http.js'
import { DEFAULT_RETRY, isRetryableStatus, retryDelay, type RetryPolicy } from './lfsRetry.js'
import { expiryOf, hasExpired, type LfsOperation } from './lfsSsh.js'
import { DEFAULT_TIMEOUTS, describeTimeout, type Timeouts } from './timeouts.js'
import { transferNotice } from './transferNotices.js'

const LFS_JSON = 'application/vnd.git-lfs+json'
/** Objects per batch request: the most the spec lets a client ask for at once. */
const BATCH_SIZE = 100
/** Objects answered by the batch API and waiting for a worker: more are asked for while fewer wait (see pipelined). */
const QUEUED_AHEAD = 3 * BATCH_SIZE
/** Objects moved at once, as git-lfs's default `lfs.concurrenttransfers` (8). */
const PARALLEL_TRANSFERS = 8
/**
 * Objects moved at once when every one is small (WHOLE_OBJECT_MAX) and `concurrency` is
 * not given: each is a request and an answer of milliseconds, so round trips, not bytes,
 * bound the rate, and a server (or a client descheduled on a busy machine) that pauses
 * still has work queued. Measured on the test server, 1,000 × 100 KiB: the upload phase
 * 3.6-3.8 s with 16, 3.5-4.8 s with 8, git-lfs's (8) 3.9-4.2 s in the same runs.
 */
const PARALLEL_SMALL_TRANSFERS = 16
/**
 * Objects up to this size move through memory in one piece: an upload is read with one
 * read and sent with its headers in one write; a download is received whole and written
 * to the store with one write. At most `concurrency` such objects are in memory at once.
 */
const WHOLE_OBJECT_MAX = 1024 * 1024
/**
 * A larger object is read from the store, and written to it, in pieces of this size: a
 * socket hands over at most 64 KiB at a time, and each piece is one trip through the
 * file-system thread pool (a 50 MiB object: 50 trips instead of 800).
 */
const PIECE = 1024 * 1024

interface Action {
  href: string
  header?: Record<string, string>
  expires_in?: number
  expires_at?: string
  /** When this action stops being good (epoch ms), worked out when the answer arrived. */
  expiresAt?: number
}

interface BatchObject {
  oid: string
  size: number
  actions?: { upload?: Action; download?: Action; verify?: Action }
  error?: { code: number; message: string }
}

/** What an upload may be given besides its objects. */
export interface LfsUploadOptions {
  /** Aborted: no further object starts, requests under way are cut, and the upload fails (a push refused while its objects went up). */
  signal?: AbortSignal
}

export interface LfsTransferResult {
  /** Objects moved. */
  objects: number
  bytes: number
}

export interface LfsClientOptions {
  timeouts?: Timeouts
  retry?: RetryPolicy
  /** Objects in flight at once (`lfs.concurrenttransfers`); default PARALLEL_TRANSFERS, or PARALLEL_SMALL_TRANSFERS when all are small. */
  concurrency?: number
}

/**
 * A Git LFS client for the Batch API with the basic transfer adapter
 * (git-lfs/docs/api/batch.md, basic-transfers.md), doing what git-lfs does by default:
 * batches of at most a hundred objects, the next one asked for while the current one
 * moves, eight objects in flight on kept-alive connections; requests tried again (with a note on stderr) on 5xx,
 * 429 and broken connections; a download cut mid-way resumed with `Range`; an action
 * whose `expires_in`/`expires_at` passed asked for again before it is used. Every
 * download is checked against its SHA-256 and size before the store takes it.
 */
export class LfsClient {
  private readonly access: LfsAccess
  private readonly timeouts: Timeouts
  private readonly retry: RetryPolicy
  private readonly concurrency: number | undefined
  private readonly readBuffers: ReadBuffers

  /** `endpoint`: an HTTP(S) LFS URL (git's credentials apply), or an LfsAccess (ssh). */
  constructor(endpoint: string | LfsAccess, credentials: CredentialSource, options: LfsClientOptions = {}) {
    this.access = typeof endpoint === 'string' ? new HttpLfsAccess(endpoint, credentials) : endpoint
    this.timeouts = options.timeouts ?? DEFAULT_TIMEOUTS
    this.retry = options.retry ?? DEFAULT_RETRY
    this.concurrency = options.concurrency
    this.readBuffers = new ReadBuffers(this.concurrency ?? PARALLEL_TRANSFERS)
  }

  /** Upload every object the server does not have yet; returns what was sent. */
  async upload(store: LfsStore, objects: readonly LfsPointer[], options: LfsUploadOptions = {}): Promise<LfsTransferResult> {
    const result: LfsTransferResult = { objects: 0, bytes: 0 }
    const { signal } = options
    await this.pipelined(
      'upload',
      unique(objects),
      async (object) => {
        if (object.error) throw this.objectError('upload', object)
        // Objects without an upload action are on the server already.
        if (!object.actions?.upload) return
        await this.uploadOne(store, object, signal)
        result.objects++
        result.bytes += object.size
      },
      undefined,
      signal,
    )
    return result
  }

  /**
   * Download objects into the store (those it lacks); `labels` names the file each oid
   * is for, so a missing object is reported by the file a user knows.
   */
  async download(store: LfsStore, objects: readonly LfsPointer[], labels: ReadonlyMap<string, string> = new Map()): Promise<LfsTransferResult> {
    const result: LfsTransferResult = { objects: 0, bytes: 0 }
    const wanted: LfsPointer[] = []
    for (const object of unique(objects)) if (!(await store.has(object))) wanted.push(object)
    const commits = store.commits()
    const keep = (object: BatchObject, staged: StagedLfsObject) => {
      // Not awaited: a group waits out a timestamp tick (20 ms) before its renames, and a
      // transfer that held its place until then would cap a fetch at `concurrency` objects
      // per tick (400 a second). A failed commit is thrown by commits.finish.
      void commits.add(staged)
      result.objects++
      result.bytes += object.size
    }
    const transfers = this.pipelined(
      'download',
      wanted,
      async (object) => {
        const label = labels.get(object.oid) ?? object.oid
        const what = `LFS object ${object.oid}${labels.has(object.oid) ? ` (${label})` : ''}`
        const body = atMost(this.resumableBody(object, what), object.size, () => this.oversized(what, object.size))
        const expected = { oid: object.oid, size: object.size }
        if (object.size > WHOLE_OBJECT_MAX) return keep(object, await store.stageStream(inPieces(body, PIECE), expected, label))
        // Received into a reused buffer: a fresh 100 KiB buffer per object made the collector run every few dozen objects.
        const held = await this.readBuffers.received(body)
        try {
          keep(object, await store.stageHeld(held.bytes, expected, label))
        } finally {
          // stageHeld has finished (or failed) every write from it.
          held.release()
        }
      },
      (object) => {
        const label = labels.get(object.oid)
        if (object.error) throw this.objectError('download', object, label)
        if (!object.actions?.download) throw this.objectError('download', { ...object, error: { code: 404, message: 'no download action' } }, label)
      },
    )
    try {
      await transfers
    } finally {
      await commits.finish()
    }
    return result
  }

  /**
   * Batches of BATCH_SIZE through one pool of workers (see LfsClientOptions.concurrency). Batch requests go one
   * after another, each as soon as the one before is answered, until QUEUED_AHEAD objects
   * wait for a worker; then the next as soon as fewer do. A busy server took 0.1-0.7 s to
   * answer a batch whose stats waited behind the uploads (the test server; git-lfs asks
   * for its batches ahead, and got its answers in 10-20 ms), as long as 8 workers take for
   * the whole batch before it: asked only when that batch started to move, the workers
   * waited for it. `check` sees a whole batch's answer before any of its objects is
   * queued, so a refused object fails the run before that batch's bytes move.
   */
  private async pipelined(
    operation: LfsOperation,
    objects: readonly LfsPointer[],
    transfer: (object: BatchObject) => Promise<void>,
    check: (object: BatchObject) => void = () => undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const batches = chunks(objects, BATCH_SIZE)
    const queue: BatchObject[] = []
    let asked = 0
    let answer: Promise<void> | null = null
    let failed = false
    const askNext = () => {
      if (answer !== null || asked >= batches.length || queue.length >= QUEUED_AHEAD || failed) return
      const pending = this.batch(operation, batches[asked++]!, signal).then((answered) => {
        answered.forEach(check)
        queue.push(...answered)
        answer = null
        askNext()
      })
      // Awaited by the workers; until one does, a failure must not count as unhandled.
      pending.catch(() => undefined)
      answer = pending
    }
    const worker = async (): Promise<void> => {
      while (!failed) {
        signal?.throwIfAborted()
        askNext()
        const object = queue.shift()
        if (object === undefined) {
          if (answer === null) return
          await answer
          continue
        }
        await transfer(object).catch((err: unknown) => {
          failed = true
          throw err
        })
      }
    }
    askNext()
    const workers = this.concurrency ?? (objects.every((o) => o.size <= WHOLE_OBJECT_MAX) ? PARALLEL_SMALL_TRANSFERS : PARALLEL_TRANSFERS)
    await Promise.all(Array.from({ length: workers }, worker))
  }

  private async uploadOne(store: LfsStore, object: BatchObject, signal?: AbortSignal): Promise<void> {
    const what = `LFS object ${object.oid}`
    const path = store.objectPath(object.oid)
    // A small object is read once (and sent again from memory on a retry); a missing one streams, to fail as a stream does.
    const held = object.size <= WHOLE_OBJECT_MAX ? await this.readBuffers.whole(store, path, object.size) : null
    // A larger one is read again for each attempt, through buffers of that attempt's own.
    const attempts: HeldPieces[] = []
    const upload = await this.fresh('upload', object, 'upload')
    const response = await this.send(`the upload of ${what}`, signal, () => {
      const body = held?.bytes ?? attempts[attempts.push(this.readBuffers.pieces(store, path)) - 1]!.body
      return {
        url: upload.href,
        method: 'PUT',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(object.size), ...upload.header },
        body,
      }
    })
    await this.expectOk(response, `upload ${what}`)
    // Read every answer to its end: an unread body holds its keep-alive socket, and the
    // process then waits for the server to hang up (seconds, or minutes) before exiting.
    await readBody(response.body)
    // Answered: the server has every byte, so no write from these buffers is still pending.
    // On a failure they are dropped rather than reused (a cut socket's write may be queued),
    // and so are those of an attempt before the last (its request may still be sending).
    held?.release()
    attempts.at(-1)?.release()
    if (!object.actions?.verify) return
    const verify = await this.fresh('upload', object, 'verify')
    const checked = await this.send(`the verify call for ${what}`, signal, () => ({
      url: verify.href,
      method: 'POST',
      headers: { Accept: LFS_JSON, 'Content-Type': LFS_JSON, ...verify.header },
      body: JSON.stringify({ oid: object.oid, size: object.size }),
    }))
    await this.expectOk(checked, `verify ${what}`)
    await readBody(checked.body)
  }

  /**
   * The bytes of one object. A connection that breaks mid-way is asked again for the rest
   * (`Range: bytes=<have>-`, as git-lfs does); a server that ignores the Range sends the
   * whole object again, and the bytes we already have are skipped. The store's hash check
   * over the whole stream still decides whether the result is the object.
   */
  private async *resumableBody(object: BatchObject, what: string): AsyncGenerator<Uint8Array> {
    let received = 0
    let retries = 0
    let response = await this.get(object, what, 0)
    for (;;) {
      // Bytes at the start of this response that we already have (a 200 to a Range request).
      let skip = response.status === 206 ? 0 : received
      try {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
          if (skip >= chunk.length) {
            skip -= chunk.length
            continue
          }
          const fresh = skip > 0 ? chunk.subarray(skip) : chunk
          skip = 0
          received += fresh.length
          yield fresh
        }
        return
      } catch (err) {
        if (!isDroppedConnection(err) || retries >= this.retry.maxRetries || received >= object.size) throw err
        const wait = retryDelay(this.retry, retries)
        retries++
        transferNotice(`the download of ${what} broke after ${received} of ${object.size} bytes; resuming in ${describeTimeout(wait)} (retry ${retries} of ${this.retry.maxRetries})`)
        await sleep(wait)
        response = await this.get(object, what, received)
      }
    }
  }

  /** GET an object's bytes from `from` on (a Range request when from > 0), the action renewed if it expired. */
  private async get(object: BatchObject, what: string, from: number): Promise<HttpResponse> {
    const action = await this.fresh('download', object, 'download')
    const response = await this.send(`the download of ${what}`, undefined, () => ({
      url: action.href,
      headers: { ...action.header, ...(from > 0 && { Range: `bytes=${from}-` }) },
      what: `the download of ${what}`,
    }))
    await this.expectOk(response, `download ${what}`)
    if (response.status === 206 && !new RegExp(`^bytes ${from}-`).test(response.headers['content-range'] ?? '')) {
      await readBody(response.body).catch(() => undefined)
      throw new RemoteTransferError(
        `cannot download ${what}: asked to resume at byte ${from}, the LFS server sent ${response.headers['content-range'] ?? 'a part without Content-Range'}; nothing partial was kept, run it again`,
        { oid: object.oid },
      )
    }
    return response
  }

  /**
   * The object's `kind` action, asked for again (one batch request for this object)
   * when its `expires_in`/`expires_at` has passed, so an old link is never used.
   */
  private async fresh(operation: LfsOperation, object: BatchObject, kind: 'upload' | 'download' | 'verify'): Promise<Action> {
    const action = object.actions![kind]!
    if (!hasExpired(action.expiresAt, Date.now())) return action
    transferNotice(`the ${kind} link for LFS object ${object.oid} expired; asking the LFS server for a new one`)
    const [renewed] = await this.batch(operation, [object])
    if (renewed?.error) throw this.objectError(operation, renewed)
    const replacement = renewed?.actions?.[kind]
    if (!replacement) {
      throw new RemoteTransferError(`cannot ${operation} LFS object ${object.oid}: its ${kind} link expired and the LFS server gave no new one; run it again`, {
        oid: object.oid,
      })
    }
    object.actions = renewed.actions
    return replacement
  }

  private async batch(operation: LfsOperation, objects: readonly LfsPointer[], signal?: AbortSignal): Promise<BatchObject[]> {
    const body = JSON.stringify({
      operation,
      transfers: ['basic'],
      objects: objects.map(({ oid, size }) => ({ oid, size })),
      hash_algo: 'sha256',
    })
    const what = `the LFS batch request (${operation}, ${objects.length} objects)`
    const send = (target: LfsApiTarget) =>
      this.send(what, signal, () => ({
        what,
        url: `${target.endpoint}/objects/batch`,
        method: 'POST',
        headers: { Accept: LFS_JSON, 'Content-Type': LFS_JSON, ...target.header },
        body,
      }))
    let response = await send(await this.access.target(operation))
    if (response.status === 401) {
      await readBody(response.body)
      const again = await this.access.retarget(operation)
      if (again === null) throw this.authError(401)
      response = await send(again)
      await this.access.settle(response.status !== 401 && response.status !== 403)
      if (response.status === 401) throw this.authError(401)
    }
    await this.expectOk(response, `${operation} LFS objects`)
    const received = Date.now()
    const parsed = JSON.parse((await readBody(response.body)).toString('utf8')) as { objects?: BatchObject[] }
    const answered = parsed.objects ?? []
    for (const object of answered) {
      for (const action of Object.values(object.actions ?? {})) {
        const expiresAt = expiryOf(action.expires_in, action.expires_at, received)
        if (expiresAt !== undefined) action.expiresAt = expiresAt
      }
    }
    return answered
  }

  /**
   * One request, tried again on a broken connection, a 5xx or a 429 (after the server's
   * Retry-After, else a doubling pause), at most `retry.maxRetries` times, each retry
   * said on stderr. The last answer is returned whatever its status. An aborted `signal`
   * cuts the request and is never tried again.
   */
  private async send(what: string, signal: AbortSignal | undefined, make: () => HttpRequest): Promise<HttpResponse> {
    for (let retries = 0; ; retries++) {
      let response: HttpResponse | undefined
      let failure: unknown
      try {
        signal?.throwIfAborted()
        response = await httpRequest({ what, ...make(), timeouts: this.timeouts, ...(signal && { signal }) })
      } catch (err) {
        if (signal?.aborted) throw signal.reason
        if (!isDroppedConnection(err)) throw err
        failure = err
      }
      if (response !== undefined && !isRetryableStatus(response.status)) return response
      if (retries >= this.retry.maxRetries) {
        if (response !== undefined) return response
        throw failure
      }
      const wait = retryDelay(this.retry, retries, response?.headers['retry-after'])
      if (response !== undefined) await readBody(response.body).catch(() => undefined)
      const why = response !== undefined ? `the LFS server answered ${response.status}` : 'the connection broke'
      transferNotice(`${what}: ${why}; retrying in ${describeTimeout(wait)} (retry ${retries + 1} of ${this.retry.maxRetries})`)
      await sleep(wait)
    }
  }

  private oversized(what: string, size: number): RemoteTransferError {
    return new RemoteTransferError(
      `the LFS server sent more than the ${size} bytes the pointer declares for ${what}; stopped there and kept nothing (the server's copy is wrong: re-upload it with gmr push from a clone that has the file)`,
      { endpoint: this.access.shown, size },
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
      throw new RemoteNotFoundError(`cannot ${what}: ${this.access.shown} answered 404 (${message || 'not found'}); check the remote URL or lfs.url`, {
        endpoint: this.access.shown,
      })
    }
    throw new RemoteTransferError(`cannot ${what}: the LFS server answered ${response.status}${message ? ` (${message})` : ''}`, {
      endpoint: this.access.shown,
      status: response.status,
    })
  }

  private authError(status: number): RemoteAuthError {
    const endpoint = this.access.shown
    return new RemoteAuthError(
      status === 403
        ? `the LFS server ${endpoint} refused access (403); check that your account may read or write this repository`
        : `the LFS server ${endpoint} needs credentials (401); put them in a git credential helper or in the remote URL`,
      { endpoint, status },
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

/** A small object's bytes in a pooled buffer, and how to hand the buffer back. */
interface HeldObject {
  bytes: Buffer
  release(): void
}

/** A large object's bytes, read piece by piece into pooled buffers as they are sent. */
interface HeldPieces {
  body: AsyncGenerator<Buffer>
  release(): void
}

/**
 * Page-aligned buffers of 1 MiB (WHOLE_OBJECT_MAX, PIECE), reused from one transfer to the
 * next: a read into a buffer that starts on a page costs the kernel half the copy time of
 * one into a fresh allocation (src/git/streamCopy.ts), and a thousand small uploads or
 * downloads no longer leave a thousand buffers for the collector. Made `count` at a time (one per transfer in
 * flight) when the pool runs dry.
 */
class ReadBuffers {
  private readonly spare: Buffer[] = []

  constructor(private readonly count: number) {}

  /** The file's `size` bytes, or null when it does not exist (the stream path then reports it). */
  async whole(store: LfsStore, path: string, size: number): Promise<HeldObject | null> {
    const buffer = this.take()
    let filled: number | null
    try {
      filled = await store.repo.fs.readStart(path, buffer, size)
    } catch (err) {
      this.spare.push(buffer)
      throw err
    }
    if (filled === null) {
      this.spare.push(buffer)
      return null
    }
    // A file shorter than its pointer: send what is there, and let the server's size check refuse it.
    return { bytes: buffer.subarray(0, filled), release: () => void this.spare.push(buffer) }
  }

  /** A whole answer body of at most WHOLE_OBJECT_MAX bytes (atMost guards it), received into one buffer. */
  async received(body: AsyncIterable<Uint8Array>): Promise<HeldObject> {
    const buffer = this.take()
    let filled = 0
    try {
      for await (const chunk of body) {
        buffer.set(chunk, filled)
        filled += chunk.length
      }
    } catch (err) {
      this.spare.push(buffer)
      throw err
    }
    return { bytes: buffer.subarray(0, filled), release: () => void this.spare.push(buffer) }
  }

  /**
   * The file in pieces, two buffers in turn. http.request waits for each 1 MiB piece to
   * drain into the socket before it asks for the next, so a buffer is refilled only after
   * the piece it held was sent, and the one after it too.
   */
  pieces(store: LfsStore, path: string): HeldPieces {
    const buffers = [this.take(), this.take()]
    async function* body(): AsyncGenerator<Buffer> {
      const handle = await store.repo.fs.open(path, 'r')
      try {
        for (let position = 0, turn = 0; ; turn++) {
          const buffer = buffers[turn % 2]!
          const filled = await readInto(handle, buffer, buffer.length, position)
          if (filled === 0) return
          position += filled
          yield buffer.subarray(0, filled)
          if (filled < buffer.length) return
        }
      } finally {
        await handle.close()
      }
    }
    return { body: body(), release: () => void this.spare.push(...buffers) }
  }

  private take(): Buffer {
    if (this.spare.length === 0) this.spare.push(...pageAlignedBuffers(this.count, WHOLE_OBJECT_MAX))
    return this.spare.pop()!
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

/** The body in pieces of `size` bytes (the last one shorter). */
async function* inPieces(body: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let held: Uint8Array[] = []
  let length = 0
  for await (const chunk of body) {
    held.push(chunk)
    length += chunk.length
    if (length < size) continue
    yield Buffer.concat(held, length)
    held = []
    length = 0
  }
  if (length > 0) yield Buffer.concat(held, length)
}

function unique(objects: readonly LfsPointer[]): LfsPointer[] {
  return [...new Map(objects.map((o) => [o.oid, o])).values()]
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
