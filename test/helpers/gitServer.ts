import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve, sep } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { LfsServer, lfsObjectPath, sendLfsError, type LfsOptions } from './lfsServer.js'

/**
 * A git host for tests on 127.0.0.1: git smart HTTP through the real `git http-backend` CGI,
 * and a Git LFS server (./lfsServer.ts) at the URL git-lfs derives from the remote
 * (`<repo>.git/info/lfs`). Optional basic auth, fault injection, and byte counters per
 * request class so tests and benchmarks can assert what went over the wire.
 *
 *   const server = await startGitServer({ auth: { username: 'ada', password: 's3cret' } })
 *   server.createRepo('models')
 *   git clone server.url('models', server.credentials) ...
 *   server.stats()['upload-pack'].bytesOut
 *   await server.stop()
 */

export interface Credentials {
  username: string
  password: string
}

export interface ServerAuth extends Credentials {
  /** Accounts that may fetch and download but not push or upload (answered with 403). */
  readers?: Credentials[]
}

/** What a fault applies to; it fires `times` times (default once) and then disarms itself (is deleted from `failures`). */
export interface FaultMatch {
  /** Tested against the request's path and query, e.g. `/models.git/git-upload-pack`. */
  path: RegExp
  method?: string
  times?: number
}

export interface DropConnectionFault extends FaultMatch {
  /** Body bytes to let through before the socket is destroyed. */
  bytes: number
  /** Cut the response (a server killed mid-fetch, default) or the request body (mid-push). */
  direction?: 'response' | 'request'
}

export interface ForcedResponseFault extends FaultMatch {
  status: number
  /** Default: a short text, or `{message}` JSON on LFS paths. */
  body?: string
  headers?: OutgoingHttpHeaders
}

export interface StallFault extends FaultMatch {
  /** Body bytes to send before going silent (0: not even the headers), connection held open until the client gives up. */
  bytes: number
}

export interface StreamBodyFault extends FaultMatch {
  /** Answer 200 with this many bytes of zeros (a server that lies about an object, or never ends one), streamed. */
  bytes: number
}

export interface ServerFailures {
  dropConnectionAfterBytes?: DropConnectionFault
  respondWith?: ForcedResponseFault
  stallAfterBytes?: StallFault
  streamBody?: StreamBodyFault
}

export interface GitServerOptions {
  /** Folder of bare repositories; default a fresh temporary folder, removed by stop(). */
  root?: string
  /** Basic auth for git and LFS alike; without it everyone may read and write. */
  auth?: ServerAuth
  failures?: ServerFailures
  lfs?: LfsOptions & {
    /** false: no LFS at all, every `info/lfs` URL answers 404 (a host without LFS). Default true. */
    enabled?: boolean
  }
  /** Extra server-side git config (`-c` style), e.g. `{ 'uploadpack.allowAnySHA1InWant': 'true' }`. */
  gitConfig?: Record<string, string>
  /** How long an idle keep-alive connection stays open, in ms (Node's default 5 s; real hosts often keep them longer). */
  keepAliveTimeout?: number
}

export type RequestClass = 'upload-pack' | 'receive-pack' | 'git-other' | 'lfs-batch' | 'lfs-object' | 'lfs-verify' | 'lfs-other'

export const REQUEST_CLASSES: readonly RequestClass[] = ['upload-pack', 'receive-pack', 'git-other', 'lfs-batch', 'lfs-object', 'lfs-verify', 'lfs-other']

export interface RequestRecord {
  method: string
  /** Path and query as sent. */
  url: string
  class: RequestClass
  headers: IncomingHttpHeaders
  /** The authenticated user, if any. */
  user?: string
  status?: number
  /** Body bytes received (as on the wire: still gzip-compressed if git compressed them). */
  bytesIn: number
  /** Body bytes sent, headers excluded. */
  bytesOut: number
  /** True once the response was sent completely. */
  completed: boolean
  fault?: 'dropped' | 'forced' | 'stalled' | 'streamed'
  /** What `git http-backend` wrote to stderr, if anything. */
  stderr?: string
}

export interface TrafficStats {
  requests: number
  bytesIn: number
  bytesOut: number
}

/** Where a drop fault cuts a body, and the check that it is still armed. */
interface DropPoint {
  bytes: number
  dropNow: () => boolean
}

const REALM = 'gmr test server'
const BACKEND = join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend')

/** A git environment that reads no config from the machine or the user running the tests. */
function isolatedGitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LANG: 'C', ...extra }
}

function classify(pathname: string, service: string | null): { kind: RequestClass; lfs?: { repo: string; route: string } } {
  const lfs = /^\/(.+?)(?:\.git)?\/info\/lfs(\/.*)?$/.exec(pathname)
  if (lfs) {
    const route = lfs[2] ?? '/'
    const kind: RequestClass =
      route === '/objects/batch' ? 'lfs-batch' : route.startsWith('/objects/') ? 'lfs-object' : route === '/verify' ? 'lfs-verify' : 'lfs-other'
    return { kind, lfs: { repo: lfs[1]!, route } }
  }
  const isInfoRefs = pathname.endsWith('/info/refs')
  if (pathname.endsWith('/git-upload-pack') || (isInfoRefs && service === 'git-upload-pack')) return { kind: 'upload-pack' }
  if (pathname.endsWith('/git-receive-pack') || (isInfoRefs && service === 'git-receive-pack')) return { kind: 'receive-pack' }
  return { kind: 'git-other' }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/** `Authorization: Basic …` decoded, or undefined. */
function basicCredentials(header: string | undefined): Credentials | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '')
  if (!match) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/** The end of a CGI header block (`\r\n\r\n` or `\n\n`), as [index, separator length]. */
function headerEnd(buffer: Buffer): [number, number] | undefined {
  const crlf = buffer.indexOf('\r\n\r\n')
  const lf = buffer.indexOf('\n\n')
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return [crlf, 4]
  if (lf >= 0) return [lf, 2]
  return undefined
}

function parseCgiHeaders(text: string): { status: number; headers: OutgoingHttpHeaders } {
  let status = 200
  const headers: Record<string, string | string[]> = {}
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (name.toLowerCase() === 'status') {
      status = Number.parseInt(value, 10)
      continue
    }
    const previous = headers[name]
    headers[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value]
  }
  return { status, headers }
}

export class GitServer {
  /** Faults to inject; assign at any time, each disarms itself after firing. */
  failures: ServerFailures
  /** Every request, in arrival order, updated while it runs. */
  readonly requests: RequestRecord[] = []
  readonly root: string
  private readonly ownsRoot: boolean
  private readonly http: Server
  private readonly children = new Set<ChildProcess>()
  private readonly fired = new WeakMap<FaultMatch, number>()
  private readonly lfs: LfsServer
  private readonly lfsEnabled: boolean
  private readonly gitConfig: Record<string, string>
  private port = 0

  constructor(private readonly options: GitServerOptions = {}) {
    this.ownsRoot = options.root === undefined
    this.root = resolve(options.root ?? mkdtempSync(join(tmpdir(), 'gmr-server-')))
    this.failures = { ...options.failures }
    this.lfs = new LfsServer(() => this.origin, options.lfs)
    this.lfsEnabled = options.lfs?.enabled ?? true
    this.gitConfig = { 'http.receivepack': 'true', 'uploadpack.allowFilter': 'true', ...options.gitConfig }
    this.http = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'Content-Type': 'text/plain' })
          res.end(`internal error: ${(error as Error).message}\n`)
        } else res.destroy()
      })
    })
  }

  async start(): Promise<this> {
    if (this.options.keepAliveTimeout !== undefined) this.http.keepAliveTimeout = this.options.keepAliveTimeout
    await new Promise<void>((done, fail) => {
      this.http.once('error', fail)
      this.http.listen(0, '127.0.0.1', () => done())
    })
    this.port = (this.http.address() as AddressInfo).port
    return this
  }

  /** Closes every connection, kills running `git http-backend` processes, removes a temporary root. */
  async stop(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL')
    this.http.closeAllConnections()
    await new Promise<void>((done) => this.http.close(() => done()))
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true })
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** `http://127.0.0.1:<port>/<name>.git`, with the credentials in the URL when given. */
  url(name: string, credentials?: Credentials): string {
    const userinfo = credentials ? `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@` : ''
    return `http://${userinfo}127.0.0.1:${this.port}/${name}.git`
  }

  /** The LFS endpoint git-lfs derives from url(name). */
  lfsUrl(name: string): string {
    return `${this.url(name)}/info/lfs`
  }

  /** The options' auth as credentials for url(), or undefined when auth is off. */
  get credentials(): Credentials | undefined {
    const auth = this.options.auth
    return auth ? { username: auth.username, password: auth.password } : undefined
  }

  repoPath(name: string): string {
    return join(this.root, `${name}.git`)
  }

  /** `git init --bare` of `<root>/<name>.git` (default branch main); returns its path. */
  createRepo(name: string, options: { defaultBranch?: string } = {}): string {
    const path = this.repoPath(name)
    execFileSync('git', ['init', '--bare', '--quiet', '--initial-branch', options.defaultBranch ?? 'main', path], { env: isolatedGitEnv() })
    return path
  }

  /** Where the server stores an LFS object of repository `name`. */
  lfsObjectPath(name: string, oid: string): string {
    return lfsObjectPath(this.repoPath(name), oid)
  }

  /** Requests and body bytes per request class, since start or the last resetStats(). */
  stats(): Record<RequestClass, TrafficStats> {
    const totals = Object.fromEntries(REQUEST_CLASSES.map((kind) => [kind, { requests: 0, bytesIn: 0, bytesOut: 0 }])) as Record<
      RequestClass,
      TrafficStats
    >
    for (const record of this.requests) {
      const total = totals[record.class]
      total.requests += 1
      total.bytesIn += record.bytesIn
      total.bytesOut += record.bytesOut
    }
    return totals
  }

  /** Body bytes sent and received over all requests. */
  totalBytes(): { bytesIn: number; bytesOut: number } {
    return this.requests.reduce((sum, r) => ({ bytesIn: sum.bytesIn + r.bytesIn, bytesOut: sum.bytesOut + r.bytesOut }), { bytesIn: 0, bytesOut: 0 })
  }

  /** Forgets the request log, which is what stats() and totalBytes() add up. */
  resetStats(): void {
    this.requests.length = 0
  }

  private matchFault<K extends keyof ServerFailures>(key: K, req: IncomingMessage): ServerFailures[K] | undefined {
    const fault = this.failures[key]
    if (!fault || (req.url ?? '').search(fault.path) < 0 || (fault.method && fault.method !== req.method)) return undefined
    return fault
  }

  /** Counts one firing of a fault that is still armed; false when it was used up meanwhile. */
  private fire(key: keyof ServerFailures, fault: FaultMatch): boolean {
    if (this.failures[key] !== fault) return false
    const fired = (this.fired.get(fault) ?? 0) + 1
    this.fired.set(fault, fired)
    if (fired >= (fault.times ?? 1)) delete this.failures[key]
    return true
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const { kind, lfs } = classify(url.pathname, url.searchParams.get('service'))
    const record: RequestRecord = { method: req.method ?? 'GET', url: req.url ?? '/', class: kind, headers: req.headers, bytesIn: 0, bytesOut: 0, completed: false }
    this.requests.push(record)
    // A drop fault is used up only by a request that reaches its byte count (git's small
    // probe and ls-refs requests come before the pack).
    const drop = this.matchFault('dropConnectionAfterBytes', req)
    const dropNow = () => {
      if (!drop || !this.fire('dropConnectionAfterBytes', drop)) return false
      record.fault = 'dropped'
      return true
    }
    const stall = this.matchFault('stallAfterBytes', req)
    const stallNow = () => {
      if (!stall || !this.fire('stallAfterBytes', stall)) return false
      record.fault = 'stalled'
      return true
    }
    this.meterResponse(
      res,
      record,
      drop && drop.direction !== 'request' ? { bytes: drop.bytes, dropNow } : undefined,
      stall ? { bytes: stall.bytes, dropNow: stallNow } : undefined,
    )
    const body = this.meterRequest(req, res, record, drop?.direction === 'request' ? { bytes: drop.bytes, dropNow } : undefined)

    const forced = this.matchFault('respondWith', req)
    if (forced && this.fire('respondWith', forced)) {
      record.fault = 'forced'
      return this.forcedResponse(res, forced, lfs !== undefined)
    }
    const streamed = this.matchFault('streamBody', req)
    if (streamed && this.fire('streamBody', streamed)) {
      record.fault = 'streamed'
      return streamZeros(res, streamed.bytes)
    }

    // Object hrefs carry their own token from the batch response, as pre-signed URLs do.
    const tokenAuth = kind === 'lfs-object' || kind === 'lfs-verify'
    let canWrite = true
    const auth = this.options.auth
    if (auth && !tokenAuth) {
      const given = basicCredentials(req.headers.authorization)
      const same = (c: Credentials) => given !== undefined && c.username === given.username && c.password === given.password
      const reader = (auth.readers ?? []).find(same)
      if (!same(auth) && !reader) {
        const message = given ? 'wrong username or password' : 'authentication required'
        if (lfs) return sendLfsError(res, 401, message, { 'LFS-Authenticate': `Basic realm="${REALM}"` })
        res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': `Basic realm="${REALM}"` })
        return void res.end(`${message}\n`)
      }
      record.user = given!.username
      canWrite = reader === undefined
    }

    if (lfs) {
      const repo = this.findRepo(lfs.repo)
      if (!this.lfsEnabled || repo === undefined) {
        return sendLfsError(res, 404, this.lfsEnabled ? `repository ${lfs.repo} not found` : 'this server has no LFS')
      }
      return this.lfs.handle({ req, res, body, repoDir: repo, repoName: lfs.repo, route: lfs.route, canWrite })
    }
    if (kind === 'receive-pack' && !canWrite) {
      res.writeHead(403, { 'Content-Type': 'text/plain' })
      return void res.end(`${record.user} may not push to this repository\n`)
    }
    return this.runBackend(req, res, body, url, record)
  }

  /** The bare repository a URL names (`<name>.git`, or a bare `<name>`), if it exists inside the root. */
  private findRepo(name: string): string | undefined {
    if (name.split('/').some((part) => part === '' || part === '.' || part === '..')) return undefined
    for (const candidate of [join(this.root, `${name}.git`), join(this.root, name)]) {
      if (!candidate.startsWith(this.root + sep)) continue
      if (existsSync(join(candidate, 'HEAD')) && statSync(join(candidate, 'objects'), { throwIfNoEntry: false })?.isDirectory()) return candidate
    }
    return undefined
  }

  private forcedResponse(res: ServerResponse, fault: ForcedResponseFault, isLfs: boolean): void {
    const headers: OutgoingHttpHeaders = {}
    if (fault.status === 401) headers[isLfs ? 'LFS-Authenticate' : 'WWW-Authenticate'] = `Basic realm="${REALM}"`
    if (fault.body === undefined && isLfs) return sendLfsError(res, fault.status, `forced ${fault.status} (test fault)`, { ...headers, ...fault.headers })
    res.writeHead(fault.status, { 'Content-Type': 'text/plain', ...headers, ...fault.headers })
    res.end(fault.body ?? `forced ${fault.status} (test fault)\n`)
  }

  /**
   * Counts body bytes sent; with `drop`, destroys the socket once that many went out; with
   * `stall`, sends that many and then nothing more, holding the connection open.
   */
  private meterResponse(res: ServerResponse, record: RequestRecord, drop: DropPoint | undefined, stall?: DropPoint): void {
    const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
    let dropped = false
    const metered = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
      if (dropped) return false
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : (chunk as Uint8Array)
      if (stall && record.bytesOut + bytes.length > stall.bytes && stall.dropNow()) {
        dropped = true
        const keep = Math.max(0, stall.bytes - record.bytesOut)
        record.bytesOut += keep
        if (keep > 0) write(bytes.subarray(0, keep))
        return false
      }
      if (drop && record.bytesOut + bytes.length > drop.bytes && drop.dropNow()) {
        dropped = true
        const keep = Math.max(0, drop.bytes - record.bytesOut)
        record.bytesOut += keep
        const kill = () => res.socket?.destroy()
        if (keep > 0) write(bytes.subarray(0, keep), kill)
        else kill()
        return false
      }
      record.bytesOut += bytes.length
      return typeof encoding === 'function' ? write(bytes, encoding) : write(bytes, callback)
    }
    res.write = metered as typeof res.write
    res.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) => {
      if (typeof chunk === 'function') return end(chunk)
      if (chunk !== undefined && chunk !== null) metered(chunk, typeof encoding === 'function' ? undefined : encoding)
      if (dropped) return res
      return end(typeof encoding === 'function' ? encoding : callback)
    }) as typeof res.end
    res.on('finish', () => {
      record.completed = true
      record.status = res.statusCode
    })
    res.on('close', () => {
      if (res.headersSent) record.status ??= res.statusCode
    })
  }

  /** The request body, counted; with `drop`, the socket is destroyed once that many came in. */
  private meterRequest(req: IncomingMessage, res: ServerResponse, record: RequestRecord, drop: DropPoint | undefined): Readable {
    let cut = false
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        // Chunks already queued when the socket was destroyed never arrived, as far as anyone knows.
        if (cut) return callback()
        if (drop && record.bytesIn + chunk.length > drop.bytes && drop.dropNow()) {
          cut = true
          record.bytesIn = drop.bytes
          req.socket.destroy()
          return callback()
        }
        record.bytesIn += chunk.length
        callback(null, chunk)
      },
    })
    meter.on('error', () => undefined) // consumers see the error through pipeline / iteration
    req.pipe(meter)
    // A client that went away mid-body must not leave a consumer (http-backend) waiting forever.
    req.on('close', () => {
      if (!req.complete) meter.destroy(new Error('the client closed the connection mid-request'))
    })
    // A handler that answered without reading the body: drain it, so keep-alive can go on.
    res.on('finish', () => meter.resume())
    return meter
  }

  private async runBackend(req: IncomingMessage, res: ServerResponse, body: Readable, url: URL, record: RequestRecord): Promise<void> {
    const configEntries = Object.entries(this.gitConfig)
    const env: Record<string, string> = isolatedGitEnv({
      GIT_PROJECT_ROOT: this.root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_COUNT: String(configEntries.length),
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: String(this.port),
      REQUEST_METHOD: req.method ?? 'GET',
      REQUEST_URI: req.url ?? '/',
      SCRIPT_NAME: '',
      PATH_INFO: safeDecode(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    })
    configEntries.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key
      env[`GIT_CONFIG_VALUE_${i}`] = value
    })
    const header = (name: string) => {
      const value = req.headers[name]
      return Array.isArray(value) ? value.join(', ') : value
    }
    const optional: Record<string, string | undefined> = {
      CONTENT_TYPE: header('content-type'),
      // Absent for chunked bodies: http-backend then reads until end of input.
      CONTENT_LENGTH: header('content-length'),
      HTTP_CONTENT_ENCODING: header('content-encoding'),
      GIT_PROTOCOL: header('git-protocol'),
      REMOTE_USER: record.user,
      AUTH_TYPE: record.user ? 'Basic' : undefined,
    }
    for (const [key, value] of Object.entries(optional)) if (value !== undefined) env[key] = value

    const child = spawn(BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    this.children.add(child)
    const exited = new Promise<void>((done) => child.on('close', () => done()))
    child.on('error', () => undefined)
    child.stdin.on('error', () => undefined) // http-backend may answer (404, 403) without reading
    body.on('error', () => child.kill('SIGKILL'))
    body.pipe(child.stdin)
    res.on('close', () => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8')
    })

    await this.relayCgiOutput(child.stdout, res)
    await exited
    this.children.delete(child)
    if (stderr !== '') record.stderr = stderr
  }

  /** Reads the CGI header block (with `Status:`), then streams the rest as the response body. */
  private async relayCgiOutput(out: Readable, res: ServerResponse): Promise<void> {
    let head: Buffer | undefined = Buffer.alloc(0)
    for await (const chunk of out) {
      if (res.destroyed) break
      let data = chunk as Buffer
      if (head !== undefined) {
        head = Buffer.concat([head, data])
        const end = headerEnd(head)
        if (!end) continue
        const { status, headers } = parseCgiHeaders(head.subarray(0, end[0]).toString('latin1'))
        res.writeHead(status, headers)
        data = head.subarray(end[0] + end[1])
        head = undefined
      }
      if (data.length > 0 && !res.write(data)) await drained(res)
    }
    if (res.destroyed) return
    if (head === undefined) return void res.end()
    res.writeHead(502, { 'Content-Type': 'text/plain' })
    res.end('git http-backend ended without a response\n')
  }
}

/** 200 with `bytes` zeros, written as fast as the client reads them, until done or the client hangs up. */
async function streamZeros(res: ServerResponse, bytes: number): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes })
  const chunk = Buffer.alloc(64 * 1024)
  let sent = 0
  while (sent < bytes && !res.destroyed) {
    const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent))
    sent += piece.length
    if (!res.write(piece)) await drained(res)
  }
  if (!res.destroyed) res.end()
}

/** Resolves when the response can take more data, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((done) => {
    const finish = () => {
      res.off('drain', finish)
      res.off('close', finish)
      done()
    }
    res.on('drain', finish)
    res.on('close', finish)
  })
}

/** Starts a server on 127.0.0.1 at a free port. */
export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  return new GitServer(options).start()
}

// Re-exported so tests need one import for the server and its storage layout.
export { LFS_MEDIA_TYPE } from './lfsServer.js'
