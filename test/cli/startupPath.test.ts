import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatVersionMessage } from '../../src/domain/versionMessage.js'
import { gmrProcess, testEnv } from '../helpers/gitRepo.js'

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
// its answers and its failures must be the program's, and it loads only the lookup's
// files: none of the program's chunks, and none of the chunks its rare paths load
// (src/ops/support/lazyModules.ts, src/git/lazyModules.ts) unless that path is taken.

/** What bundled code a file holds, by esbuild's `// <source path>` markers. */
const HEAVY_IN_BUNDLE = /^\/\/ (?:.*node_modules\/(?:yaml|commander|isomorphic-git|markdown-it)\/|src\/domain\/generated\/validators\.ts$|src\/domain\/checkRegistry\.ts$|src\/ops\/support\/registryEdit\.ts$|src\/cli\/program\.ts$)/m

/** A module-load hook (node --import) that appends each module URL node loads to a file. */
function writeModuleRecorder(dir: string): string {
  const hooks = join(dir, 'hooks.mjs')
  writeFileSync(
    hooks,
    "import { appendFileSync } from 'node:fs'\nlet log\nexport function initialize(data) { log = data.log }\nexport async function load(url, context, next) { appendFileSync(log, url + '\\n'); return next(url, context) }\n",
  )
  const entry = join(dir, 'record.mjs')
  writeFileSync(entry, `import { register } from 'node:module'\nregister(${JSON.stringify(`file://${hooks}`)}, { data: { log: process.env.GMR_TEST_MODULE_LOG } })\n`)
  return entry
}
describe('lookups through the built binary', () => {
  let root: string
  let dir: string
  let env: Record<string, string>
  const gmr = (...args: string[]) => gmrProcess(dir, env, args)

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gmr-startup-'))
    dir = join(root, 'repo')
    mkdirSync(dir)
    mkdirSync(join(root, 'home'))
    mkdirSync(join(root, 'in'))
    env = testEnv(join(root, 'home'))
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env })
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'initial commit'], { cwd: dir, env })
    for (const [i, args] of [['init'], ['log', 'churn', join(root, 'in')], ['log', 'churn', join(root, 'in')], ['model', 'create', 'm'], ['link', 'churn:v1', 'm'], ['alias', 'set', 'm', 'staging', 'latest']].entries()) {
      writeFileSync(join(root, 'in', 'model.txt'), `weights ${i}\n`)
      expect((await gmr(...args)).code, args.join(' ')).toBe(0)
    }
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('answers resolve and versions as the program does', async () => {
    const head = execFileSync('git', ['rev-parse', 'artifacts/churn'], { cwd: dir, env }).toString().trim()
    expect(await gmr('resolve', 'churn:v1')).toMatchObject({ code: 0, stdout: `${head}\n` })
    expect(await gmr('resolve', 'm:staging')).toMatchObject({ code: 0, stdout: `${head}\n` })
    const listed = JSON.parse((await gmr('versions', 'churn', '--json')).stdout) as { versionCount: number; tip: string }
    expect(listed).toMatchObject({ versionCount: 2, tip: head })
  })

  it('loads only the lookup bundle: no YAML library, schemas, isomorphic-git, commander or program chunk', async () => {
    const log = join(root, 'modules.log')
    const recorder = writeModuleRecorder(root)
    for (const args of [['resolve', 'm:staging'], ['versions', 'churn', '--json']]) {
      writeFileSync(log, '')
      const result = await gmrProcess(dir, { ...env, NODE_OPTIONS: `--import=${recorder}`, GMR_TEST_MODULE_LOG: log }, args)
      expect(result.code, result.stderr).toBe(0)
      const loaded = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file://') && url.includes('/dist/'))
      const names = loaded.map((url) => url.slice(url.lastIndexOf('/') + 1))
      expect(names, args.join(' ')).toContain('lookupRun.js')
      expect(names.filter((name) => /^(program|lookup-rareReadPaths)-/.test(name))).toEqual([])
      expect(loaded.filter((url) => HEAVY_IN_BUNDLE.test(readFileSync(new URL(url), 'utf8')))).toEqual([])
    }
  })

  it('gmr download <ref> --to <dir> runs from its own bundle: no YAML library, schemas, isomorphic-git, commander or program chunk', async () => {
    const log = join(root, 'modules.log')
    writeFileSync(log, '')
    const to = join(root, 'served')
    const result = await gmrProcess(dir, { ...env, NODE_OPTIONS: `--import=${writeModuleRecorder(root)}`, GMR_TEST_MODULE_LOG: log }, ['download', 'churn:v1', '--to', to])
    expect(result).toMatchObject({ code: 0, stdout: `churn:v1 -> ${to} (1 file: 1 written, 0 unchanged)\n`, stderr: '' })
    expect(readFileSync(join(to, 'model.txt'), 'utf8')).toBe('weights 2\n')
    const loaded = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file://') && url.includes('/dist/'))
    expect(loaded.map((url) => url.slice(url.lastIndexOf('/') + 1))).toContain('downloadRun.js')
    expect(loaded.filter((url) => /\/(program|downloadRun-rareReadPaths)-\w+\.js$/.test(url))).toEqual([])
    expect(loaded.filter((url) => HEAVY_IN_BUNDLE.test(readFileSync(new URL(url), 'utf8')))).toEqual([])
  })

  /** `gmr log <artifact> <root>/in` with model.txt holding `weights`, and the bundle files it loaded. */
  async function recordedLog(artifact: string, weights: string) {
    const log = join(root, 'modules.log')
    writeFileSync(log, '')
    writeFileSync(join(root, 'in', 'model.txt'), weights)
    const result = await gmrProcess(dir, { ...env, NODE_OPTIONS: `--import=${writeModuleRecorder(root)}`, GMR_TEST_MODULE_LOG: log }, ['log', artifact, join(root, 'in')])
    expect(result).toMatchObject({ code: 0, stdout: `${artifact}:v0\n`, stderr: '' })
    expect(execFileSync('git', ['show', `artifacts/${artifact}:model.txt`], { cwd: dir, env }).toString()).toBe(weights)
    // The version message is the one the yaml library writes, whichever writer wrote it.
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, env }).toString().trim()
    const message = execFileSync('git', ['log', '-1', '--format=%B', `artifacts/${artifact}`], { cwd: dir, env }).toString()
    expect(message).toBe(`${formatVersionMessage({ artifact, version: 0, metadata: {}, source: { commit: head, dirty: false } })}\n`)
    const loaded = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file://') && url.includes('/dist/'))
    expect(loaded.map((url) => url.slice(url.lastIndexOf('/') + 1))).toContain('logRun.js')
    return { message, loaded }
  }

  it('gmr log <artifact> <path> runs from its own bundle: no YAML library, schemas, check rules, registry edit, commander or program chunk', async () => {
    const { loaded } = await recordedLog('fast', 'weights from the fast path\n')
    expect(loaded.filter((url) => /\/(program|logRun-rareReadPaths)-\w+\.js$/.test(url))).toEqual([])
    expect(loaded.filter((url) => HEAVY_IN_BUNDLE.test(readFileSync(new URL(url), 'utf8')))).toEqual([])
  })

  it('a log whose message is beyond the plain shape loads its chunk and writes what the program writes', async () => {
    const { message, loaded } = await recordedLog('1e5', 'weights of 1e5\n')
    expect(loaded.filter((url) => /\/logRun-rareReadPaths-\w+\.js$/.test(url))).not.toEqual([])
    expect(message).toContain('artifact: "1e5"\n')
    execFileSync('git', ['fsck', '--strict'], { cwd: dir, env })
  })

  it('a rare path loads its chunk and answers: a manifest not in the cache is parsed', async () => {
    rmSync(join(dir, '.git', 'gmr', 'manifests'), { recursive: true, force: true })
    const head = execFileSync('git', ['rev-parse', 'artifacts/churn'], { cwd: dir, env }).toString().trim()
    const log = join(root, 'modules.log')
    writeFileSync(log, '')
    const result = await gmrProcess(dir, { ...env, NODE_OPTIONS: `--import=${writeModuleRecorder(root)}`, GMR_TEST_MODULE_LOG: log }, ['resolve', 'm:staging'])
    expect(result).toMatchObject({ code: 0, stdout: `${head}\n`, stderr: '' })
    expect(readFileSync(log, 'utf8')).toMatch(/\/lookup-rareReadPaths-\w+\.js\n/)
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
