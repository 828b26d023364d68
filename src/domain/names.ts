import { InvalidNameError } from './errors.js'
import {
  nameRules,
  validateAlias,
  validateName,
  validateTag,
  type NameRule,
  type ValidateFunction,
} from './generated/schemaSummary.js'
import { joinWithOr } from './schemaErrors.js'

/** The identifiers users type whose rules live in schemas/defs.schema.json. */
export type NameKind = 'name' | 'alias' | 'tag'

const KINDS: Record<NameKind, { validate: ValidateFunction<string>; rule: NameRule; plural: string }> = {
  name: { validate: validateName, rule: nameRules.name, plural: 'names' },
  alias: { validate: validateAlias, rule: nameRules.alias, plural: 'aliases' },
  tag: { validate: validateTag, rule: nameRules.tag, plural: 'tags' },
}

/** An artifact or registered-model name (they share one namespace). */
export function isName(value: unknown): value is string {
  return validateName(value)
}

export function isAlias(value: unknown): value is string {
  return validateAlias(value)
}

export function isTag(value: unknown): value is string {
  return validateTag(value)
}

/** `what` names the role in the message, e.g. "artifact name" or "model name". */
export function assertName(value: unknown, what = 'name'): asserts value is string {
  assertKind('name', value, what)
}

export function assertAlias(value: unknown, what = 'alias'): asserts value is string {
  assertKind('alias', value, what)
}

export function assertTag(value: unknown, what = 'tag'): asserts value is string {
  assertKind('tag', value, what)
}

/** The whole rule as one sentence, e.g. `tags must match ^…$`. */
export function describeNameRule(kind: NameKind): string {
  const { rule, plural } = KINDS[kind]
  const mayNot = rule.mayNot.length ? ` and may not ${joinWithOr(rule.mayNot)}` : ''
  return `${plural} must match ${rule.pattern}${mayNot}`
}

function assertKind(kind: NameKind, value: unknown, what: string): void {
  const { validate, plural, rule } = KINDS[kind]
  if (validate(value)) return
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value)
  throw new InvalidNameError(`invalid ${what} ${shown}: ${whatIsWrong(kind, value, validate)}`, {
    kind,
    value,
    pattern: rule.pattern,
    mayNot: rule.mayNot,
    plural,
  })
}

function whatIsWrong(kind: NameKind, value: unknown, validate: ValidateFunction<string>): string {
  if (typeof value !== 'string') return `${KINDS[kind].plural} must be strings`
  const errors = validate.errors ?? []
  // Only when the pattern holds is a `not` rule the whole story; otherwise state the full rule.
  if (errors.some((e) => e.keyword !== 'not')) return describeNameRule(kind)
  const broken = errors.map((e) => (e.parentSchema as { description?: string } | undefined)?.description ?? 'break a rule')
  return `${KINDS[kind].plural} may not ${joinWithOr([...new Set(broken)])}`
}
