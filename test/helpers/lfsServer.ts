import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/**
 * A Git LFS server for tests, following docs/api/batch.md and docs/api/basic-transfers.md of
 * git-lfs: the batch endpoint, then object hrefs that carry their own short-lived token (as a
 * host that hands out pre-signed storage URLs does), so a client must send the action's
 * `header` rather than its own credentials.
 */

export const LFS_MEDIA_TYPE = 'application/vnd.git-lfs+json'

export interface LfsOptions {
  /** Offer a `verify` action with every upload (default true). */
  verify?: boolean
  /** `expires_in` of every action, in seconds; the object endpoints refuse expired tokens (default 3600). */
  expiresIn?: number
  /** More objects than this in one batch answers 413 (default 1000). */
  maxBatchObjects?: number
  /** The first this many actions handed out have already expired (`expires_in` -60, token refused): a client must ask again. */
  expireFirstActions?: number
  /** Answer a `Range` request with the whole object (200), as a server without range support does. */
  ignoreRange?: boolean
  /** Called for every batch request answered: its operation and how many objects it asked about. */
  onBatch?: (operation: 'upload' | 'download', objects: number) => void
  /** Called for every LFS request once its answer is sent (or the connection closed): what it was and which connection carried it. */
  onRequest?: (entry: LfsRequestLogEntry) => void
}

/** One LFS request as onRequest sees it: benchmarks count requests and connections with it (is keep-alive used?). */
export interface LfsRequestLogEntry {
  method: string
  /** The path after `info/lfs`: `/objects/batch`, `/objects/<oid>`, `/verify`. */
  route: string
  status: number
  /** The TCP connection, numbered from 1 in the order this server first saw each. */
  connection: number
  /** From the request's arrival to its answer's end (ms). */
  ms: number
}

/** One request routed to the LFS server, already authenticated by the caller where that applies. */
export interface LfsRequest {
  req: IncomingMessage
  res: ServerResponse
  /** The request body as received. */
  body: Readable
  /** The bare repository on disk. */
  repoDir: string
  /** The repository's name in URLs, without `.git`. */
  repoName: string
  /** The path after `<repo>.git/info/lfs`, e.g. `/objects/batch`. */
  route: string
  /** May this caller upload (false answers an upload batch with 403). */
  canWrite: boolean
}

type Operation = 'download' | 'upload' | 'verify'

interface BatchObject {
  oid: string
  size: number
  authenticated?: boolean
  actions?: Record<string, { href: string; header: Record<string, string>; expires_in: number }>
  error?: { code: number; message: string }
}

const OID = /^[0-9a-f]{64}$/
const MAX_JSON_BYTES = 10 * 1024 * 1024

/** Where an object lives in a bare repository: the same layout git-lfs uses (`lfs/objects/aa/bb/<oid>`). */
export function lfsObjectPath(repoDir: string, oid: string): string {
  return join(repoDir, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid)
}

/** An error response as the spec shapes it: `{message, request_id}`, LFS media type. */
export function sendLfsError(res: ServerResponse, status: number, message: string, headers: OutgoingHttpHeaders = {}): void {
  sendLfsJson(res, status, { message, request_id: randomBytes(6).toString('hex') }, headers)
}

function sendLfsJson(res: ServerResponse, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
  const body = Buffer.from(JSON.stringify(value))
  res.writeHead(status, { 'Content-Type': LFS_MEDIA_TYPE, 'Content-Length': body.length, ...headers })
  res.end(body)
}

function mediaTypes(header: string | undefined): string[] {
  return (header ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase())
}

async function readJson(body: Readable): Promise<{ ok: true; value: unknown } | { ok: false; status: number; message: string }> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of body) {
    length += (chunk as Buffer).length
    if (length > MAX_JSON_BYTES) return { ok: false, status: 413, message: `request body larger than ${MAX_JSON_BYTES} bytes` }
    chunks.push(chunk as Buffer)
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) }
  } catch (error) {
    return { ok: false, status: 400, message: `malformed JSON: ${(error as Error).message}` }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function validSize(size: unknown): size is number {
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0
}

export class LfsServer {
  private readonly secret = randomBytes(32)
  private readonly verify: boolean
  private readonly expiresIn: number
  private readonly maxBatchObjects: number
  private expireNext: number
  /** The connections LFS requests came on, numbered for onRequest. */
  private readonly connections = new WeakMap<object, number>()
  private connectionCount = 0

  /** `origin` is read per request: the port is known only once the server listens. */
  constructor(
    private readonly origin: () => string,
    private readonly options: LfsOptions = {},
  ) {
    this.verify = options.verify ?? true
    this.expiresIn = options.expiresIn ?? 3600
    this.maxBatchObjects = options.maxBatchObjects ?? 1000
    this.expireNext = options.expireFirstActions ?? 0
  }

  async handle(r: LfsRequest): Promise<void> {
    if (this.options.onRequest) this.logRequest(r, this.options.onRequest)
    const object = /^\/objects\/([^/]+)$/.exec(r.route)
    if (r.route === '/objects/batch') return this.batch(r)
    if (r.route === '/verify') return this.verifyObject(r)
    if (object) return this.transferObject(r, object[1]!)
    // Locking (locks/verify, which git-lfs's pre-push hook calls) is not implemented: 404, as
    // on a host without locking support.
    sendLfsError(r.res, 404, `${r.route} is not supported by this LFS server`)
  }

  private logRequest({ req, res, route }: LfsRequest, onRequest: (entry: LfsRequestLogEntry) => void): void {
    const started = performance.now()
    const connection = this.connections.get(req.socket) ?? ++this.connectionCount
    this.connections.set(req.socket, connection)
    res.once('close', () => onRequest({ method: req.method ?? 'GET', route, status: res.statusCode, connection, ms: performance.now() - started }))
  }

  private async batch({ req, res, body, repoDir, repoName, canWrite }: LfsRequest): Promise<void> {
    if (req.method !== 'POST') return sendLfsError(res, 405, 'the batch API takes POST', { Allow: 'POST' })
    if (!mediaTypes(req.headers.accept).includes(LFS_MEDIA_TYPE)) {
      return sendLfsError(res, 406, `the Accept header must be ${LFS_MEDIA_TYPE}`)
    }
    const contentType = mediaTypes(req.headers['content-type'])[0]
    if (contentType !== LFS_MEDIA_TYPE && contentType !== 'application/json') {
      return sendLfsError(res, 415, `the Content-Type must be ${LFS_MEDIA_TYPE}`)
    }
    const parsed = await readJson(body)
    if (!parsed.ok) return sendLfsError(res, parsed.status, parsed.message)
    const request = parsed.value
    if (!isRecord(request)) return sendLfsError(res, 422, 'the batch request must be a JSON object')
    const { operation, transfers, objects } = request
    if (operation !== 'upload' && operation !== 'download') {
      return sendLfsError(res, 422, `operation must be "upload" or "download", not ${JSON.stringify(operation)}`)
    }
    if (transfers !== undefined && !(Array.isArray(transfers) && transfers.every((t) => typeof t === 'string'))) {
      return sendLfsError(res, 422, 'transfers must be an array of strings')
    }
    if (transfers !== undefined && !transfers.includes('basic')) {
      return sendLfsError(res, 422, `this server offers only the basic transfer adapter, not ${transfers.join(', ')}`)
    }
    if (request.ref !== undefined && request.ref !== null && !(isRecord(request.ref) && typeof request.ref.name === 'string')) {
      return sendLfsError(res, 422, 'ref must be an object with a string name')
    }
    if (request.hash_algo !== undefined && request.hash_algo !== 'sha256') {
      return sendLfsError(res, 409, `hash algorithm ${JSON.stringify(request.hash_algo)} is not supported; use sha256`)
    }
    if (!Array.isArray(objects)) return sendLfsError(res, 422, 'objects must be an array')
    if (objects.length > this.maxBatchObjects) {
      return sendLfsError(res, 413, `at most ${this.maxBatchObjects} objects per batch request`)
    }
    if (operation === 'upload' && !canWrite) return sendLfsError(res, 403, 'you may read this repository but not upload to it')
    this.options.onBatch?.(operation, objects.length)

    const answers: BatchObject[] = []
    for (const item of objects) {
      const oid = isRecord(item) ? item.oid : undefined
      const size = isRecord(item) ? item.size : undefined
      if (typeof oid !== 'string' || !OID.test(oid) || !validSize(size)) {
        answers.push({
          oid: String(oid),
          size: validSize(size) ? size : 0,
          error: { code: 422, message: 'oid must be 64 lowercase hex digits and size a non-negative integer' },
        })
        continue
      }
      const stored = await storedSize(lfsObjectPath(repoDir, oid))
      answers.push(operation === 'download' ? this.downloadAnswer(repoName, oid, size, stored) : this.uploadAnswer(repoName, oid, size, stored))
    }
    sendLfsJson(res, 200, { transfer: 'basic', objects: answers, hash_algo: 'sha256' })
  }

  private downloadAnswer(repo: string, oid: string, size: number, stored: number | undefined): BatchObject {
    if (stored === undefined) return { oid, size, error: { code: 404, message: 'Object does not exist' } }
    if (stored !== size) return { oid, size, error: { code: 422, message: `Object has size ${stored}, not ${size}` } }
    return { oid, size, authenticated: true, actions: { download: this.action('download', repo, oid, size, this.objectHref(repo, oid)) } }
  }

  private uploadAnswer(repo: string, oid: string, size: number, stored: number | undefined): BatchObject {
    // Already present: no actions at all, and the client skips it (spec).
    if (stored === size) return { oid, size }
    const actions: NonNullable<BatchObject['actions']> = { upload: this.action('upload', repo, oid, size, this.objectHref(repo, oid)) }
    if (this.verify) actions.verify = this.action('verify', repo, oid, size, `${this.origin()}/${repo}.git/info/lfs/verify`)
    return { oid, size, authenticated: true, actions }
  }

  private objectHref(repo: string, oid: string): string {
    return `${this.origin()}/${repo}.git/info/lfs/objects/${oid}`
  }

  private action(op: Operation, repo: string, oid: string, size: number, href: string) {
    const expired = this.expireNext > 0
    if (expired) this.expireNext--
    const expiresIn = expired ? -60 : this.expiresIn
    const expiresAt = Math.floor(Date.now() / 1000) + expiresIn
    const token = `${op}.${size}.${expiresAt}.${this.mac(op, repo, oid, size, expiresAt).toString('base64url')}`
    return { href, header: { Authorization: `Bearer ${token}` }, expires_in: expiresIn }
  }

  private mac(op: Operation, repo: string, oid: string, size: number, expiresAt: number): Buffer {
    return createHmac('sha256', this.secret).update([op, repo, oid, size, expiresAt].join('\n')).digest()
  }

  /** The size the token was issued for, or the status to answer with. */
  private checkToken(req: IncomingMessage, op: Operation, repo: string, oid: string): { size: number } | { status: number; message: string } {
    const match = /^Bearer (\w+)\.(\d+)\.(\d+)\.([\w-]+)$/.exec(req.headers.authorization ?? '')
    if (!match) return { status: 401, message: 'this URL needs the Authorization header of the batch response action' }
    const [, tokenOp, sizeText, expiresText, macText] = match
    const size = Number(sizeText)
    const expiresAt = Number(expiresText)
    const expected = this.mac(op, repo, oid, size, expiresAt)
    const given = Buffer.from(macText!, 'base64url')
    if (tokenOp !== op || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { status: 403, message: `the token is not valid for ${op} of ${oid}` }
    }
    if (expiresAt < Date.now() / 1000) return { status: 403, message: 'the token has expired; ask the batch endpoint again' }
    return { size }
  }

  private async transferObject(r: LfsRequest, oid: string): Promise<void> {
    const { req, res } = r
    if (!OID.test(oid)) return sendLfsError(res, 422, `${oid} is not a sha256 object id`)
    if (req.method === 'GET') return this.download(r, oid)
    if (req.method === 'PUT') return this.upload(r, oid)
    sendLfsError(res, 405, 'objects take GET or PUT', { Allow: 'GET, PUT' })
  }

  private async download({ req, res, repoDir, repoName }: LfsRequest, oid: string): Promise<void> {
    const token = this.checkToken(req, 'download', repoName, oid)
    if ('status' in token) return sendLfsError(res, token.status, token.message)
    const path = lfsObjectPath(repoDir, oid)
    const size = await storedSize(path)
    if (size === undefined) return sendLfsError(res, 404, 'Object does not exist')
    // git-lfs resumes an interrupted download with `Range: bytes=<have>-`.
    const range = this.options.ignoreRange ? null : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    let start = 0
    let end = size - 1
    if (range) {
      start = Number(range[1])
      end = range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1)
      if (start >= size || start > end) {
        return sendLfsError(res, 416, `range ${req.headers.range} is outside 0-${size - 1}`, { 'Content-Range': `bytes */${size}` })
      }
    }
    const headers: OutgoingHttpHeaders = { 'Content-Type': 'application/octet-stream', 'Content-Length': end - start + 1 }
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`
    res.writeHead(range ? 206 : 200, headers)
    if (size === 0) return void res.end()
    await pipeline(createReadStream(path, { start, end }), res).catch(() => undefined)
  }

  private async upload({ req, res, body, repoDir, repoName }: LfsRequest, oid: string): Promise<void> {
    const token = this.checkToken(req, 'upload', repoName, oid)
    if ('status' in token) return sendLfsError(res, token.status, token.message)
    const final = lfsObjectPath(repoDir, oid)
    const tmpDir = join(repoDir, 'lfs', 'tmp')
    await mkdir(tmpDir, { recursive: true })
    const tmp = join(tmpDir, `${oid}.${randomBytes(6).toString('hex')}`)
    const hash = createHash('sha256')
    let received = 0
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk)
        received += chunk.length
        callback(null, chunk)
      },
    })
    try {
      await pipeline(body, measure, createWriteStream(tmp))
    } catch {
      // The client went away mid-upload: keep nothing.
      await rm(tmp, { force: true })
      if (!res.headersSent && !res.destroyed) sendLfsError(res, 400, 'the upload was cut short')
      return
    }
    const digest = hash.digest('hex')
    const problem =
      received !== token.size
        ? `received ${received} bytes, but the object has ${token.size}`
        : digest !== oid
          ? `the bytes hash to sha256 ${digest}, not ${oid}`
          : undefined
    if (problem) {
      await rm(tmp, { force: true })
      return sendLfsError(res, 422, problem)
    }
    await mkdir(join(final, '..'), { recursive: true })
    await rename(tmp, final)
    res.writeHead(200, { 'Content-Length': 0 })
    res.end()
  }

  private async verifyObject({ req, res, body, repoDir, repoName }: LfsRequest): Promise<void> {
    if (req.method !== 'POST') return sendLfsError(res, 405, 'verify takes POST', { Allow: 'POST' })
    const parsed = await readJson(body)
    if (!parsed.ok) return sendLfsError(res, parsed.status, parsed.message)
    const { oid, size } = isRecord(parsed.value) ? parsed.value : {}
    if (typeof oid !== 'string' || !OID.test(oid) || !validSize(size)) {
      return sendLfsError(res, 422, 'verify takes {"oid": <sha256>, "size": <bytes>}')
    }
    const token = this.checkToken(req, 'verify', repoName, oid)
    if ('status' in token) return sendLfsError(res, token.status, token.message)
    const stored = await storedSize(lfsObjectPath(repoDir, oid))
    if (stored === undefined) return sendLfsError(res, 404, `object ${oid} was not uploaded`)
    if (stored !== size) return sendLfsError(res, 422, `object ${oid} has ${stored} bytes on the server, not ${size}`)
    sendLfsJson(res, 200, { message: 'ok' })
  }
}

async function storedSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size
  } catch {
    return undefined
  }
}
