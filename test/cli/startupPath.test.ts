import { existsSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

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

const HEAVY = ['yaml', 'isomorphic-git', 'commander', 'markdown-it', 'domain/generated/validators.ts', 'domain/checkRegistry.ts']

describe('the start-up path of lookups', () => {
  it.each(['ops/resolve.ts', 'ops/listVersions.ts', 'cli/lookup.ts'])(
    '%s loads no YAML library, no isomorphic-git, no compiled manifest schemas, no check rules',
    (entry) => {
      const loaded = closure(entry)
      expect(HEAVY.filter((module) => loaded.has(module))).toEqual([])
      // The manifest cache's key and the name rules come from the small generated module.
      if (entry !== 'cli/lookup.ts') expect(loaded.has('domain/generated/schemaSummary.ts')).toBe(true)
    },
  )
})
