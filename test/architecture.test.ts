import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '..', 'src')

/** What each layer may import (STYLE.md: cli → ops → git/remote → domain). */
const ALLOWED: Record<string, string[]> = {
  cli: ['cli', 'ops', 'git', 'remote', 'domain'],
  ops: ['ops', 'git', 'remote', 'domain'],
  git: ['git', 'domain'],
  remote: ['remote', 'git', 'domain'],
  domain: ['domain'],
  index: ['ops', 'remote', 'git', 'domain'],
}

/** Every .ts and .mjs file below `dir` (bench and scripts are plain ESM). */
function sourceFilesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? sourceFilesIn(path) : /\.(ts|mjs)$/.test(entry.name) ? [path] : []
  })
}

function layerOf(file: string): string {
  const rel = relative(SRC, file)
  return rel.includes('/') ? rel.split('/')[0]! : rel.replace(/\.ts$/, '')
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]!)
  found.push(...[...text.matchAll(/import\('([^']+)'\)/g)].map((m) => m[1]!))
  return found
}

describe('architecture', () => {
  const files = sourceFilesIn(SRC)

  it('imports run one way: cli → ops → git/remote → domain, and nothing imports cli', () => {
    const violations: string[] = []
    for (const file of files) {
      const from = layerOf(file)
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue
        const to = layerOf(resolve(file, '..', spec))
        if (!(ALLOWED[from] ?? []).includes(to)) violations.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`)
      }
    }
    expect(violations).toEqual([])
  })

  it('only src/git imports isomorphic-git, and only the process entry point imports node:fs', () => {
    const violations: string[] = []
    for (const file of files) {
      const rel = relative(SRC, file)
      for (const spec of importsOf(file)) {
        if (spec === 'isomorphic-git' && layerOf(file) !== 'git') violations.push(`${rel} imports isomorphic-git`)
        if ((spec === 'node:fs' || spec === 'fs' || spec === 'node:fs/promises') && rel !== 'cli/main.ts') {
          violations.push(`${rel} imports ${spec}`)
        }
      }
    }
    expect(violations).toEqual([])
  })

  it('code loads lazily at one boundary per layer: import() only in the loader modules', () => {
    // Why each exists (start-up cost, measured) is written at the top of each file and in
    // docs/architecture.md (Start-up); everything else imports statically.
    const LOADERS = [
      join('cli', 'main.ts'), // which half of the CLI: the lookups' bundle file or the commander program
      join('cli', 'operations.ts'), // each command's operation, on first use
      join('ops', 'support', 'lazyModules.ts'), // YAML parsers, compiled schemas, edit recovery: rare branches of reads
      join('git', 'lazyModules.ts'), // isomorphic-git, the bare-repository view, the full message reader
      join('git', 'gitBinary.ts'), // child_process, on the first git run: the one module that starts git
    ]
    const elsewhere = files
      .filter((f) => !LOADERS.includes(relative(SRC, f)))
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => ({ line, at: `${relative(SRC, f)}:${i + 1}` })))
      .filter(({ line }) => /\bimport\(/.test(line))
      .map(({ line, at }) => `${at}: ${line.trim()}`)
    expect(elsewhere).toEqual([])
  })

  it('the library exports every error class, so callers can test for each', () => {
    const index = readFileSync(join(SRC, 'index.ts'), 'utf8')
    const exported = new Set([...index.matchAll(/\b([A-Z]\w*Error)\b/g)].map((m) => m[1]!))
    const errorsModule = readFileSync(join(SRC, 'domain', 'errors.ts'), 'utf8')
    const missing = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^export class (\w+Error) extends/gm)]
        .map((m) => m[1]!)
        .filter((name) => !exported.has(name) && !(index.includes("export * from './domain/errors.js'") && errorsModule.includes(`class ${name} `)))
        .map((name) => `${relative(SRC, file)}: ${name}`),
    )
    expect(missing).toEqual([])
  })

  it('every error class lives in src/domain/errors.ts', () => {
    const elsewhere = files
      .filter((f) => !f.endsWith(join('domain', 'errors.ts')))
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^export class (\w+) extends \w*Error\b/gm)].map((m) => `${relative(SRC, f)}: ${m[1]}`))
    expect(elsewhere).toEqual([])
  })

  it('every throw has a code a script can test: no bare GmrError, no plain Error', () => {
    // A body cut short is rethrown at once as a RemoteTransferError (remote/http.ts guardedBody).
    const allowed = new Set(["remote/http.ts: new Error('aborted'"])
    const bare = files.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/new (?:GmrError|Error)\([^)]{0,60}/g)]
        .map((m) => `${relative(SRC, f)}: ${m[0]}`)
        .filter((hit) => !allowed.has(hit) && !hit.startsWith('domain/errors.ts')),
    )
    expect(bare).toEqual([])
  })

  it('one of each: the object-id pattern, sleep, and the loop that waits for a lock file', () => {
    const where = (re: RegExp) =>
      files.filter((f) => !f.includes(`${join('domain', 'generated')}`) && re.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f))
    expect(where(/\[0-9a-f\]\{40\}/)).toEqual([join('domain', 'objectId.ts')])
    expect(where(/function sleep\b|setTimeout\(resolve/)).toEqual([join('domain', 'async.ts')])
    expect(where(/\bbackoff\(/).filter((f) => f !== join('domain', 'async.ts'))).toEqual([join('git', 'lock.ts')])
  })

  it('no dead exports: every exported function, class and constant is imported by another file', () => {
    // Importers: src (src/index.ts is the library API, so what it re-exports counts), tests, bench and scripts.
    const ROOT = resolve(SRC, '..')
    const everywhere = [...files, ...['test', 'bench', 'scripts'].flatMap((d) => sourceFilesIn(join(ROOT, d)))]
    const importers = new Map<string, string[]>()
    for (const file of everywhere) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue
        const target = resolve(file, '..', spec).replace(/\.js$/, '.ts')
        importers.set(target, [...(importers.get(target) ?? []), file])
      }
    }
    const dead = files
      .filter((f) => !f.endsWith('index.ts') && !f.includes(join('domain', 'generated')))
      .flatMap((file) => {
        const names = [...readFileSync(file, 'utf8').matchAll(/^export (?:async )?(?:function\*? |const |let |class |abstract class )(\w+)/gm)].map((m) => m[1]!)
        const users = (importers.get(file) ?? []).map((u) => readFileSync(u, 'utf8'))
        return names.filter((name) => !users.some((text) => new RegExp(`\\b${name}\\b`).test(text))).map((name) => `${relative(SRC, file)}: ${name}`)
      })
    expect(dead).toEqual([])
  })

  it('one operation per file in src/ops (and its plan, plan<Op>); shared steps live in src/ops/support', () => {
    // Each of these is a step another operation takes with the same meaning, named here so that a new one is a decision.
    const SHARED_STEPS: Record<string, string[]> = {
      'buildSite.ts': ['writeSite'], // the site written into a folder: gmr site's own step after building it
      'verify.ts': ['assertVerified', 'verificationFailure'], // verify as a gate (download --verify) and the error it raises
      'prune.ts': ['retentionFindings'], // gmr check's view of a dry-run prune
      'pruneCache.ts': ['boundDownloadCache'], // the cache bound every remote download applies after it
      'fetch.ts': ['planFetchIn'], // pull's plan starts with fetch's
      'renderVersions.ts': ['renderVersions'], // writeVersions' output as one buffer, for the library
    }
    const extra = sourceFilesIn(join(SRC, 'ops'))
      .filter((f) => dirname(f) === join(SRC, 'ops'))
      .flatMap((file) => {
        const name = relative(join(SRC, 'ops'), file)
        const fns = [...readFileSync(file, 'utf8').matchAll(/^export (?:async )?function (\w+)/gm)].map((m) => m[1]!)
        const [, ...moreOps] = fns.filter((fn) => !fn.startsWith('plan'))
        const [, ...morePlans] = fns.filter((fn) => fn.startsWith('plan'))
        return [...moreOps, ...morePlans].filter((fn) => !(SHARED_STEPS[name] ?? []).includes(fn)).map((fn) => `${name}: ${fn}`)
      })
    expect(extra).toEqual([])
  })

  it('one git runner: only src/git/gitBinary.ts starts git (signing.ts starts the signing program, remote/lfsSsh.ts starts ssh for git-lfs-authenticate)', () => {
    const spawners = files.filter((f) => importsOf(f).some((s) => s === 'node:child_process' || s === 'child_process')).map((f) => relative(SRC, f))
    expect(spawners.sort()).toEqual([join('git', 'gitBinary.ts'), join('git', 'signing.ts'), join('remote', 'lfsSsh.ts')])
  })

  it('src/domain does no IO', () => {
    const io = /^(node:)?(fs|child_process|net|http|https|os)(\/|$)/
    const violations = files
      .filter((f) => layerOf(f) === 'domain')
      .flatMap((f) => importsOf(f).filter((s) => io.test(s)).map((s) => `${relative(SRC, f)} imports ${s}`))
    expect(violations).toEqual([])
  })

  it('nothing outside cli/main.ts exits the process or writes to stdout/stderr', () => {
    const violations = files
      .filter((f) => !f.endsWith('cli/main.ts'))
      .filter((f) => /process\.exit\(|process\.std(out|err)\.write|console\.(log|error|warn)\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f))
    expect(violations).toEqual([])
  })
})
