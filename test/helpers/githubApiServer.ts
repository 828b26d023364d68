import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request the fake API received. */
export interface RecordedRequest {
  method: string
  /** Path and query, as sent. */
  url: string
  authorization: string | undefined
  accept: string | undefined
  apiVersion: string | undefined
  body: unknown
}

export interface FakeComment {
  id: number
  body: string
  html_url: string
  user: { login: string }
}

export interface GitHubApiServer {
  url: string
  requests: RecordedRequest[]
  /** The comments of each issue, by number. */
  comments: Map<number, FakeComment[]>
  close(): Promise<void>
}

/**
 * GitHub's issue-comment endpoints as documented (REST API 2022-11-28), on 127.0.0.1, for
 * one repository: list (`GET …/issues/{n}/comments`, paginated with a `Link` header, here
 * two comments a page so a test sees pagination), create (`POST`, 201) and update
 * (`PATCH …/issues/comments/{id}`). Answers 401 without `Authorization: Bearer …`.
 */
export async function startGitHubApiServer(repository: string): Promise<GitHubApiServer> {
  const requests: RecordedRequest[] = []
  const comments = new Map<number, FakeComment[]>()
  let nextId = 1000
  const pageSize = 2
  const prefix = `/repos/${repository}/issues/`

  const server: Server = createServer(async (req, res) => {
    const body = await readJson(req)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      accept: req.headers.accept,
      apiVersion: req.headers['x-github-api-version'] as string | undefined,
      body,
    })
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
      res.end(JSON.stringify(value))
    }
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) return send(401, { message: 'Requires authentication' })
    if (!url.pathname.startsWith(prefix)) return send(404, { message: 'Not Found' })
    const rest = url.pathname.slice(prefix.length)
    const list = /^(\d+)\/comments$/.exec(rest)
    const one = /^comments\/(\d+)$/.exec(rest)
    if (list && req.method === 'GET') {
      const all = comments.get(Number(list[1])) ?? []
      const page = Number(url.searchParams.get('page') ?? '1')
      const last = Math.max(1, Math.ceil(all.length / pageSize))
      const link = (p: number) => {
        const next = new URL(url)
        next.searchParams.set('page', String(p))
        return `<http://127.0.0.1:${(server.address() as AddressInfo).port}${next.pathname}${next.search}>`
      }
      const headers: Record<string, string> = page < last ? { link: `${link(page + 1)}; rel="next", ${link(last)}; rel="last"` } : {}
      return send(200, all.slice((page - 1) * pageSize, page * pageSize), headers)
    }
    if (list && req.method === 'POST') {
      const text = (body as { body?: unknown } | null)?.body
      if (typeof text !== 'string') return send(422, { message: 'Validation Failed' })
      const id = nextId++
      const comment = { id, body: text, html_url: `https://github.com/${repository}/pull/${list[1]}#issuecomment-${id}`, user: { login: 'github-actions[bot]' } }
      comments.set(Number(list[1]), [...(comments.get(Number(list[1])) ?? []), comment])
      return send(201, comment)
    }
    if (one && req.method === 'PATCH') {
      const comment = [...comments.values()].flat().find((c) => c.id === Number(one[1]))
      if (!comment) return send(404, { message: 'Not Found' })
      const text = (body as { body?: unknown } | null)?.body
      if (typeof text !== 'string') return send(422, { message: 'Validation Failed' })
      comment.body = text
      return send(200, comment)
    }
    return send(404, { message: 'Not Found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    comments,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  if (text === '') return null
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}
