import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { BUNDLE_WRAPPER } from '../../src/cli/codeCache.js'
import { gmrProcess, type ProcessResult } from './gitRepo.js'

// Which code of the built binary a command ran. Each part of the CLI is one CommonJS file
// that src/cli/codeCache.ts compiles (scripts/bundle-cli.mjs), so this is read from V8's
// own record of the functions it called (NODE_V8_COVERAGE), placed in the bundle by
// esbuild's `// <source path>` markers.

export const BUNDLES = resolve(import.meta.dirname, '..', '..', 'dist', 'cli-bundle')

/** Bundled code that no fast path may run: the YAML library, commander, isomorphic-git, the compiled schemas, the check rules, registry edits, the program. */
export const HEAVY_IN_BUNDLE = /(?:node_modules\/(?:yaml|commander|isomorphic-git|markdown-it)\/|^src\/domain\/generated\/validators\.ts$|^src\/domain\/checkRegistry\.ts$|^src\/ops\/support\/registryEdit\.ts$|^src\/cli\/program\.ts$)/
/** The modules a part initialises only on a rare path. */
export const RARE = /^src\/(?:ops\/support|git)\/rareReadPaths\.ts$/

interface Coverage {
  result: { url: string; functions: { ranges: { startOffset: number; count: number }[] }[] }[]
}

/** The bundle files that ran, and for each the source modules (esbuild's markers) whose functions were called. */
function codeThatRan(coverageDir: string): Map<string, Set<string>> {
  const ran = new Map<string, Set<string>>()
  for (const name of readdirSync(coverageDir)) {
    for (const script of (JSON.parse(readFileSync(join(coverageDir, name), 'utf8')) as Coverage).result) {
      const path = script.url.replace(/^file:\/\//, '')
      if (!path.startsWith(BUNDLES)) continue
      const file = path.slice(path.lastIndexOf('/') + 1)
      const text = readFileSync(path, 'utf8')
      // A part runs inside codeCache.ts's wrapper; main.cjs inside node's own, whose offsets start at the file.
      const shift = file === 'main.cjs' ? 0 : BUNDLE_WRAPPER[0].length
      const markers = [...text.matchAll(/^\/\/ (\S+\.(?:ts|js|cjs|mjs|json))$/gm)].map((m) => ({ at: m.index!, module: m[1]!.replace(/^(?:\.\.\/)+main\//, '') }))
      const modules = ran.get(file) ?? new Set<string>()
      for (const fn of script.functions) {
        const first = fn.ranges[0]!
        if (first.count === 0) continue
        const at = first.startOffset - shift
        const section = markers.findLast((marker) => marker.at <= at)
        if (section !== undefined) modules.add(section.module)
      }
      ran.set(file, modules)
    }
  }
  return ran
}

/** Runs gmr with V8 recording which functions ran; returns its result and codeThatRan. */
export async function recordedRun(cwd: string, env: Record<string, string>, args: string[]): Promise<{ result: ProcessResult; ran: Map<string, Set<string>> }> {
  const coverage = mkdtempSync(join(tmpdir(), 'gmr-coverage-'))
  try {
    const result = await gmrProcess(cwd, { ...env, NODE_V8_COVERAGE: coverage }, args)
    return { result, ran: codeThatRan(coverage) }
  } finally {
    rmSync(coverage, { recursive: true, force: true })
  }
}

/** The modules of `ran` matching `pattern`, bundle by bundle. */
export function ranMatching(ran: Map<string, Set<string>>, pattern: RegExp): string[] {
  return [...ran].flatMap(([file, modules]) => [...modules].filter((module) => pattern.test(module)).map((module) => `${file}: ${module}`))
}

