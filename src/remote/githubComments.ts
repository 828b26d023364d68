import { GitHubApiError } from '../domain/errors.js'
import { readBody, request } from './http.js'

/** Where a repository's REST API is and who calls it (`GITHUB_API_URL`, `owner/name`, the workflow's token). */
export interface GitHubApi {
  apiUrl: string
  repository: string
  token: string
}

/** An issue or pull-request comment, as the REST API returns it (the fields gmr reads). */
export interface IssueComment {
  id: number
  body: string
  html_url: string
}

/**
 * Every comment of an issue or pull request, oldest first: `GET
 * /repos/{owner}/{repo}/issues/{issue_number}/comments`, following the `Link` header's
 * `rel="next"` through every page.
 */
export async function listIssueComments(api: GitHubApi, issue: number): Promise<IssueComment[]> {
  const comments: IssueComment[] = []
  let url: string | null = `${repoUrl(api)}/issues/${issue}/comments?per_page=100`
  while (url !== null) {
    const page = await call(api, 'GET', url)
    comments.push(...(page.json as IssueComment[]))
    url = nextPage(page.link)
  }
  return comments
}

/** `POST /repos/{owner}/{repo}/issues/{issue_number}/comments`. */
export async function createIssueComment(api: GitHubApi, issue: number, body: string): Promise<IssueComment> {
  return (await call(api, 'POST', `${repoUrl(api)}/issues/${issue}/comments`, { body })).json as IssueComment
}

/** `PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}`. */
export async function updateIssueComment(api: GitHubApi, id: number, body: string): Promise<IssueComment> {
  return (await call(api, 'PATCH', `${repoUrl(api)}/issues/comments/${id}`, { body })).json as IssueComment
}

function repoUrl(api: GitHubApi): string {
  return `${api.apiUrl.replace(/\/+$/, '')}/repos/${api.repository}`
}

/** `<https://api.github.com/…&page=2>; rel="next", <…>; rel="last"` → the next page's URL. */
function nextPage(link: string | undefined): string | null {
  for (const part of (link ?? '').split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)
    if (match) return match[1]!
  }
  return null
}

async function call(api: GitHubApi, method: string, url: string, body?: unknown): Promise<{ json: unknown; link: string | undefined }> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  const response = await request({
    url,
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${api.token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'gmr',
      ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
    },
    ...(payload !== undefined && { body: payload }),
  })
  const text = (await readBody(response.body)).toString('utf8')
  const where = `${method} ${new URL(url).pathname}`
  if (response.status < 200 || response.status >= 300) {
    const message = safeJson(text) as { message?: unknown } | undefined
    const reason = typeof message?.message === 'string' ? message.message : response.statusMessage
    const hint =
      response.status === 401 || response.status === 403 || response.status === 404
        ? '; the workflow token needs "pull-requests: write" (permissions: in the job) to comment'
        : ''
    throw new GitHubApiError(`GitHub API ${where} answered ${response.status} ${reason}${hint}`, { status: response.status, url })
  }
  const json = safeJson(text)
  if (json === undefined) throw new GitHubApiError(`GitHub API ${where} answered ${response.status} with no JSON body`, { url })
  return { json, link: response.headers.link }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
