import * as http from 'node:http'
import * as https from 'node:https'
import type { Readable } from 'node:stream'
import { RemoteTransferError } from './errors.js'

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
}

export interface HttpResponse {
  url: string
  status: number
  statusMessage: string
  headers: Record<string, string>
  body: Readable
}

/** One HTTP request; the response body streams. Network failures become RemoteTransferError. */
export function request(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url)
  const client = url.protocol === 'https:' ? https : http
  const agent = agents[url.protocol as keyof typeof agents]
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      url,
      { method: req.method ?? 'GET', headers: req.headers ?? {}, agent },
      (incoming) => {
        const headers: Record<string, string> = {}
        for (const [key, value] of Object.entries(incoming.headers)) {
          if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
        }
        resolve({
          url: req.url,
          status: incoming.statusCode ?? 0,
          statusMessage: incoming.statusMessage ?? '',
          headers,
          body: incoming,
        })
      },
    )
    outgoing.on('error', (err) => reject(networkError(url, err)))
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

/** Read a whole (small) response body. */
export async function readBody(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function networkError(url: URL, err: Error & { code?: string }): RemoteTransferError {
  const where = `${url.protocol}//${url.host}`
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new RemoteTransferError(`cannot reach ${where}: ${err.code}; check the URL and your network`, { url: where })
  }
  return new RemoteTransferError(`connection to ${where} failed (${err.code ?? err.message}); nothing was changed locally, try again`, {
    url: where,
  })
}

/**
 * isomorphic-git's HttpClient shape, on the keep-alive agents above, for machines with
 * no git binary (isomorphic-git's own node client uses the default agent).
 */
export const isomorphicHttp = {
  async request(req: {
    url: string
    method?: string
    headers?: Record<string, string>
    body?: AsyncIterableIterator<Uint8Array>
  }) {
    const response = await request({
      url: req.url,
      method: req.method ?? 'GET',
      headers: req.headers ?? {},
      ...(req.body !== undefined && { body: req.body }),
    })
    return {
      url: response.url,
      method: req.method ?? 'GET',
      statusCode: response.status,
      statusMessage: response.statusMessage,
      headers: response.headers,
      body: response.body as unknown as AsyncIterableIterator<Uint8Array>,
    }
  },
}
