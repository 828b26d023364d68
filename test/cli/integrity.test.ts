import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { repoFingerprint } from '../helpers/state.js'

// Issue 9, part B: nothing is written on top of broken state. Each refused command must
// leave git clean (fsck --strict, for-each-ref) and every ref and file as it was.

let repo: TempRepo
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)
const MODEL = 'registry/models/m.yaml'
const MISSING = '0123456789012345678901234567890123456789'
const FETCH = 'git fetch origin "+refs/heads/artifacts/*:refs/heads/artifacts/*"'

async function ok(...args: string[]): Promise<string> {
  const result = await run(...args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

/** What a user would compare: every ref, the work tree's status, and every file. */
function state(): { refs: string; status: string; files: Map<string, string> } {
  return { refs: repo.git('for-each-ref'), status: repo.git('status', '--porcelain'), files: repoFingerprint(repo.dir) }
}

/** `git fsck --strict` exits 0 and reports no error, and `git for-each-ref` reads every ref. */
function gitIsClean(): void {
  const fsck = execFileSync('git', ['fsck', '--strict', '--no-progress', '--no-dangling'], {
    cwd: repo.dir,
    env: repo.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  expect(fsck).toBe('')
  repo.git('for-each-ref')
}

/** Runs a command that must be refused: exit 1, exactly `stderr`, and nothing changed. */
async function refused(args: string[], stderr: string | RegExp): Promise<void> {
  const before = state()
  const result = await run(...args)
  expect({ code: result.code, stdout: result.stdout }, `${args.join(' ')}: ${result.stderr}`).toEqual({ code: 1, stdout: '' })
  if (typeof stderr === 'string') expect(result.stderr).toBe(stderr)
  else expect(result.stderr).toMatch(stderr)
  expect(result.stderr.split('\n')).toHaveLength(2)
  expect(state()).toEqual(before)
  gitIsClean()
}

let commits: string[]

/** Artifact `a` v0..v2; model `m` with link v0 -> a:v0 (alias production) and v1 -> a:v1 (alias staging). */
beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
  const out = join(repo.scratch, 'out')
  commits = []
  for (let i = 0; i < 3; i++) {
    repo.write(join(out, 'model.bin'), `weights ${i}`)
    await ok('log', 'a', out)
    commits.push(repo.git('rev-parse', 'artifacts/a').trim())
  }
  await ok('model', 'create', 'm')
  await ok('link', 'a:v0', 'm', '--alias', 'production', '--force')
  await ok('link', 'a:v1', 'm', '--alias', 'staging')
})
afterEach(() => repo.cleanup())

function editModel(from: string, to: string, options: { commit?: boolean } = {}): void {
  const text = repo.read(MODEL)
  expect(text).toContain(from)
  repo.write(MODEL, text.replace(from, to))
  if (options.commit ?? true) repo.git('commit', '-q', '-am', 'hand edit')
}

const missingLink = (commit: string) =>
  `error: ${MODEL}:9:13: link v0 of m says a:v0 is ${commit.slice(0, 10)}, but no such commit exists in this repository; fetch the artifact branches (${FETCH}) or fix the link; nothing was written\n`

describe('a registry write never builds on a manifest that names what is not there', () => {
  it('a link to a missing commit, committed: link, tag add, alias set and sync refuse', async () => {
    editModel(`commit: ${commits[0]}`, `commit: "${MISSING}"`)
    await refused(['link', 'a:v2', 'm'], missingLink(MISSING))
    await refused(['tag', 'add', 'm', 'nlp'], missingLink(MISSING))
    await refused(['alias', 'set', 'm', 'best', 'v1'], missingLink(MISSING))
    await refused(['tag', 'add', 'm', 'nlp', '--no-commit'], missingLink(MISSING))
    await refused(
      ['sync'],
      `error: ${MODEL}:9:13: link v0 of m says a:v0 is ${MISSING.slice(0, 10)}, but no such commit exists in this repository; fetch the artifact branches (${FETCH}) or fix the link; nothing was written\n`,
    )
    expect(repo.git('rev-parse', 'refs/aliases/m/production').trim()).toBe(commits[0])
  })

  it('the same edit left uncommitted in the work tree is refused too', async () => {
    editModel(`commit: ${commits[0]}`, `commit: "${MISSING}"`, { commit: false })
    await refused(['link', 'a:v2', 'm'], missingLink(MISSING))
    await refused(['tag', 'add', 'm', 'nlp'], missingLink(MISSING))
  })

  it("a link naming a blob's id, or another version's commit, is refused with its line", async () => {
    const blob = repo.git('rev-parse', `${commits[0]}:model.bin`).trim()
    editModel(`commit: ${commits[0]}`, `commit: ${blob}`)
    const isBlob = `error: ${MODEL}:9:13: link v0 of m says a:v0 is ${blob.slice(0, 10)}, but ${blob.slice(0, 10)} is a blob, not a commit; nothing was written\n`
    await refused(['link', 'a:v2', 'm'], isBlob)
    await refused(['tag', 'add', 'm', 'nlp'], isBlob)
    repo.git('reset', '-q', '--hard', 'HEAD~1')
    editModel(`commit: ${commits[0]}`, `commit: ${commits[2]}`)
    await refused(
      ['tag', 'add', 'm', 'nlp'],
      `error: ${MODEL}:8:22: link v0 of m says a:v0 is ${commits[2]!.slice(0, 10)}, but that commit is a:v2; set artifactVersion: 2 (or fix the commit); nothing was written\n`,
    )
  })

  it('an alias naming no link is refused instead of deleting its ref', async () => {
    editModel('staging: 1', 'staging: 7')
    // The links listed are those the manifest would have after the write.
    const dangling = (links: string) =>
      `error: ${MODEL}:18:12: alias staging names v7, which is not a link of m (links: ${links}); link the version first or point the alias at one of these; nothing was written\n`
    await refused(['link', 'a:v2', 'm'], dangling('v0, v1, v2'))
    await refused(['tag', 'add', 'm', 'nlp'], dangling('v0, v1'))
    expect(repo.git('rev-parse', 'refs/aliases/m/staging').trim()).toBe(commits[1])
    // Repairing it is a write like any other, and is allowed.
    await ok('alias', 'set', 'm', 'staging', 'v0')
    expect(repo.git('rev-parse', 'refs/aliases/m/staging').trim()).toBe(commits[0])
    gitIsClean()
  })

  it('unlinking the broken link repairs the manifest, and is allowed', async () => {
    await ok('link', 'a:v2', 'm')
    editModel(`commit: ${commits[2]}`, `commit: "${MISSING}"`)
    await refused(
      ['tag', 'add', 'm', 'nlp'],
      `error: ${MODEL}:19:13: link v2 of m says a:v2 is ${MISSING.slice(0, 10)}, but no such commit exists in this repository; fetch the artifact branches (${FETCH}) or fix the link; nothing was written\n`,
    )
    await ok('unlink', 'm:v2')
    await ok('tag', 'add', 'm', 'nlp')
    gitIsClean()
  })

  it('several problems: the first is named, with how many more gmr check lists', async () => {
    editModel(`commit: ${commits[0]}`, `commit: "${MISSING}"`)
    editModel('staging: 1', 'staging: 7')
    await refused(['tag', 'add', 'm', 'nlp'], `${missingLink(MISSING).slice(0, -'\n'.length)} (and 1 more: run gmr check)\n`)
  })

  it('a protected alias ref out of step with its manifest is not moved back without --force', async () => {
    repo.git('update-ref', 'refs/aliases/m/production', commits[1]!)
    await refused(
      ['tag', 'add', 'm', 'nlp'],
      'error: "production" is a protected alias: on the registry branch (main) it changes only with --force; propose the change on a branch and merge it through a pull request\n',
    )
    await ok('alias', 'set', 'm', 'best', 'v1', '--force')
    expect(repo.git('rev-parse', 'refs/aliases/m/production').trim()).toBe(commits[0])
  })

  it("log --alias refuses before logging when the artifact's manifest names no such version", async () => {
    await ok('alias', 'set', 'a', 'best', 'v2')
    const path = 'registry/artifacts/a.yaml'
    repo.write(path, repo.read(path).replace('best: 2', 'best: 9'))
    repo.git('commit', '-q', '-am', 'hand edit')
    repo.write(join(repo.scratch, 'out', 'model.bin'), 'weights 3')
    await refused(
      ['log', 'a', join(repo.scratch, 'out'), '--alias', 'staging'],
      `error: ${path}:6:9: alias best names v9, but a has only v0 to v2; nothing was written\n`,
    )
  })

  it('log --alias refuses a protected alias with the same message as every other write', async () => {
    repo.write(join(repo.scratch, 'out', 'model.bin'), 'weights 3')
    await refused(
      ['log', 'a', join(repo.scratch, 'out'), '--alias', 'production'],
      'error: "production" is a protected alias: on the registry branch (main) it changes only with --force; propose the change on a branch and merge it through a pull request\n',
    )
  })
})

describe('an artifact branch that breaks its shape is reported, and nothing reads or extends it', () => {
  const tree = () => repo.git('rev-parse', `${commits[2]}^{tree}`).trim()
  const craft = (message: string, ...parents: string[]) =>
    repo.git('commit-tree', tree(), ...parents.flatMap((p) => ['-p', p]), '-m', message).trim()
  const body = (artifact: string, version: number) => `\n\nartifact: ${artifact}\nversion: ${version}\nmetadata: {}`

  // [what, the bad commit, the problem, what gmr check says when it words it differently]
  const cases: Array<[string, () => string, string, string?]> = [
    ['a merge commit', () => craft(`a v3${body('a', 3)}`, commits[2]!, commits[0]!), 'it is a merge commit (2 parents); a version has one parent, the version before it'],
    ['a commit of another artifact', () => craft(`b v3${body('b', 3)}`, commits[2]!), 'its subject "b v3" names another artifact'],
    ['a body naming another artifact', () => craft(`a v3${body('b', 3)}`, commits[2]!), 'its message body says artifact: b'],
    ['a subject and body that disagree', () => craft(`a v3${body('a', 4)}`, commits[2]!), 'its subject says v3 but its message body says version: 4'],
    ['a number that is not its depth', () => craft(`a v5${body('a', 5)}`, commits[2]!), 'its message says v5 but it is at first-parent depth 3', 'its message says v5; the branch was rewritten'],
  ]

  for (const [what, make, problem, checkSays = problem] of cases) {
    it(`${what}: check names the commit; log, show and versions refuse with the repair`, async () => {
      const bad = make()
      repo.git('update-ref', 'refs/heads/artifacts/a', bad, commits[2]!)
      const line = `error: artifacts/a is broken at v3 (commit ${bad}): ${problem}; reset the branch to v2, its last sound version (git update-ref refs/heads/artifacts/a ${commits[2]} ${bad}), then log what came after again\n`
      const out = join(repo.scratch, 'next')
      repo.write(join(out, 'model.bin'), 'weights 4')
      await refused(['log', 'a', out], line)
      await refused(['versions', 'a'], line)
      await refused(['show', 'a'], line)
      await refused(['show', 'a:v1'], line)
      await refused(['show', 'm:v0'], line)
      await refused(['link', 'a:v2', 'm'], /^error: a:v3 \(commit [0-9a-f]{10}[^\n]*; nothing was written[^\n]*\n$/)

      const check = await run('check')
      expect(check.code).toBe(1)
      expect(check.stdout).toContain(`a:v3 (commit ${bad.slice(0, 10)}`)
      expect(check.stdout).toContain(checkSays)

      // The repair the message gives works, and everything reads and logs again.
      repo.git('update-ref', 'refs/heads/artifacts/a', commits[2]!, bad)
      expect(JSON.parse(await ok('versions', 'a', '--json')).versions).toHaveLength(3)
      expect(await ok('log', 'a', out)).toBe('a:v3\n')
      expect((await run('check')).code).toBe(0)
      gitIsClean()
    })
  }

  it('a broken v0 can only be repaired by removing the branch, and the message says so', async () => {
    const root = craft(`b v0${body('b', 0)}`)
    repo.git('update-ref', 'refs/heads/artifacts/c', root)
    await refused(
      ['versions', 'c'],
      `error: artifacts/c is broken at v0 (commit ${root}): its subject "b v0" names another artifact; remove the branch (git update-ref -d refs/heads/artifacts/c ${root}) and log the versions again\n`,
    )
  })

  it('a commit written by another tool with only a subject is a sound version', async () => {
    const next = craft('a v3', commits[2]!)
    repo.git('update-ref', 'refs/heads/artifacts/a', next, commits[2]!)
    expect(JSON.parse(await ok('versions', 'a', '--json')).versions).toHaveLength(4)
  })
})
