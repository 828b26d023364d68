import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeRepo, type TempRepo } from './helpers/gitRepo.js'

// What a team does to get gmr: pack it as npm would publish it, install the tarball into a
// fresh global prefix (no devDependencies), use the binary from another folder, and
// compile a TypeScript project against the packed types. npm resolves from its cache
// (`npm ci` filled it) and asks only the npm registry for what is missing.

const execFileAsync = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string
  files: string[]
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

/** The environment without what `npm test` exports (npm_config_*), so npm runs as a user's would. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(key)) env[key] = value
  }
  return { ...env, ...extra }
}

async function npm(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd,
    env: cleanEnv(),
    maxBuffer: 64 * 1024 * 1024,
  })
  return stdout
}

describe('installing the packed tarball', () => {
  let work: string
  let tarball: string
  let prefix: string
  let project: TempRepo

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gmr-install-'))
    // The build already ran (tests use dist/); packing must not rebuild.
    const packed = JSON.parse(await npm(ROOT, 'pack', '--ignore-scripts', '--json', '--pack-destination', work)) as {
      filename: string
    }[]
    tarball = join(work, packed[0]!.filename)
    prefix = join(work, 'prefix')
    await npm(work, 'install', '--global', '--prefix', prefix, tarball)
    project = makeRepo()
  }, 180_000)

  afterAll(() => {
    project?.cleanup()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  const installed = () => join(prefix, 'lib', 'node_modules', 'gmr')
  const gmrBin = () => join(prefix, 'bin', 'gmr')

  it('puts gmr on PATH with its runtime dependencies and none of the development ones', async () => {
    expect(existsSync(gmrBin())).toBe(true)
    const modules = readdirSync(join(installed(), 'node_modules'))
    for (const name of Object.keys(pkg.dependencies)) expect(modules).toContain(name)
    for (const dev of Object.keys(pkg.devDependencies)) expect(modules).not.toContain(dev.split('/')[0])
    // Only what package.json's files ship: no sources, tests or benchmarks.
    expect(readdirSync(installed()).sort()).toEqual([...pkg.files, 'README.md', 'node_modules', 'package.json'].sort())
    expect(pkg.files).not.toEqual(expect.arrayContaining(['src', 'test', 'bench']))

    const { stdout } = await execFileAsync(gmrBin(), ['--version'], { cwd: work, env: cleanEnv() })
    expect(stdout.trim()).toBe(pkg.version)
  })

  it('runs init, log and resolve from another folder', async () => {
    const env = { ...cleanEnv(), ...project.env }
    const run = async (...args: string[]) => (await execFileAsync(gmrBin(), args, { cwd: project.dir, env })).stdout
    project.write(join(project.scratch, 'weights.txt'), 'w\n')
    await run('init')
    expect(await run('log', 'churn', join(project.scratch, 'weights.txt'))).toBe('churn:v0\n')
    expect((await run('resolve', 'churn:v0')).trim()).toBe(project.git('rev-parse', 'refs/heads/artifacts/churn').trim())
    expect(project.git('status', '--porcelain')).toBe('')
  })

  it('compiles a TypeScript consumer against the packed types with skipLibCheck off', async () => {
    const consumer = join(work, 'consumer')
    mkdirSync(consumer)
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
    await npm(consumer, 'install', tarball)
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          // Node's types from this checkout: a consumer of a Node library has them.
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['index.ts'],
      }),
    )
    writeFileSync(
      join(consumer, 'index.ts'),
      [
        "import * as fs from 'node:fs'",
        "import { GmrError, openRegistry } from 'gmr'",
        '',
        "const registry = openRegistry({ fs, dir: process.cwd() })",
        "const logged = await registry.logModel({ artifact: 'churn', paths: ['out'], metadata: { auc: 0.97 } })",
        'const version: number = logged.version',
        'export const failure: string | undefined = new Error() instanceof GmrError ? "never" : undefined',
        'export { version }',
        '',
      ].join('\n'),
    )
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const result = await execFileAsync(process.execPath, [tsc, '-p', consumer], { cwd: consumer, env: cleanEnv() }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }),
    )
    expect(result.out).toBe('')
    expect(result.code).toBe(0)
    expect(existsSync(join(consumer, 'node_modules', 'ajv'))).toBe(false)
  }, 120_000)
})
