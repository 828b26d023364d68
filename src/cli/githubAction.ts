import { CheckFailedError, InvalidInputError } from '../domain/errors.js'
import type { UpsertPullRequestCommentResult } from '../ops/pullRequestComment.js'
import { repoOptions } from './context.js'
import type { CliIo } from './io.js'
import { humanSize } from './render.js'
import { checkSummary, renderCheck } from './renderCheck.js'
import { renderDiffMarkdown } from './renderDiffMarkdown.js'
import { operations } from './operations.js'

/** Marks gmr's pull-request comment among the others, so later runs edit it instead of adding one. */
export const COMMENT_MARKER = '<!-- gmr registry diff: this comment is edited on every push -->'

const ACTION_COMMANDS = ['check', 'diff', 'sync'] as const
export type ActionCommand = (typeof ACTION_COMMANDS)[number]

/** What the runner provides: the action's inputs (`INPUT_*`, set by action.yml) and the `GITHUB_*` variables. */
export interface ActionEnvironment {
  command: ActionCommand
  base: string | undefined
  token: string | undefined
  eventName: string | undefined
  /** The event's payload (`GITHUB_EVENT_PATH`); empty when there is none. */
  event: { pull_request?: { number: number; base: { ref: string } } }
  repository: string | undefined
  apiUrl: string
  summaryFile: string | undefined
  outputFile: string | undefined
}

async function readActionEnvironment(io: CliIo): Promise<ActionEnvironment> {
  const env = io.env
  const command = (env.INPUT_COMMAND ?? '').trim() || 'check'
  if (!(ACTION_COMMANDS as readonly string[]).includes(command)) {
    throw new InvalidInputError(`the action's command input is "${command}"; use one of ${ACTION_COMMANDS.join(', ')}`, { command })
  }
  const eventPath = env.GITHUB_EVENT_PATH
  let event: ActionEnvironment['event'] = {}
  if (eventPath) {
    const text = String(await io.fs.promises.readFile(eventPath, 'utf8'))
    try {
      event = JSON.parse(text) as ActionEnvironment['event']
    } catch {
      throw new InvalidInputError(`GITHUB_EVENT_PATH (${eventPath}) is not JSON; run gmr github-action inside a GitHub Actions job`, {
        eventPath,
      })
    }
  }
  return {
    command: command as ActionCommand,
    base: (env.INPUT_BASE ?? '').trim() || undefined,
    token: (env.INPUT_TOKEN ?? '').trim() || undefined,
    eventName: env.GITHUB_EVENT_NAME,
    event,
    repository: env.GITHUB_REPOSITORY,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    summaryFile: env.GITHUB_STEP_SUMMARY || undefined,
    outputFile: env.GITHUB_OUTPUT || undefined,
  }
}

/**
 * The GitHub Action (action.yml): on a pull request, `check` fetches the registry and the
 * large files of the versions the pull request newly links or aliases, annotates the
 * manifests, and writes the registry diff to the job summary and to one pull-request
 * comment kept up to date; `diff` does only the diff; `sync` (after a merge, on the
 * registry branch) moves the alias refs and pushes them. Outputs go to `$GITHUB_OUTPUT`.
 */
export async function runGithubAction(io: CliIo): Promise<void> {
  const action = await readActionEnvironment(io)
  const options = { ...repoOptions(io), env: withTokenCredential(io.env, action.token) }
  const { fetchRegistry } = await operations.fetch()
  const fetched = await fetchRegistry(options)
  io.stderr(`gmr: fetched the registry from ${fetched.remote}\n`)

  if (action.command === 'sync') {
    const { sync } = await operations.sync()
    const { push } = await operations.push()
    const synced = await sync(options)
    const pushed = await push(options)
    const moved = synced.changes.length
    const line = `gmr sync: ${moved === 1 ? '1 alias ref' : `${moved} alias refs`} changed to match ${synced.registryBranch}; pushed ${pushed.updates.length} ref${pushed.updates.length === 1 ? '' : 's'} to ${pushed.remote}`
    io.stdout(`${line}\n`)
    await appendSummary(io, action, `${line}\n`)
    await setOutputs(io, action, { 'alias-changes': String(moved), 'refs-pushed': String(pushed.updates.length) })
    return
  }

  const pullRequest = action.event.pull_request
  const base = action.base ?? (pullRequest ? `origin/${pullRequest.base.ref}` : undefined)
  if (base === undefined) {
    throw new InvalidInputError('no base to compare with: set the action\'s base input (e.g. origin/main) or run it on pull_request', {})
  }
  const outputs: Record<string, string> = {}
  let checkFailure: Error | undefined
  let checkLine = ''
  if (action.command === 'check') {
    const { fetchProposalLfs } = await operations.fetchProposalLfs()
    const lfs = await fetchProposalLfs({ ...options, base })
    io.stderr(
      `gmr: fetched ${lfs.objects} Git LFS object${lfs.objects === 1 ? '' : 's'} (${humanSize(lfs.bytes)}) for ${lfs.versions.length} version${lfs.versions.length === 1 ? '' : 's'} this change links or aliases\n`,
    )
    const { check } = await operations.check()
    const result = await check({ ...options, base })
    io.stdout(renderCheck(result, 'github'))
    checkLine = checkSummary(result)
    Object.assign(outputs, { errors: String(result.errors), warnings: String(result.warnings) })
    if (result.errors > 0) {
      checkFailure = new CheckFailedError(`the registry has ${result.errors === 1 ? '1 error' : `${result.errors} errors`} (annotated above)`, {
        errors: result.errors,
      })
    }
  }

  const { diff } = await operations.diff()
  const changes = await diff({ ...options, base })
  const markdown = renderDiffMarkdown(changes)
  await appendSummary(io, action, `${markdown}\n${checkLine === '' ? '' : `\n\`${checkLine}\`\n`}`)
  Object.assign(outputs, { changed: String(changes.changes.length > 0), summary: changes.summary })

  if (pullRequest) {
    const comment = await commentOnPullRequest(io, action, pullRequest.number, markdown, changes.changes.length > 0)
    if (comment) Object.assign(outputs, { 'comment-id': String(comment.id), 'comment-url': comment.url })
  }
  await setOutputs(io, action, outputs)
  if (checkFailure) throw checkFailure
}

async function commentOnPullRequest(
  io: CliIo,
  action: ActionEnvironment,
  number: number,
  markdown: string,
  changed: boolean,
): Promise<UpsertPullRequestCommentResult | null> {
  if (action.token === undefined || action.repository === undefined) {
    io.stderr('gmr: no token input (or GITHUB_REPOSITORY): the diff is in the job summary only\n')
    return null
  }
  const api = { apiUrl: action.apiUrl, repository: action.repository, token: action.token }
  const { upsertPullRequestComment } = await operations.pullRequestComment()
  // A pull request that changes nothing in the registry gets no comment; one it had is kept current.
  const result = await upsertPullRequestComment({ api, pullRequest: number, marker: COMMENT_MARKER, body: markdown, create: changed })
  if (result === null) return null
  io.stderr(`gmr: ${result.action} the registry diff comment ${result.url}\n`)
  return result
}

/**
 * actions/checkout hands git the token as an `http.extraheader`, which git-lfs reads and
 * gmr's LFS client does not; a credential helper given through the environment (git's
 * GIT_CONFIG_COUNT) answers `git credential fill` with the same token instead.
 */
export function withTokenCredential(env: CliIo['env'], token: string | undefined): CliIo['env'] {
  if (token === undefined || env.GIT_CONFIG_COUNT !== undefined) return env
  return {
    ...env,
    GMR_ACTION_TOKEN: token,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'credential.helper',
    GIT_CONFIG_VALUE_0: '!f() { test "$1" = get && echo username=x-access-token && echo "password=$GMR_ACTION_TOKEN"; }; f',
  }
}

async function appendSummary(io: CliIo, action: ActionEnvironment, markdown: string): Promise<void> {
  if (action.summaryFile !== undefined) await io.fs.promises.appendFile(action.summaryFile, markdown)
}

/** `name=value` lines, or `name<<delimiter` blocks for values with line breaks (GitHub's format for `$GITHUB_OUTPUT`). */
async function setOutputs(io: CliIo, action: ActionEnvironment, outputs: Record<string, string>): Promise<void> {
  if (action.outputFile === undefined) return
  const lines = Object.entries(outputs).map(([name, value]) => {
    if (!/[\r\n]/.test(value)) return `${name}=${value}\n`
    let delimiter = 'gmr_output'
    while (value.includes(delimiter)) delimiter += '_'
    return `${name}<<${delimiter}\n${value}\n${delimiter}\n`
  })
  await io.fs.promises.appendFile(action.outputFile, lines.join(''))
}
