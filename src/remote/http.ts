import * as http from 'node:http'
import * as https from 'node:https'
import { Readable } from 'node:stream'
import { GmrError, RemoteStalledError, RemoteTransferError } from '../domain/errors.js'
import { DEFAULT_TIMEOUTS, describeTimeout, type Timeouts } from './timeouts.js'

/**
 * Keep-alive agents for every request gmr makes. Node's default agent lets an idle
 * socket go after 5 s, which breaks a long pack upload half-way (isomorphic-git then
 * reports a false `Expected "unpack ok"`); one agent per protocol, sockets kept open.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, keepAliveMsecs: 30_000 }),
  'https:': new https.Agent({ keepAlive: true, keepAliveMsecs: 30_000 }),
}

export interface HttpRequest {
  url: string
  method?: string
  headers?: Record<string, string>
  /** A whole body, or a stream (sent chunked unless a content-length header is given). */
  body?: Uint8Array | string | Readable | AsyncIterable<Uint8Array>
  /** What the request is for, as messages name it ("the LFS batch request", "LFS object <oid> (path)"). */
  what?: string
  /** Connect and stall limits (default DEFAULT_TIMEOUTS). */
  timeouts?: Timeouts
  /** Aborted: the request (or its answer's body) is cut and fails. */
  signal?: AbortSignal
}

export interface HttpResponse {
  url: string
  status: number
  statusMessage: string
  headers: Record<string, string>
  /** Read it to its end (or stop early, which closes the connection); unread, it holds its keep-alive socket. */
  body: AsyncIterableIterator<Buffer>
}

/**
 * One HTTP request; the response body streams. Network failures become RemoteTransferError;
 * a connection not made within `connectMs`, or silent for `stallMs` at any point up to the
 * body's last byte, becomes RemoteStalledError naming the host and what was under way.
 */
export function request(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url)
  const client = url.protocol === 'https:' ? https : http
  const agent = agents[url.protocol as keyof typeof agents]
  const timeouts = req.timeouts ?? DEFAULT_TIMEOUTS
  const what = req.what ?? `${req.method ?? 'GET'} ${url.pathname}`
  return new Promise((resolve, reject) => {
    let incoming: http.IncomingMessage | undefined
    const fail = (err: Error) => {
      if (incoming?.complete) return
      if (incoming) incoming.destroy(err)
      else outgoing.destroy(err)
    }
    const signal = req.signal
    if (signal?.aborted) return reject(signal.reason)
    const options = { method: req.method ?? 'GET', headers: req.headers ?? {}, agent }
    const outgoing = client.request(url, options, (response) => {
      incoming = response
      const headers: Record<string, string> = {}
      for (const [key, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
      }
      resolve({
        url: req.url,
        status: response.statusCode ?? 0,
        statusMessage: response.statusMessage ?? '',
        headers,
        // The generator itself, not a Readable around it: a thousand small uploads paid
        // more for the wrapping streams of their empty answers than for the answers.
        body: guardedBody(response, url, what),
      })
    })
    outgoing.on('socket', (socket) => {
      if (!socket.connecting) return
      const timer = setTimeout(() => fail(stalled(url, what, timeouts.connectMs, 'connecting')), timeouts.connectMs)
      socket.once('connect', () => clearTimeout(timer))
      socket.once('close', () => clearTimeout(timer))
    })
    // Socket inactivity, from the request's first byte to the response's last.
    outgoing.setTimeout(timeouts.stallMs, () => fail(stalled(url, what, timeouts.stallMs, incoming ? 'receiving' : 'waiting')))
    outgoing.on('error', (err) => reject(connectionError(url, err)))
    if (signal) {
      const forget = whenAborted(signal, () => {
        if (incoming?.complete) return
        if (incoming) incoming.destroy(signal.reason)
        else outgoing.destroy(signal.reason)
      })
      outgoing.once('close', forget)
    }
    const body = req.body
    if (body === undefined) outgoing.end()
    else if (typeof body === 'string' || body instanceof Uint8Array) outgoing.end(body)
    else {
      ;(async () => {
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          if (!outgoing.write(chunk)) await new Promise((r) => outgoing.once('drain', r))
        }
        outgoing.end()
      })().catch((err: unknown) => {
        outgoing.destroy(err as Error)
        reject(err)
      })
    }
  })
}

/** What each signal cuts when it aborts: the requests (and answers) under way that were given it. */
const cutOnAbort = new WeakMap<AbortSignal, Set<() => void>>()

/**
 * Run `cut` if `signal` aborts; returns the call that forgets it. One listener per signal,
 * not per request: Node's own `signal` option hangs about ten stream listeners on every
 * request, a tenth of a push's CPU for a thousand small uploads and their verify calls.
 */
function whenAborted(signal: AbortSignal, cut: () => void): () => void {
  let cuts = cutOnAbort.get(signal)
  if (cuts === undefined) {
    const registered = new Set<() => void>()
    cutOnAbort.set(signal, registered)
    signal.addEventListener('abort', () => {
      for (const each of registered) each()
      registered.clear()
    }, { once: true })
    cuts = registered
  }
  cuts.add(cut)
  return () => void cuts.delete(cut)
}

/**
 * A response body whose failures say what they were: a stall (already a GmrError), or a
 * connection cut before the last byte, naming what was being received. Stopping early
 * (a consumer that has seen enough) closes the connection.
 */
async function* guardedBody(response: http.IncomingMessage, url: URL, what: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of response) yield chunk as Buffer
    // Node ends a body cut short silently when the server announced no length; a length it announced must arrive whole.
    if (!response.complete) throw new Error('aborted')
  } catch (err) {
    throw networkError(url, err as Error, what)
  } finally {
    if (!response.complete) response.destroy()
  }
}

function stalled(url: URL, what: string, ms: number, phase: 'connecting' | 'waiting' | 'receiving'): RemoteStalledError {
  const doing = phase === 'connecting' ? 'did not accept a connection' : phase === 'waiting' ? 'did not answer' : 'stopped sending'
  return new RemoteStalledError(
    `${url.host} ${doing} for ${describeTimeout(ms)} (${what}); nothing partial was kept, run it again, or allow longer with --timeout or git config gmr.timeout`,
    { host: url.host, what, timeoutMs: ms },
  )
}

/** Read a whole (small) body into one buffer. */
export async function readBody(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of body) chunks.push(chunk)
  return Buffer.concat(chunks)
}

const dropped = new WeakSet<Error>()

/**
 * Whether `err` is a connection that broke under a request or its answer (reset, closed
 * early): worth trying again. A host that cannot be reached at all, or that stalled for
 * the whole timeout, is not.
 */
export function isDroppedConnection(err: unknown): boolean {
  return err instanceof Error && dropped.has(err)
}

function droppedConnection(error: GmrError): GmrError {
  dropped.add(error)
  return error
}

/** A request that failed before its answer began: nothing of it reached us. */
function connectionError(url: URL, err: Error & { code?: string }): GmrError {
  if (err instanceof GmrError) return err
  const where = `${url.protocol}//${url.host}`
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new RemoteTransferError(`cannot reach ${where}: ${err.code}; check the URL and your network`, { url: where })
  }
  return droppedConnection(
    new RemoteTransferError(`connection to ${where} failed (${err.code ?? err.message}); nothing was changed locally, try again`, { url: where }),
  )
}

/** An answer cut before its last byte, naming what it was for. */
function networkError(url: URL, err: Error & { code?: string }, what: string): GmrError {
  if (err instanceof GmrError) return err
  const where = `${url.protocol}//${url.host}`
  return droppedConnection(
    new RemoteTransferError(`the connection to ${url.host} broke during ${what} (${err.code ?? err.message}); nothing partial was kept, run it again`, {
      url: where,
      what,
    }),
  )
}

/**
 * isomorphic-git's HttpClient shape, on the keep-alive agents above, for machines with
 * no git binary (isomorphic-git's own node client uses the default agent).
 */
export function isomorphicHttp(timeouts: Timeouts) {
  return {
    async request(req: { url: string; method?: string; headers?: Record<string, string>; body?: AsyncIterableIterator<Uint8Array> }) {
      const response = await request({
        url: req.url,
        method: req.method ?? 'GET',
        headers: req.headers ?? {},
        ...(req.body !== undefined && { body: req.body }),
        what: /\/info\/refs/.test(req.url) ? 'the ref listing (info/refs)' : 'the git fetch (git-upload-pack)',
        timeouts,
      })
      return {
        url: response.url,
        method: req.method ?? 'GET',
        statusCode: response.status,
        statusMessage: response.statusMessage,
        headers: response.headers,
        body: response.body as AsyncIterableIterator<Uint8Array>,
      }
    },
  }
}
