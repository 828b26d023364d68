import {
  createIssueComment,
  listIssueComments,
  updateIssueComment,
  type GitHubApi,
  type IssueComment,
} from '../remote/githubComments.js'

export interface UpsertPullRequestCommentOptions {
  api: GitHubApi
  pullRequest: number
  /** A hidden HTML comment (`<!-- gmr … -->`) that marks gmr's own comment among the others. */
  marker: string
  /** The markdown to show; the marker is put before it. */
  body: string
  /** False: only edit a comment that is there (a pull request with nothing to say gets none). Default true. */
  create?: boolean
}

export interface UpsertPullRequestCommentResult {
  action: 'created' | 'updated' | 'unchanged'
  id: number
  url: string
}

/**
 * Keep ONE comment of gmr's on a pull request: the first run creates it, later runs find
 * it by its marker and edit it (or leave it when the text is the same), so a pull request
 * pushed to ten times still has one registry diff, the current one.
 */
export async function upsertPullRequestComment(options: UpsertPullRequestCommentOptions): Promise<UpsertPullRequestCommentResult | null> {
  const { api, pullRequest, marker } = options
  const body = `${marker}\n${options.body}`
  const existing = (await listIssueComments(api, pullRequest)).find((c: IssueComment) => (c.body ?? '').includes(marker))
  if (existing === undefined) {
    if (options.create === false) return null
    const created = await createIssueComment(api, pullRequest, body)
    return { action: 'created', id: created.id, url: created.html_url }
  }
  if (existing.body === body) return { action: 'unchanged', id: existing.id, url: existing.html_url }
  const updated = await updateIssueComment(api, existing.id, body)
  return { action: 'updated', id: updated.id, url: updated.html_url }
}
