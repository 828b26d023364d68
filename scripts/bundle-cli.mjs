#!/usr/bin/env node
// Bundle the CLI into a few files. Node's ESM loader costs 1–3 ms per module, and gmr
// is a few dozen modules plus the YAML library's seventy; one bundle (with a chunk per
// lazily imported operation) starts close to bare node. The library (dist/index.js)
// stays plain tsc output.
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outdir = join(root, 'dist', 'cli-bundle')
rmSync(outdir, { recursive: true, force: true })
await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // isomorphic-git is large and needed only on some paths; it loads from node_modules on first use.
  external: ['isomorphic-git'],
  // commander is CommonJS; its require() of Node built-ins needs a real require in ESM.
  banner: { js: "import { createRequire as __gmrRequire } from 'node:module'; const require = __gmrRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
})
