import type { SchemaError } from './generated/validators.js'

/**
 * One schema violation, phrased for a person: `path` locates it in the data (JSON
 * pointer segments), `at` says whether it concerns the key at that path (an unknown
 * field, a bad alias name) or the value.
 */
export interface SchemaProblem {
  path: string[]
  at: 'key' | 'value'
  message: string
}

/**
 * Turns ajv's errors (compiled with `verbose: true`, so each carries its data and
 * parentSchema) into one message per distinct problem. Wording comes from the
 * schemas themselves: patterns, `not` rules' descriptions, titles, allowed fields.
 */
export function describeSchemaErrors(errors: readonly SchemaError[], data: unknown): SchemaProblem[] {
  const propertyNames = new Set(
    errors
      .filter((e) => e.keyword === 'propertyNames')
      .map((e) => locationKey(e.instancePath, String(e.params.propertyName))),
  )
  const located = errors
    .filter((e) => e.keyword !== 'propertyNames')
    .map((error) => {
      // ajv reports a bad property name at the object's path, with the name as its data.
      const isKeyError =
        typeof error.data === 'string' && propertyNames.has(locationKey(error.instancePath, error.data))
      return { error, isKeyError, where: isKeyError ? locationKey(error.instancePath, error.data as string) : error.instancePath }
    })

  // One value can break several keywords at once (a number where a name belongs also
  // "passes" every `not: {pattern}`); report only the most basic complaint per place.
  const best = new Map<string, number>()
  for (const { error, where } of located) best.set(where, Math.min(best.get(where) ?? Infinity, rank(error)))

  // Several missing fields of one map, or several `not` rules broken by one value, read
  // best as one sentence.
  const groups = new Map<string, { errors: SchemaError[]; isKeyError: boolean }>()
  for (const [index, { error, isKeyError, where }] of located.entries()) {
    if (rank(error) !== best.get(where)) continue
    const merges = error.keyword === 'required' || error.keyword === 'not'
    const id = merges ? `${where}\0${error.keyword}` : String(index)
    const group = groups.get(id)
    if (group) group.errors.push(error)
    else groups.set(id, { errors: [error], isKeyError })
  }

  const problems: SchemaProblem[] = []
  const seen = new Set<string>()
  for (const { errors: group, isKeyError } of groups.values()) {
    const problem = isKeyError ? describePropertyNameErrors(group) : describeSchemaErrorGroup(group, data)
    const id = `${problem.path.join('/')}\0${problem.at}\0${problem.message}`
    if (seen.has(id)) continue
    seen.add(id)
    problems.push(problem)
  }
  return problems
}

function rank(error: SchemaError): number {
  if (error.keyword === 'type') return 0
  if (error.keyword === 'pattern') return 1
  return 2
}

/** Errors of one keyword (`required` or `not`) at one place, or a single error. */
function describeSchemaErrorGroup(errors: SchemaError[], data: unknown): SchemaProblem {
  const first = errors[0]!
  if (errors.length === 1) return describeSchemaError(first, data)
  const path = parseInstancePath(first.instancePath)
  if (first.keyword === 'required') {
    const fields = errors.map((e) => quote(String((e.params as Record<string, unknown>).missingProperty)))
    return { path, at: 'value', message: `missing required fields ${joinWithAnd(fields)}` }
  }
  const noun = nounFor(path, data, (first.parentSchema ?? {}) as Record<string, unknown>)
  return { path, at: 'value', message: notMessage(noun, first.data, errors) }
}

/** One ajv error about a value (not about a property name). */
function describeSchemaError(error: SchemaError, data: unknown): SchemaProblem {
  const path = parseInstancePath(error.instancePath)
  const params = error.params as Record<string, unknown>
  const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>
  const noun = nounFor(path, data, parentSchema)
  const value = error.data
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty)
      const allowed = Object.keys((parentSchema.properties ?? {}) as object)
      return {
        path: [...path, field],
        at: 'key',
        message: `unknown field ${quote(field)}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`,
      }
    }
    case 'required':
      return { path, at: 'value', message: `missing required field ${quote(String(params.missingProperty))}` }
    case 'type':
      return { path, at: 'value', message: `${noun} must be ${typeNames(params.type)}, not ${describeValue(value)}` }
    case 'const':
      return { path, at: 'value', message: `${noun} must be ${JSON.stringify(params.allowedValue)}, not ${render(value)}` }
    case 'enum':
      return {
        path,
        at: 'value',
        message: `${noun} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, not ${render(value)}`,
      }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, at: 'value', message: `${noun} must be ${comparisonWords(String(params.comparison))} ${params.limit}, not ${render(value)}` }
    case 'pattern':
      return { path, at: 'value', message: patternMessage(noun, value, String(params.pattern), parentSchema) }
    case 'not':
      return { path, at: 'value', message: notMessage(noun, value, [error]) }
    case 'uniqueItems': {
      const later = String(Math.max(Number(params.i), Number(params.j)))
      const item = Array.isArray(value) ? value[Number(later)] : undefined
      const itemNoun = singular(path.at(-1) ?? 'item')
      return {
        path: [...path, later],
        at: 'value',
        message: `${itemNoun} ${render(item)} is listed more than once; list each ${itemNoun} once`,
      }
    }
    default:
      return { path, at: 'value', message: `${noun} ${error.message ?? `breaks the schema rule "${error.keyword}"`}` }
  }
}

/** Errors from `propertyNames`: the key itself is bad, so name it by its map. */
function describePropertyNameErrors(errors: SchemaError[]): SchemaProblem {
  const error = errors[0]!
  const path = parseInstancePath(error.instancePath)
  const key = error.data as string
  const noun = singular(path.at(-1) ?? 'key')
  const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>
  const params = error.params as Record<string, unknown>
  const keyPath = [...path, key]
  switch (error.keyword) {
    case 'pattern':
      return { path: keyPath, at: 'key', message: patternMessage(noun, key, String(params.pattern), parentSchema) }
    case 'not':
      return { path: keyPath, at: 'key', message: notMessage(noun, key, errors) }
    default:
      return { path: keyPath, at: 'key', message: `${noun} ${quote(key)} ${error.message ?? 'is not allowed'}` }
  }
}

function patternMessage(noun: string, value: unknown, pattern: string, parentSchema: Record<string, unknown>): string {
  const examples = Array.isArray(parentSchema.examples) ? parentSchema.examples : []
  const example = examples.length ? ` (e.g. ${String(examples[0])})` : ''
  return `${noun} ${render(value)} must match ${pattern}${example}`
}

/** `not` rules say what they forbid in their `description` ("contain \"..\""). */
function notMessage(noun: string, value: unknown, errors: readonly SchemaError[]): string {
  const rules = [...new Set(errors.map((e) => (e.parentSchema as { description?: unknown } | undefined)?.description))]
  if (rules.some((rule) => typeof rule !== 'string')) return `${noun} ${render(value)} is not allowed`
  return `${noun} ${render(value)} may not ${joinWithOr(rules as string[])}`
}

/** `a, b or c` */
export function joinWithOr(items: readonly string[]): string {
  return joinWith(items, 'or')
}

/** `a, b and c` */
function joinWithAnd(items: readonly string[]): string {
  return joinWith(items, 'and')
}

function joinWith(items: readonly string[], word: string): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]}`
}

/** JSON pointer (`/tags/3`) to segments, undoing `~1` and `~0`. */
function parseInstancePath(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/**
 * What to call the value at `path` in a message: the field's own key where it has
 * one (`commit`), the singular of its list for list items (`tags/3` → tag), and
 * `<title> of <alias "prod">` for an entry of a map such as `aliases`.
 */
function nounFor(path: readonly string[], data: unknown, parentSchema: Record<string, unknown> = {}): string {
  if (path.length === 0) return 'manifest'
  const last = path[path.length - 1]!
  const parentKey = path.length >= 2 ? path[path.length - 2]! : undefined
  const parent = valueAt(data, path.slice(0, -1))
  if (Array.isArray(parent)) {
    // A list of maps names its items by their schema's title ("version link").
    const titled = parentSchema.type === 'object' && typeof parentSchema.title === 'string'
    return titled ? (parentSchema.title as string) : singular(parentKey ?? 'item')
  }
  if (parentKey !== undefined && !Array.isArray(valueAt(data, path.slice(0, -2)))) {
    const what = typeof parentSchema.title === 'string' ? parentSchema.title : 'value'
    return `${what} of ${singular(parentKey)} ${quote(last)}`
  }
  return last
}

function valueAt(data: unknown, path: readonly string[]): unknown {
  let node = data
  for (const segment of path) {
    if (Array.isArray(node)) node = node[Number(segment)]
    else if (node !== null && typeof node === 'object') node = (node as Record<string, unknown>)[segment]
    else return undefined
  }
  return node
}

/** `protectedAliases` → `protected alias`, `tags` → `tag`. */
function singular(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
  if (/ses$/.test(words)) return words.slice(0, -2)
  if (/[^s]s$/.test(words)) return words.slice(0, -1)
  return words
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  null: 'null',
}

function typeNames(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',')
  return types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(' or ')
}

/** The YAML-facing kind of a value, for "must be X, not Y". */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`
  if (typeof value === 'string') return `the string ${quote(value)}`
  if (typeof value === 'boolean') return String(value)
  return typeof value
}

function render(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'object' && value !== null) return describeValue(value)
  return JSON.stringify(value)
}

const COMPARISON_WORDS: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'more than', '<': 'less than' }

function comparisonWords(comparison: string): string {
  return COMPARISON_WORDS[comparison] ?? comparison
}

function quote(text: string): string {
  return JSON.stringify(text)
}

function locationKey(instancePath: string, key: string): string {
  return `${instancePath}\0key\0${key}`
}
