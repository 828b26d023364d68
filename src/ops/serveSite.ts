import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { InvalidInputError } from '../domain/errors.js'
import { buildSite, type BuildSiteOptions, type BuildSiteResult } from './buildSite.js'
import { CONTENT_SECURITY_POLICY } from '../domain/site/pages.js'

export interface ServeSiteOptions extends BuildSiteOptions {
  /** The port on 127.0.0.1; 0 picks a free one. */
  port: number
}

export interface SiteServer extends Omit<BuildSiteResult, 'pages'> {
  url: string
  files: number
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
}

/**
 * `gmr serve`: the site `gmr site` writes, built once in memory and served on
 * 127.0.0.1 only (a local look, not a public server). Only the built files are
 * reachable: a request path is looked up, never joined onto a folder.
 */
export async function serveSite(options: ServeSiteOptions): Promise<SiteServer> {
  const { pages, ...built } = await buildSite(options)
  const files = new Map(pages.map((page) => [page.path, Buffer.from(page.content)]))
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const send = (status: number, type: string, body: Buffer | string) => {
      res.writeHead(status, {
        'Content-Type': type,
        'Content-Length': Buffer.byteLength(body),
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'only GET and HEAD\n')
    const path = sitePathOf(req.url ?? '/')
    const body = path === null ? undefined : files.get(path)
    if (body === undefined || path === null) return send(404, 'text/plain; charset=utf-8', 'not found\n')
    send(200, TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'text/plain; charset=utf-8', body)
  }
  const server = createServer(handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
        reject(
          new InvalidInputError(`cannot listen on 127.0.0.1:${options.port} (${err.code === 'EADDRINUSE' ? 'in use' : 'not allowed'}); choose another port with --port`, {
            port: options.port,
          }),
        )
      } else reject(err)
    })
    server.listen(options.port, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    ...built,
    url: `http://127.0.0.1:${port}/`,
    files: files.size,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}

/** `/models/x.html?q=1` → `models/x.html`; a folder → its index.html; undecodable → null. */
function sitePathOf(url: string): string | null {
  const raw = url.split(/[?#]/, 1)[0]!
  let path: string
  try {
    path = decodeURIComponent(raw)
  } catch {
    return null
  }
  path = path.replace(/^\/+/, '')
  return path === '' || path.endsWith('/') ? `${path}index.html` : path
}
