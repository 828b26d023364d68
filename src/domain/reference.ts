import { InvalidReferenceError } from './errors.js'
import { assertName, isAlias } from './names.js'

/** What follows the colon in `<name>:<selector>`. */
export type Selector =
  | { kind: 'latest' }
  | { kind: 'number'; number: number }
  | { kind: 'alias'; alias: string }

/** `<name>[:<selector>]` (docs/references.md). */
export interface Reference {
  name: string
  selector: Selector
}

/** `<git-url>#<name>:<selector>`: a version in a remote registry. */
export interface RemoteReference {
  url: string
  reference: Reference
}

const LATEST: Selector = { kind: 'latest' }

export function parseSelector(text: string, reference = text): Selector {
  if (text === 'latest') return LATEST
  const numbered = /^v(0|[1-9][0-9]*)$/.exec(text)
  if (numbered) {
    const number = Number(numbered[1])
    if (!Number.isSafeInteger(number)) throw badSelector(text, reference)
    return { kind: 'number', number }
  }
  if (isAlias(text)) return { kind: 'alias', alias: text }
  throw badSelector(text, reference)
}

function badSelector(text: string, reference: string): InvalidReferenceError {
  return new InvalidReferenceError(
    `invalid selector "${text}" in "${reference}": use v<N> (e.g. v3), latest, or an alias name`,
    { reference, selector: text },
  )
}

export function parseReference(text: string): Reference {
  const colon = text.indexOf(':')
  const name = colon < 0 ? text : text.slice(0, colon)
  if (name === '') {
    throw new InvalidReferenceError(`invalid reference "${text}": expected <name>[:<selector>], e.g. churn:v3`, {
      reference: text,
    })
  }
  assertName(name)
  const selector = colon < 0 ? LATEST : parseSelector(text.slice(colon + 1), text)
  return { name, selector }
}

/** A remote reference has a `#`; anything else is local. */
export function parseRemoteReference(text: string): RemoteReference | null {
  const hash = text.lastIndexOf('#')
  if (hash < 0) return null
  const url = text.slice(0, hash)
  if (url === '') {
    throw new InvalidReferenceError(`invalid reference "${text}": expected <git-url>#<name>[:<selector>]`, {
      reference: text,
    })
  }
  return { url, reference: parseReference(text.slice(hash + 1)) }
}

export function formatSelector(selector: Selector): string {
  switch (selector.kind) {
    case 'latest':
      return 'latest'
    case 'number':
      return `v${selector.number}`
    case 'alias':
      return selector.alias
  }
}

export function formatReference(reference: Reference): string {
  return `${reference.name}:${formatSelector(reference.selector)}`
}
