import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatVersionMessage } from '../../src/domain/versionMessage.js'
import { HEAVY_IN_BUNDLE, RARE, ranMatching, recordedRun } from '../helpers/bundleCoverage.js'
import { gmrProcess, registryAfter } from '../helpers/gitRepo.js'

// What a lookup loads before its first output (issue 12): the modules a command's
// operation reaches through static imports. Dynamic imports load only on the paths that
// need them (a manifest not yet in the cache, an interrupted edit) and are not followed.

const SRC = resolve(import.meta.dirname, '..', '..', 'src')

/** Static, value-level imports of one source file: `import type` and `import(...)` load nothing up front. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]!)
}

/** Every module `entry` loads, as src-relative paths and bare package names. */
function closure(entry: string): Set<string> {
  const seen = new Set<string>()
  const queue = [join(SRC, entry)]
  while (queue.length > 0) {
    const file = queue.shift()!
    for (const spec of staticImports(file)) {
      if (!spec.startsWith('.')) {
        seen.add(spec)
        continue
      }
      const target = resolve(file, '..', spec.replace(/\.js$/, '.ts'))
      const key = relative(SRC, target)
      if (seen.has(key) || !existsSync(target)) continue
      seen.add(key)
      queue.push(target)
    }
  }
  return seen
}

const HEAVY = [
  'yaml',
  'isomorphic-git',
  'commander',
  'markdown-it',
  'domain/generated/validators.ts',
  'domain/checkRegistry.ts',
  'ops/support/registryEdit.ts',
  'cli/operations.ts',
]

describe('the start-up path of lookups', () => {
  it.each(['ops/resolve.ts', 'ops/listVersions.ts', 'ops/renderVersions.ts', 'cli/lookup.ts', 'cli/lookupRun.ts', 'ops/download.ts', 'cli/downloadRun.ts', 'ops/logVersion.ts', 'cli/logRun.ts'])(
    '%s loads no YAML library, no isomorphic-git, no compiled manifest schemas, no check rules',
    (entry) => {
      const loaded = closure(entry)
      expect(HEAVY.filter((module) => loaded.has(module))).toEqual([])
      // The manifest cache's key and the name rules come from the small generated module.
      if (entry.startsWith('ops/')) expect(loaded.has('domain/generated/schemaSummary.ts')).toBe(true)
    },
  )
})

// The built binary runs lookups from a bundle file of their own (scripts/bundle-cli.mjs):
// its answers and its failures must be the program's, and it runs only the lookup's code:
// no program, and none of the modules its rare paths initialise
// (src/ops/support/lazyModules.ts, src/git/lazyModules.ts) unless that path is taken.
// Which code ran is read from V8's coverage (test/helpers/bundleCoverage.ts).

describe('lookups through the built binary', () => {
  let root: string
  let dir: string
  let env: Record<string, string>
  const gmr = (...args: string[]) => gmrProcess(dir, env, args)

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gmr-startup-'))
    ;({ dir, env } = await registryAfter(root, (inputs) => [['init'], ['log', 'churn', inputs], ['log', 'churn', inputs], ['model', 'create', 'm'], ['link', 'churn:v1', 'm'], ['alias', 'set', 'm', 'staging', 'latest']]))
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('answers resolve and versions as the program does', async () => {
    const head = execFileSync('git', ['rev-parse', 'artifacts/churn'], { cwd: dir, env }).toString().trim()
    expect(await gmr('resolve', 'churn:v1')).toMatchObject({ code: 0, stdout: `${head}\n` })
    expect(await gmr('resolve', 'm:staging')).toMatchObject({ code: 0, stdout: `${head}\n` })
    const listed = JSON.parse((await gmr('versions', 'churn', '--json')).stdout) as { versionCount: number; tip: string }
    expect(listed).toMatchObject({ versionCount: 2, tip: head })
  })

  it('runs only the lookup bundle: no YAML library, schemas, isomorphic-git, commander or program', async () => {
    for (const [operation, ...args] of [['src/ops/resolve.ts', 'resolve', 'm:staging'], ['src/ops/renderVersions.ts', 'versions', 'churn', '--json']]) {
      const { result, ran } = await recordedRun(dir, env, args)
      expect(result.code, result.stderr).toBe(0)
      expect([...ran.keys()].sort(), args.join(' ')).toEqual(['lookupRun.cjs', 'main.cjs'])
      expect(ran.get('lookupRun.cjs')).toContain(operation)
      expect(ranMatching(ran, HEAVY_IN_BUNDLE)).toEqual([])
      expect(ranMatching(ran, RARE)).toEqual([])
    }
  })

  it('gmr download <ref> --to <dir> runs from its own bundle: no YAML library, schemas, isomorphic-git, commander or program', async () => {
    const to = join(root, 'served')
    const { result, ran } = await recordedRun(dir, env, ['download', 'churn:v1', '--to', to])
    expect(result).toMatchObject({ code: 0, stdout: `churn:v1 -> ${to} (1 file: 1 written, 0 unchanged)\n`, stderr: '' })
    expect(readFileSync(join(to, 'model.txt'), 'utf8')).toBe('weights 2\n')
    expect([...ran.keys()].sort()).toEqual(['downloadRun.cjs', 'main.cjs'])
    expect(ranMatching(ran, HEAVY_IN_BUNDLE)).toEqual([])
    expect(ranMatching(ran, RARE)).toEqual([])
  })

  /** `gmr log <artifact> <root>/in` with model.txt holding `weights`, and the code it ran. */
  async function recordedLog(artifact: string, weights: string) {
    writeFileSync(join(root, 'in', 'model.txt'), weights)
    const { result, ran } = await recordedRun(dir, env, ['log', artifact, join(root, 'in')])
    expect(result).toMatchObject({ code: 0, stdout: `${artifact}:v0\n`, stderr: '' })
    expect(execFileSync('git', ['show', `artifacts/${artifact}:model.txt`], { cwd: dir, env }).toString()).toBe(weights)
    // The version message is the one the yaml library writes, whichever writer wrote it.
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, env }).toString().trim()
    const message = execFileSync('git', ['log', '-1', '--format=%B', `artifacts/${artifact}`], { cwd: dir, env }).toString()
    expect(message).toBe(`${formatVersionMessage({ artifact, version: 0, metadata: {}, source: { commit: head, dirty: false } })}\n`)
    expect([...ran.keys()].sort()).toEqual(['logRun.cjs', 'main.cjs'])
    return { message, ran }
  }

  it('gmr log <artifact> <path> runs from its own bundle: no YAML library, schemas, check rules, registry edit, commander or program', async () => {
    const { ran } = await recordedLog('fast', 'weights from the fast path\n')
    expect(ranMatching(ran, HEAVY_IN_BUNDLE)).toEqual([])
    expect(ranMatching(ran, RARE)).toEqual([])
  })

  it('a log whose message is beyond the plain shape initialises its rare path and writes what the program writes', async () => {
    const { message, ran } = await recordedLog('1e5', 'weights of 1e5\n')
    expect(ranMatching(ran, RARE)).toEqual(['logRun.cjs: src/ops/support/rareReadPaths.ts'])
    expect(message).toContain('artifact: "1e5"\n')
    execFileSync('git', ['fsck', '--strict'], { cwd: dir, env })
  })

  it('a rare path initialises its modules and answers: a manifest not in the cache is parsed', async () => {
    rmSync(join(dir, '.git', 'gmr', 'manifests'), { recursive: true, force: true })
    const head = execFileSync('git', ['rev-parse', 'artifacts/churn'], { cwd: dir, env }).toString().trim()
    const { result, ran } = await recordedRun(dir, env, ['resolve', 'm:staging'])
    expect(result).toMatchObject({ code: 0, stdout: `${head}\n`, stderr: '' })
    expect(ranMatching(ran, RARE)).toEqual(['lookupRun.cjs: src/ops/support/rareReadPaths.ts'])
    expect(existsSync(join(dir, '.git', 'gmr', 'manifests'))).toBe(true)
  })

  it('reports the failure of a lookup as one line (or one JSON object), exit 1, never as unexpected', async () => {
    const plain = await gmr('resolve', 'churn:v7')
    expect(plain.code).toBe(1)
    expect(plain.stderr).toBe('error: no version v7 of churn: churn has v0 to v1\n')
    const json = await gmr('versions', 'nothing', '--json')
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'UnknownNameError' } })
  })
})
