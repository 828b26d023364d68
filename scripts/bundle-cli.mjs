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
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // isomorphic-git is large and needed only on some paths; it loads from node_modules on first use.
  external: ['isomorphic-git'],
  // commander and yaml are CommonJS; their require() of Node built-ins needs a real require in ESM.
  banner: { js: "import { createRequire as __gmrRequire } from 'node:module'; const require = __gmrRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
}
// The lookups' code (src/cli/lookupRun.ts) is built on its own below, as one file; the
// program's bundle imports it at run time instead of sharing chunks with it.
const LOOKUP_RUN = 'lookupRun.js'
const lookupApart = {
  name: 'lookup-apart',
  setup(b) {
    b.onResolve({ filter: /\/lookupRun\.js$/ }, () => ({ path: `./${LOOKUP_RUN}`, external: true }))
  },
}
await build({
  ...common,
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outdir,
  splitting: true,
  plugins: [lookupApart],
})
// `gmr resolve` and `gmr versions` load this one file after main.js. Their rare paths
// (a manifest not yet cached, a damaged branch) import more, inlined here and
// initialised only when reached (marking the YAML library external would not help:
// esbuild hoists the import of an external package to the top of the file).
await build({
  ...common,
  entryPoints: [join(root, 'src', 'cli', 'lookupRun.ts')],
  outfile: join(outdir, LOOKUP_RUN),
})
