import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMMENT_MARKER, withTokenCredential } from '../../src/cli/githubAction.js'
import { startGitHubApiServer, type GitHubApiServer } from '../helpers/githubApiServer.js'
import { gmrProcess, makeRepo, type ProcessResult, type TempRepo } from '../helpers/gitRepo.js'

// The action's entry point (`gmr github-action`, what action.yml runs) in a real CI-like
// checkout: a clone of a bare "origin", with the files and variables a runner provides,
// and GitHub's comment endpoints served on 127.0.0.1.

const REPOSITORY = 'acme/models'
const PR = 7

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const lfsPath = (repo: TempRepo, oid: string) => join(repo.dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid)

describe('the GitHub Action', () => {
  let dev: TempRepo
  let ci: TempRepo
  let origin: string
  let api: GitHubApiServer
  const v0 = 'weights of v0\n'.repeat(20)
  const v1 = 'weights of v1\n'.repeat(20)

  const gmr = async (repo: TempRepo, ...args: string[]) => {
    const result = await gmrProcess(repo.dir, repo.env, args)
    expect(result.code, `gmr ${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout
  }

  /** One run of the action as a runner would start it; returns the result and what it wrote. */
  async function runAction(repo: TempRepo, inputs: Record<string, string>, event: object, eventName = 'pull_request') {
    const n = Math.random().toString(36).slice(2)
    const files = {
      event: join(repo.scratch, `event-${n}.json`),
      summary: join(repo.scratch, `summary-${n}.md`),
      output: join(repo.scratch, `output-${n}.txt`),
    }
    writeFileSync(files.event, JSON.stringify(event))
    writeFileSync(files.summary, '')
    writeFileSync(files.output, '')
    const env = {
      ...repo.env,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: files.event,
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_API_URL: api.url,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_OUTPUT: files.output,
      INPUT_COMMAND: inputs.command ?? 'check',
      INPUT_BASE: inputs.base ?? '',
      INPUT_TOKEN: inputs.token ?? 'ghs_test-token',
    }
    const result: ProcessResult = await gmrProcess(repo.dir, env, ['github-action'])
    const outputs = Object.fromEntries(
      readFileSync(files.output, 'utf8')
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
    return { result, summary: readFileSync(files.summary, 'utf8'), outputs }
  }

  const pullRequestEvent = { action: 'synchronize', number: PR, pull_request: { number: PR, base: { ref: 'main' }, head: { ref: 'promote' } } }

  beforeAll(async () => {
    api = await startGitHubApiServer(REPOSITORY)
    dev = makeRepo()
    origin = join(dev.scratch, 'origin.git')
    dev.git('init', '-q', '--bare', origin)
    dev.git('remote', 'add', 'origin', origin)
    writeFileSync(join(dev.scratch, 'model.bin'), v0)
    await gmr(dev, 'init')
    await gmr(dev, 'log', 'churn', join(dev.scratch, 'model.bin'), '--large-file-threshold', '100')
    await gmr(dev, 'model', 'create', 'churn-model')
    await gmr(dev, 'link', 'churn:v0', 'churn-model', '--alias', 'production', '--force')
    await gmr(dev, 'push')

    // The pull request: a new version, linked, and production proposed on it.
    dev.git('switch', '-q', '-c', 'promote')
    writeFileSync(join(dev.scratch, 'model.bin'), v1)
    await gmr(dev, 'log', 'churn', join(dev.scratch, 'model.bin'), '--large-file-threshold', '100')
    await gmr(dev, 'link', 'churn:v1', 'churn-model')
    await gmr(dev, 'alias', 'set', 'churn-model', 'production', 'v1')
    await gmr(dev, 'push')

    // What actions/checkout leaves: a clone, the pull request's commit checked out, no LFS objects.
    ci = makeRepo({ empty: true })
    ci.git('remote', 'add', 'origin', origin)
    ci.git('fetch', '-q', 'origin')
    ci.git('checkout', '-q', '--detach', 'origin/promote')
    // Someone else's comments come first, on more than one page.
    api.comments.set(PR, [
      { id: 1, body: 'Looks good to me', html_url: 'https://github.com/acme/models/pull/7#issuecomment-1', user: { login: 'ada' } },
      { id: 2, body: 'Please add metrics', html_url: 'https://github.com/acme/models/pull/7#issuecomment-2', user: { login: 'bob' } },
      { id: 3, body: 'Done', html_url: 'https://github.com/acme/models/pull/7#issuecomment-3', user: { login: 'ada' } },
    ])
  }, 120_000)

  afterAll(async () => {
    await api?.close()
    dev?.cleanup()
    ci?.cleanup()
  })

  it('on a pull request: annotations, job summary, outputs, one new comment, and only the new version\'s large files', async () => {
    const { result, summary, outputs } = await runAction(ci, { command: 'check' }, pullRequestEvent)
    expect(result.stderr).not.toMatch(/error/)
    expect(result.code).toBe(0)
    // The protected alias the pull request moves is a warning annotation on the manifest line.
    expect(result.stdout).toMatch(/^::warning file=registry\/models\/churn-model\.yaml,line=\d+,col=\d+,title=gmr check%3A protected-alias::protected alias production of churn-model moves v0 -> v1/m)
    expect(outputs).toMatchObject({ errors: '0', warnings: '1', changed: 'true' })

    const markdown = (await gmrProcess(ci.dir, ci.env, ['diff', 'origin/main', '--format', 'markdown'])).stdout
    expect(markdown).toContain('### Registry changes')
    expect(summary.startsWith(markdown)).toBe(true)
    expect(summary).toContain('gmr check: 1 warning')

    // One comment created, after reading every page of the others; the token is the input's.
    const calls = api.requests.map((r) => `${r.method} ${r.url}`)
    expect(calls).toEqual([
      `GET /repos/${REPOSITORY}/issues/${PR}/comments?per_page=100`,
      `GET /repos/${REPOSITORY}/issues/${PR}/comments?per_page=100&page=2`,
      `POST /repos/${REPOSITORY}/issues/${PR}/comments`,
    ])
    for (const request of api.requests) {
      expect(request.authorization).toBe('Bearer ghs_test-token')
      expect(request.accept).toBe('application/vnd.github+json')
      expect(request.apiVersion).toBe('2022-11-28')
    }
    const ours = api.comments.get(PR)!.filter((c) => c.body.includes(COMMENT_MARKER))
    expect(ours).toHaveLength(1)
    expect(ours[0]!.body).toBe(`${COMMENT_MARKER}\n${markdown}`)
    expect(outputs['comment-id']).toBe(String(ours[0]!.id))
    expect(outputs['comment-url']).toBe(ours[0]!.html_url)

    // Large files: the version the pull request links, and not the one main already had.
    expect(readFileSync(lfsPath(ci, sha256(v1)), 'utf8')).toBe(v1)
    expect(existsSync(lfsPath(ci, sha256(v0)))).toBe(false)
  })

  it('a later push edits the same comment instead of adding one', async () => {
    await gmr(dev, 'tag', 'add', 'churn-model', 'tabular')
    await gmr(dev, 'push')
    ci.git('fetch', '-q', 'origin')
    ci.git('checkout', '-q', '--detach', 'origin/promote')
    api.requests.length = 0

    const { result, outputs } = await runAction(ci, { command: 'diff' }, pullRequestEvent)
    expect(result.code, result.stderr).toBe(0)
    const ours = api.comments.get(PR)!.filter((c) => c.body.includes(COMMENT_MARKER))
    expect(ours).toHaveLength(1)
    expect(api.comments.get(PR)).toHaveLength(4)
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'PATCH'])
    expect(api.requests[2]!.url).toBe(`/repos/${REPOSITORY}/issues/comments/${ours[0]!.id}`)
    expect(ours[0]!.body).toContain('tabular')
    expect(outputs['comment-id']).toBe(String(ours[0]!.id))
    // diff alone neither checks nor fetches large files.
    expect(outputs.errors).toBeUndefined()
  })

  it('an error fails the job after the annotations, the summary and the comment are written', async () => {
    ci.write('registry/models/ranker.yaml', 'name: not-ranker\n')
    try {
      api.requests.length = 0
      const { result, outputs, summary } = await runAction(ci, { command: 'check' }, pullRequestEvent)
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/^::error file=registry\/models\/ranker\.yaml,line=1,/m)
      expect(result.stderr).toMatch(/^error: the registry has 1 error \(annotated above\)$/m)
      expect(outputs).toMatchObject({ errors: '1', changed: 'true' })
      expect(summary).toContain('gmr check: 1 error, 1 warning')
      expect(api.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'PATCH'])
    } finally {
      ci.git('clean', '-fdq', 'registry')
    }
  })

  it('sync after the merge moves the alias refs on the registry branch and pushes them', async () => {
    dev.git('switch', '-q', 'main')
    dev.git('merge', '-q', '--no-ff', '-m', 'Merge pull request #7', 'promote')
    dev.git('push', '-q', 'origin', 'main')
    const main = makeRepo({ empty: true })
    try {
      main.git('remote', 'add', 'origin', origin)
      main.git('fetch', '-q', 'origin')
      main.git('checkout', '-q', '-b', 'main', 'origin/main')
      const { result, outputs, summary } = await runAction(main, { command: 'sync' }, { ref: 'refs/heads/main' }, 'push')
      expect(result.code, result.stderr).toBe(0)
      expect(outputs['alias-changes']).toBe('1')
      expect(summary).toContain('gmr sync: 1 alias ref changed')
      const v1Commit = main.git('rev-parse', 'refs/heads/artifacts/churn').trim()
      expect(main.git('--git-dir', origin, 'rev-parse', 'refs/aliases/churn-model/production').trim()).toBe(v1Commit)
    } finally {
      main.cleanup()
    }
  })

  it('an unknown command input is one line on stderr and exit 1', async () => {
    const requests = api.requests.length
    const { result } = await runAction(ci, { command: 'deploy' }, pullRequestEvent)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('error: the action\'s command input is "deploy"; use one of check, diff, sync\n')
    expect(api.requests.length).toBe(requests)
  })

  it("gives the token to git's credential helpers, for the LFS API that actions/checkout's extraheader does not reach", () => {
    const filled = execFileSync('git', ['credential', 'fill'], {
      cwd: ci.dir,
      env: withTokenCredential({ ...ci.env, GIT_TERMINAL_PROMPT: '0' }, 'ghs_secret') as Record<string, string>,
      input: 'protocol=https\nhost=github.com\npath=acme/models.git/info/lfs\n\n',
      encoding: 'utf8',
    })
    expect(filled).toContain('username=x-access-token\npassword=ghs_secret\n')
  })

  it('action.yml passes its inputs to gmr github-action and exposes what it writes', () => {
    const action = parse(readFileSync(join(import.meta.dirname, '..', '..', 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>
      outputs: Record<string, { value: string }>
      runs: { using: string; steps: Array<{ id?: string; run?: string; env?: Record<string, string> }> }
    }
    expect(Object.keys(action.inputs).sort()).toEqual(['base', 'command', 'token'])
    expect(action.runs.using).toBe('composite')
    const step = action.runs.steps.find((s) => s.id === 'gmr')!
    expect(step.run).toContain('github-action')
    expect(step.env).toMatchObject({ INPUT_COMMAND: '${{ inputs.command }}', INPUT_BASE: '${{ inputs.base }}', INPUT_TOKEN: '${{ inputs.token }}' })
    for (const [name, output] of Object.entries(action.outputs)) expect(output.value).toBe(`\${{ steps.gmr.outputs.${name} }}`)
    expect(Object.keys(action.outputs).sort()).toEqual(
      ['alias-changes', 'changed', 'comment-id', 'comment-url', 'errors', 'refs-pushed', 'summary', 'warnings'].sort(),
    )
  })
})
