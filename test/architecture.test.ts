import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
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

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : []
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
  const files = sourceFiles(SRC)

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
