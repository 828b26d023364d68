import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : filesUnder(path, ext)
    return ext.test(entry.name) ? [path] : []
  })
}

const userFacing = [
  join(ROOT, 'README.md'),
  ...filesUnder(join(ROOT, 'docs'), /\.md$/),
  ...filesUnder(join(ROOT, 'src'), /\.ts$/),
  ...filesUnder(join(ROOT, 'schemas'), /\.json$/),
]

describe('the contract lives in the repository', () => {
  it('no text points to a DESIGN.md, which is not shipped', () => {
    const offenders = userFacing.filter((f) => readFileSync(f, 'utf8').includes('DESIGN.md')).map((f) => relative(ROOT, f))
    expect(offenders).toEqual([])
  })

  it('every docs/<page>.md that code or docs name exists, and docs/ is in the published files', () => {
    const missing: string[] = []
    for (const file of userFacing) {
      for (const [, page] of readFileSync(file, 'utf8').matchAll(/(?<![\w./-])docs\/([\w-]+\.md)/g)) {
        if (!existsSync(join(ROOT, 'docs', page!))) missing.push(`${relative(ROOT, file)} names docs/${page}`)
      }
    }
    expect(missing).toEqual([])
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }
    expect(pkg.files).toContain('docs')
  })

  it('relative links between the docs pages resolve', () => {
    const broken: string[] = []
    for (const file of [join(ROOT, 'README.md'), ...filesUnder(join(ROOT, 'docs'), /\.md$/)]) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue
        if (!existsSync(resolve(dirname(file), target!))) broken.push(`${relative(ROOT, file)} -> ${target}`)
      }
    }
    expect(broken).toEqual([])
  })

  it('the architecture page states the layers the architecture test enforces', () => {
    const test = readFileSync(join(ROOT, 'test', 'architecture.test.ts'), 'utf8')
    const page = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8')
    const allowed = [...test.matchAll(/^\s+(\w+): \[([^\]]*)\],$/gm)].map(([, layer, list]) => ({
      layer: layer!,
      targets: [...list!.matchAll(/'(\w+)'/g)].map((m) => m[1]!).sort(),
    }))
    expect(allowed.length).toBeGreaterThan(4)
    for (const { layer, targets } of allowed) {
      const row = new RegExp(`^\\| \`${layer === 'index' ? 'index.ts' : layer}\` \\| (.*) \\|$`, 'm').exec(page)
      expect(row, `docs/architecture.md has a row for ${layer}`).not.toBeNull()
      const documented = [...row![1]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!).sort()
      expect(documented, `layer ${layer}`).toEqual(targets)
    }
  })
})
