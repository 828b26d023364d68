#!/usr/bin/env node
// Bundle the CLI. Node's ESM loader costs 1–3 ms per module, and gmr is a hundred-odd
// modules plus the YAML library's seventy: bundled, a command starts close to bare node.
// The library (dist/index.js) stays plain tsc output.
//
// Five builds, one per part of the CLI that src/cli/main.ts chooses between:
// - the program (main.js and program-*.js): commander and every command definition; each
//   operation in src/cli/operations.ts becomes a chunk of its own, loaded on first use.
// - the lookups (lookupRun.js): `gmr resolve` and `gmr versions`, as one file of their own,
//   so that they load none of the program's chunks. What they need only on a rare path
//   (src/ops/support/lazyModules.ts, src/git/lazyModules.ts: the YAML library, the compiled
//   manifest schemas, edit recovery, a bare repository's view) are chunks of this build,
//   loaded when that path is taken. test/cli/startupPath.test.ts checks which files a
//   lookup loads.
// - the clone (cloneRun.js): `gmr clone <url> [dir]`, the same way, so that git's clone
//   starts without the program being loaded first (test/cli/startupPath.test.ts too).
// - the download (downloadRun.js): `gmr download <ref> [--to <dir>] [--json]` from this
//   clone, the same way, so that the copy starts right after node does.
// - the log (logRun.js): `gmr log <artifact> <path>...` with no flag, the same way; what only
//   its flags need (the metadata file parser, alias edits, the check rules) is its
//   logRun-rareReadPaths chunk (test/cli/startupPath.test.ts).
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
  splitting: true,
}
const lookupApart = {
  name: 'lookup-apart',
  setup(b) {
    b.onResolve({ filter: /\/(lookupRun|cloneRun|downloadRun|logRun)\.js$/ }, (args) => ({ path: `./${args.path.slice(args.path.lastIndexOf('/') + 1)}`, external: true }))
  },
}
await build({ ...common, entryPoints: [join(root, 'src', 'cli', 'main.ts')], outdir, plugins: [lookupApart] })
// The lookups' chunks are named apart from the program's: the two builds share no code
// (an error class is recognised only by the copy of the code that threw it).
await build({ ...common, entryPoints: [join(root, 'src', 'cli', 'lookupRun.ts')], outdir, chunkNames: 'lookup-[name]-[hash]', entryNames: '[name]' })
// `gmr clone` has a fast path of its own too (src/cli/cloneCommand.ts), built the same way.
await build({ ...common, entryPoints: [join(root, 'src', 'cli', 'cloneRun.ts')], outdir, chunkNames: 'cloneRun-[name]-[hash]', entryNames: '[name]' })
// And `gmr download <ref> [--to <dir>] [--json]` from this clone (src/cli/downloadCommand.ts).
await build({ ...common, entryPoints: [join(root, 'src', 'cli', 'downloadRun.ts')], outdir, chunkNames: 'downloadRun-[name]-[hash]', entryNames: '[name]' })
// And `gmr log <artifact> <path>...` with no flag (src/cli/logCommand.ts).
await build({ ...common, entryPoints: [join(root, 'src', 'cli', 'logRun.ts')], outdir, chunkNames: 'logRun-[name]-[hash]', entryNames: '[name]' })
