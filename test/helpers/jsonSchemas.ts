import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { expect } from 'vitest'

// The --json contract: every output against its schema in schemas/cli/, and the conventions they share.

const SCHEMAS = join(import.meta.dirname, '..', '..', 'schemas', 'cli')
const ajv = new Ajv2020({ allErrors: true, strict: true })
for (const file of readdirSync(SCHEMAS)) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')))

export function expectValid(schema: string, document: unknown): void {
  const validate = ajv.getSchema(`https://gmr.dev/schemas/cli/${schema}.schema.json`)
  expect(validate, `schemas/cli/${schema}.schema.json`).toBeDefined()
  const ok = validate!(document)
  expect(ok ? [] : validate!.errors, schema).toEqual([])
  expectConventions(document)
}

/** Top level an object; anything named *At an ISO 8601 UTC timestamp; no Unix times; no bare count without Count. */
export function expectConventions(document: unknown): void {
  expect(typeof document === 'object' && document !== null && !Array.isArray(document)).toBe(true)
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`))
    if (typeof value !== 'object' || value === null) return
    for (const [key, v] of Object.entries(value)) {
      // User data (metadata, a card's front matter) may use any key.
      if (/\.(metadata|loggedMetadata|addedMetadata|frontMatter)\b/.test(path)) continue
      expect(key, `${path}.${key}`).not.toMatch(/^(time|timestamp|date)$/)
      if (/At$/.test(key) && v !== null) expect(v, `${path}.${key}`).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
      if (typeof v === 'number' && /s$/.test(key)) throw new Error(`${path}.${key} is a count named like a list; call it ${key.slice(0, -1)}Count`)
      if (/(^a|[a-z]A)uthor$|^mergedBy$|^committer$/.test(key)) expect(Object.keys(v as object).sort(), `${path}.${key}`).toEqual(['email', 'name'])
      walk(v, `${path}.${key}`)
    }
  }
  walk(document, '$')
}
