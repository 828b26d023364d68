import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { fsck, gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)
const MODEL = 'registry/models/churn-model.yaml'

async function ok(...args: string[]): Promise<string> {
  const result = await run(...args)
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

const rev = (name: string) => repo.git('rev-parse', name).trim()
const short = (oid: string) => oid.slice(0, 10)

/** The registry branch: churn v0 and v1 logged with metrics, both linked, production on v0. */
async function registryWithProduction(): Promise<string[]> {
  const commits: string[] = []
  for (const [i, accuracy] of ['0.91', '0.93'].entries()) {
    repo.write(join(repo.scratch, 'out', 'model.bin'), `weights ${i}`)
    await ok('log', 'churn', join(repo.scratch, 'out'), '--metadata', `accuracy=${accuracy}`, '--metadata', `loss=0.${3 - i}`)
    commits.push(rev('artifacts/churn'))
  }
  await ok('model', 'create', 'churn-model', '--tag', 'tabular')
  await ok('link', 'churn:v0', 'churn-model')
  await ok('link', 'churn:v1', 'churn-model')
  await ok('alias', 'set', 'churn-model', 'production', 'v0', '--force')
  return commits
}

beforeEach(async () => {
  repo = makeRepo()
  await ok('init')
})
afterEach(() => repo.cleanup())

describe('reviewing a registry change in a pull request, end to end', () => {
  it('propose, annotate, fix, diff, merge with git, sync, and the registry branch is clean', async () => {
    const commits = await registryWithProduction()
    expect(repo.git('rev-parse', 'refs/aliases/churn-model/production').trim()).toBe(commits[0])

    // A feature branch proposes production -> v1, a tag, and (by hand) a bad tag.
    repo.git('switch', '-qc', 'promote-v1')
    await ok('alias', 'set', 'churn-model', 'production', 'v1')
    await ok('tag', 'add', 'churn-model', 'nlp')
    repo.write(MODEL, repo.read(MODEL).replace('  - tabular\n', '  - tabular\n  - Needs Review\n'))
    repo.git('commit', '-qam', 'tag for the reviewers')
    expect(repo.read(MODEL).split('\n').slice(3, 7)).toEqual(['tags:', '  - nlp', '  - tabular', '  - Needs Review'])

    const annotated = await run('check', '--base', 'main', '--format', 'github')
    expect(annotated.code).toBe(1)
    expect(annotated.stdout).toBe(
      [
        `::error file=${MODEL},line=7,col=5,title=gmr check%3A manifest-invalid::tag "Needs Review" must match ^[a-z0-9][a-z0-9._:-]{0,63}$`,
        'gmr check: 1 error in work tree (1 manifest, 0 links, 1 artifact branch, 2 versions; history against main)',
        '',
      ].join('\n'),
    )
    expect(annotated.stderr).toBe('error: the registry has 1 error (listed above); fix it and run gmr check again\n')

    // Fixed: the manifest parses, and the protected alias move is a warning on its line.
    repo.write(MODEL, repo.read(MODEL).replace('  - Needs Review\n', ''))
    repo.git('commit', '-qam', 'drop the bad tag')
    const fixed = await run('check', '--base', 'main', '--format', 'github')
    expect(fixed).toEqual({
      code: 0,
      stdout: [
        `::warning file=${MODEL},line=19,col=3,title=gmr check%3A protected-alias::protected alias production of churn-model moves v0 -> v1; review it: once merged and synced, whatever deploys churn-model:production gets v1`,
        'gmr check: 1 warning in work tree (1 manifest, 2 links, 1 artifact branch, 2 versions; history against main)',
        '',
      ].join('\n'),
      stderr: '',
    })

    const markdown = await ok('diff', 'main', 'HEAD', '--format', 'markdown')
    const [c0, c1] = commits.map((c) => short(c!))
    expect(markdown).toBe(
      [
        '### Registry changes',
        '',
        '**1 model changed: 1 alias moved (production), 1 tag added**',
        '',
        `Base main (\`${short(rev('main'))}\`) → head HEAD (\`${short(rev('HEAD'))}\`).`,
        '',
        '> [!WARNING]',
        '> **Protected aliases change.** Once this is merged and `gmr sync` runs, whatever deploys them gets another version:',
        '> - `churn-model:production` moves v0 → v1 (`churn:v0` → `churn:v1`)',
        '',
        '| | Name | Status | Versions | Links | Aliases | Tags, description |',
        '|---|---|---|---|---|---|---|',
        '| model | `churn-model` | changed |  |  | :warning: `production` v0 → v1 | +`nlp` |',
        '',
        '#### Alias moves',
        '',
        '```mermaid',
        'flowchart LR',
        '  subgraph n0["model churn-model"]',
        '    n0v0["v0 · churn:v0"]',
        '    n0v1["v1 · churn:v1"]',
        '    n0a0(["production"])',
        '    n0a0 -. was .-> n0v0',
        '    n0a0 == now ==> n0v1',
        '  end',
        '  classDef protected stroke:#d1242f,stroke-width:3px',
        '  class n0a0 protected',
        '```',
        '',
        '#### Model `churn-model` (changed)',
        '',
        '| Change | What | Detail |',
        '|---|---|---|',
        '| :warning: alias moved | `production` (protected) | v0 → v1 (`churn:v0` → `churn:v1`): accuracy 0.91 → 0.93 ▲, loss 0.3 → 0.2 ▼ |',
        '| tag added | `nlp` |  |',
        '',
        '<details><summary>Versions and metrics</summary>',
        '',
        `**Alias \`production\`: v0 → v1** (\`churn:v0\` \`${c0}\` → \`churn:v1\` \`${c1}\`)`,
        '',
        '| Metadata | v0 (`churn:v0`) | v1 (`churn:v1`) | Change |',
        '|---|---|---|---|',
        '| accuracy | 0.91 | 0.93 | ▲ +0.02 |',
        '| loss | 0.3 | 0.2 | ▼ -0.1 |',
        '',
        '</details>',
        '',
      ].join('\n'),
    )

    // Merged with real git; CI on main runs gmr sync; the registry branch checks clean.
    repo.git('switch', '-q', 'main')
    repo.git('merge', '-q', '--no-ff', 'promote-v1', '-m', 'Merge pull request #1 from promote-v1')
    const drift = await run('check')
    expect(drift.code).toBe(1)
    expect(drift.stdout).toBe(
      `${MODEL}:19:3: error: alias production of churn-model is v1 (${short(commits[1]!)}) on the main branch, but refs/aliases/churn-model/production points at ${short(commits[0]!)}; run "gmr sync" to move it\n` +
        'gmr check: 1 error in work tree (1 manifest, 2 links, 1 artifact branch, 2 versions; alias refs against main)\n',
    )
    expect(await ok('sync')).toBe(`move refs/aliases/churn-model/production ${short(commits[0]!)} -> ${short(commits[1]!)}\n`)
    expect(repo.git('rev-parse', 'refs/aliases/churn-model/production').trim()).toBe(commits[1])
    expect(await run('check')).toEqual({
      code: 0,
      stdout: 'gmr check: no problems in work tree (1 manifest, 2 links, 1 artifact branch, 2 versions; alias refs against main)\n',
      stderr: '',
    })
    fsck(repo)
  })
})

describe('gmr check and gmr diff on the command line', () => {
  it('exit codes: warnings alone 0, errors 1, usage 2; bad input is one line on stderr', async () => {
    await registryWithProduction()
    expect((await run('check', '--format', 'xml')).code).toBe(2)
    expect((await run('diff', 'a', 'b', 'c')).code).toBe(2)
    expect(await run('check', '--base', 'origin/mian')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: unknown revision "origin/mian": no branch, tag, remote-tracking branch or commit is called "origin/mian" here; check the spelling or fetch it (git fetch origin)\n',
    })
    expect(await run('diff', 'nope')).toMatchObject({ code: 1, stdout: '' })
    repo.git('switch', '-qc', 'topic')
    await ok('alias', 'set', 'churn-model', 'production', 'v1')
    expect((await run('check', '--base', 'main')).code).toBe(0)
  })

  it('--format json (and --json) print one document with every finding', async () => {
    await registryWithProduction()
    repo.write(MODEL, repo.read(MODEL).replace('production: 0', 'production: 7'))
    const result = await run('check', '--json')
    expect(result.code).toBe(1)
    // Under --json the error is a JSON object too (schemas/cli/error.schema.json).
    expect(JSON.parse(result.stderr)).toEqual({ error: { code: 'CheckFailedError', message: 'the registry has 1 error; fix it and run gmr check again' } })
    const doc = JSON.parse(result.stdout)
    expect(doc).toMatchObject({ head: { label: 'work tree', commit: null }, base: null, errorCount: 1, warningCount: 0 })
    expect(doc.findings).toEqual([
      {
        severity: 'error',
        rule: 'alias-target',
        file: MODEL,
        line: 18,
        col: 15,
        message: 'alias production names v7, which is not a link of churn-model (links: v0, v1); link the version first or point the alias at one of these',
      },
    ])
    expect(JSON.parse((await run('check', '--format', 'json')).stdout)).toEqual(doc)
  })

  it('gmr diff defaults to the merge base with the registry branch and the work tree, uncommitted edits included', async () => {
    const commits = await registryWithProduction()
    repo.git('switch', '-qc', 'topic')
    await ok('tag', 'add', 'churn-model', 'nlp')
    repo.git('switch', '-q', 'main')
    await ok('tag', 'add', 'churn-model', 'on-main') // main moves on; the merge base does not
    repo.git('switch', '-q', 'topic')
    await ok('alias', 'set', 'churn-model', 'staging', 'v1', '--no-commit')
    const base = repo.git('merge-base', 'HEAD', 'main').trim()
    expect(await ok('diff')).toBe(
      [
        '1 model changed: 1 alias set (staging), 1 tag added',
        `base main (merge base) ${short(base)}, head work tree`,
        '',
        'model churn-model (changed)',
        `  + alias staging: v1 (churn:v1 ${short(commits[1]!)})`,
        '  + tag nlp',
        '',
      ].join('\n'),
    )
    const json = JSON.parse(await ok('diff', '--json'))
    expect(json.summary).toBe('1 model changed: 1 alias set (staging), 1 tag added')
    expect(json.changes[0].aliases[0]).toEqual({
      alias: 'staging',
      change: 'set',
      protected: false,
      from: null,
      to: { version: 1, artifact: 'churn', artifactVersion: 1, commit: commits[1], metadata: { accuracy: 0.93, loss: 0.2 } },
      metadata: [],
    })
    // On the registry branch itself the default base is its tip: the diff is what is not committed.
    repo.git('switch', '-qf', 'main')
    expect(await ok('diff')).toBe(`No registry changes\nbase main ${short(rev('main'))}, head work tree\n`)
  })

  it('in a CI checkout (detached HEAD, only origin/main) the default base is the merge base with origin/main', async () => {
    const upstream = repo
    try {
      await registryWithProduction()
      repo.git('switch', '-qc', 'topic')
      await ok('alias', 'set', 'churn-model', 'production', 'v1')
      const topic = rev('topic')
      repo = makeRepo({ empty: true })
      repo.git('remote', 'add', 'origin', upstream.dir)
      repo.git('fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*')
      repo.git('checkout', '-q', '--detach', topic)
      repo.git('fetch', '-q', 'origin', '+refs/heads/artifacts/*:refs/heads/artifacts/*')
      const out = await ok('diff', '--format', 'markdown')
      expect(out).toContain('**1 model changed: 1 alias moved (production)**')
      expect(out).toContain(`Base origin/main (\`${short(rev('origin/main'))}\`) → head work tree.`)
      // The real binary, as CI runs it: check with a remote base, GitHub format.
      const ci = await gmrProcess(repo.dir, repo.env, ['check', '--base', 'origin/main', '--format', 'github'])
      expect(ci.code).toBe(0)
      expect(ci.stdout).toMatch(/^::warning file=registry\/models\/churn-model\.yaml,line=18,col=3,title=gmr check%3A protected-alias::protected alias production of churn-model moves v0 -> v1/)
    } finally {
      upstream.cleanup()
    }
  })

  it('versions logged locally show up against the remote the base comes from', async () => {
    const upstream = repo
    try {
      await registryWithProduction()
      repo = makeRepo({ empty: true })
      repo.git('remote', 'add', 'origin', upstream.dir)
      repo.git('fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*')
      repo.git('checkout', '-q', '-b', 'main', 'origin/main')
      repo.git('branch', '-q', 'artifacts/churn', 'origin/artifacts/churn')
      repo.write(join(repo.scratch, 'out', 'model.bin'), 'weights 2')
      await ok('log', 'churn', join(repo.scratch, 'out'), '--metadata', 'accuracy=0.95')
      await ok('link', 'churn:v2', 'churn-model')
      const text = await ok('diff', 'origin/main')
      expect(text).toBe(
        [
          '1 model changed, 1 artifact changed: 1 version logged, 1 link added',
          `base origin/main ${short(rev('origin/main'))}, head work tree`,
          '',
          'model churn-model (changed)',
          `  + link v2: churn:v2 (${short(rev('artifacts/churn'))}) accuracy=0.95`,
          '',
          'artifact churn (changed)',
          `  + v2 logged (${short(rev('artifacts/churn'))}) accuracy=0.95`,
          '',
        ].join('\n'),
      )
    } finally {
      upstream.cleanup()
    }
  })
})
