#!/usr/bin/env node
// Bundle the CLI. Node's module loaders cost 1–3 ms per module, and gmr is a hundred-odd
// modules plus the YAML library's seventy; compiling what a command runs cost more than
// loading it. So each part of the CLI is one CommonJS file, which src/cli/codeCache.ts
// compiles with V8's code cache (docs/architecture.md, Start-up).
// The library (dist/index.js) stays plain tsc output.
//
// main.cjs (src/cli/main.ts) is the entry point, loaded by bin/gmr.js: it reads the
// command line and runs one of five parts, each a file of its own that shares no code
// with the others (an error class is recognised only by the copy of the code that threw
// it):
// - program.cjs: commander, every command definition and every operation; an operation's
//   module is initialised on its first use (src/cli/operations.ts).
// - lookupRun.cjs: `gmr resolve` and `gmr versions`, without the program.
// - cloneRun.cjs: `gmr clone <url> [dir]`, so that git's clone starts right after node does.
// - downloadRun.cjs: `gmr download <ref> [--to <dir>] [--json]` from this clone.
// - logRun.cjs: `gmr log <artifact> <path>...` with no flag.
// What a part needs only on a rare path (src/ops/support/lazyModules.ts,
// src/git/lazyModules.ts: the YAML library, the compiled manifest schemas, edit recovery, a
// bare repository's view) is in its file but initialised only when that path is taken;
// test/cli/startupPath.test.ts checks which code a lookup runs.
import { build } from 'esbuild'
import { rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outdir = join(root, 'dist', 'cli-bundle')
rmSync(outdir, { recursive: true, force: true })
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // isomorphic-git is large and needed only on some paths; it loads from node_modules on first use.
  external: ['isomorphic-git'],
  // import() becomes an initialisation in this file (or a require of what stays outside it),
  // so that the whole part runs from one script, which codeCache.ts compiles.
  supported: { 'dynamic-import': false },
  sourcemap: 'linked',
  logLevel: 'warning',
}
// node:crypto costs a part's start-up a tenth of gmr's own work to load, and only writes and
// downloads hash: gmr takes only createHash from it (a build error says so if that
// changes), which loads node:crypto on its first call.
const lazyCrypto = {
  name: 'lazy-crypto',
  setup(b) {
    // The shim's own require() is node's.
    b.onResolve({ filter: /^node:crypto$/ }, (args) => (args.kind === 'require-call' ? { path: 'node:crypto', external: true } : { path: 'node:crypto', namespace: 'lazy-crypto' }))
    b.onLoad({ filter: /.*/, namespace: 'lazy-crypto' }, () => ({
      contents: "export function createHash(...args) { return require('node:crypto').createHash(...args) }",
      loader: 'js',
    }))
  },
}
const parts = ['main', 'program', 'lookupRun', 'cloneRun', 'downloadRun', 'logRun']
await Promise.all(parts.map((part) => build({ ...common, entryPoints: [join(root, 'src', 'cli', `${part}.ts`)], outfile: join(outdir, `${part}.cjs`), plugins: [lazyCrypto] })))
// The code caches that runs of this build keep beside it are not part of the package.
writeFileSync(join(outdir, '.npmignore'), '.code-cache/\n')
