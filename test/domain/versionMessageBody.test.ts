import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { parsePlainYaml } from '../../src/domain/fastYaml.js'
import { formatVersionMessage, readVersionMessage, type VersionMessage } from '../../src/domain/versionMessage.js'
import { formatPlainVersionMessage, parseVersionMessageBody } from '../../src/domain/versionMessageBody.js'
import { readVersionMessageWith } from '../../src/domain/versionMessageFields.js'

// The reader of gmr's own message bodies must either agree with the yaml library (and with
// the plain-YAML reader) exactly, or decline; the version index then reads the message
// with those, so a record is the same whichever reader took its body.

/** The body after the subject line, as the version index hands it to a reader. */
function bodyOf(message: string): string {
  return message.slice(message.indexOf('\n') + 1)
}

function agrees(body: string): 'same' | 'declined' {
  const fast = parseVersionMessageBody(body)
  if (fast === undefined) return 'declined'
  expect(fast, body).toEqual(parse(body, { maxAliasCount: 0, uniqueKeys: true }))
  expect(fast, body).toEqual(parsePlainYaml(body))
  return 'same'
}

/** The message as the index reads it (this reader, then the plain one, then the yaml library), against the yaml library alone. */
function readsAsTheLibrary(message: string): void {
  const indexed = readVersionMessageWith(message, (body) => parseVersionMessageBody(body) ?? parsePlainYaml(body)) ?? readVersionMessage(message)
  expect(indexed, message).toEqual(readVersionMessage(message))
}

let seed = 7
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
const hex = () => Array.from({ length: 40 }, () => pick('0123456789abcdef'.split(''))).join('')
const TEXTS = ['churn', 'run-5', 'a b', 'retrained on November data', "don't", 'x: y', 'a #b', '#c', '- d', 'yes', 'No', 'NULL', 'null', '~',
  '1.5', '007', '1e5', '12e45', '0x1f', '.inf', 'True', 'ab12', '1234e5678', '2026-11-26T10:00:00Z', 'a"b', '"quoted"', "'single'", '[x]',
  '{y}', '&a', '*b', '!t', '|', '>', '%', '@x', 'Zoë', 'ключ', '🚀 launch', 'back\\slash', 'trailing ', ' leading', '', 'team:growth',
  'a,b', 'v1.2.3', '-5', '+3', 'two  spaces', 'line one\nline two', 'tab\there', 'Infinity', 'NaN', 'e5', '_private', 'a/b+c']
const VALUES: unknown[] = [0, 1, -7, 42, 123456789012345, 2 ** 53 + 2, 0.5, -0.125, 1e-7, 1.5e300, 3.0, true, false, null, {}, [], [1, 'two'],
  { nested: { deeper: 1 } }, ...TEXTS]
const KEYS = ['step', 'accuracy', 'eval', 'f1', 'learning_rate', 'data.version', 'x-y', '_n', 'yes', 'null', 'Key Space', 'ключ', '__proto__', '1st', 'a:b']

function metadata(depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (let i = Math.floor(random() * 5); i > 0; i--) {
    out[pick(KEYS)] = depth < 2 && random() < 0.25 ? metadata(depth + 1) : pick(VALUES)
  }
  return out
}

function message(i: number): VersionMessage {
  return {
    artifact: pick(['churn', 'churn-model.v2', 'a_b', '2024-model', 'yes']),
    version: i,
    ...(random() < 0.4 && { description: pick(TEXTS) }),
    metadata: metadata(0),
    ...(random() < 0.5 && { source: { commit: i % 40 === 0 ? '1234567890123456789012345678901234567890' : hex(), dirty: random() < 0.5 } }),
  }
}

describe("the reader of gmr's own message bodies", () => {
  it('agrees with the yaml library on every message gmr writes, or declines', () => {
    let same = 0
    for (let i = 0; i < 600; i++) {
      const text = formatVersionMessage(message(i))
      if (agrees(bodyOf(text)) === 'same') same++
      readsAsTheLibrary(text)
    }
    // Odd values and keys are declined (the other readers take those), never misread.
    expect(same).toBeGreaterThan(50)
    expect(same).toBeLessThan(600)
  })

  it('reads the messages gmr log writes for ordinary metadata itself', () => {
    for (let i = 0; i < 50; i++) {
      const text = formatVersionMessage({
        artifact: 'churn',
        version: i,
        ...(i % 3 === 0 && { description: 'retrained on November data' }),
        metadata: i % 5 === 0 ? {} : { accuracy: 0.93, epochs: i, eval: { f1: 0.8, data: 'v1.2' }, reviewed: i % 2 === 0, owner: 'ml-team' },
        ...(i % 2 === 0 && { source: { commit: hex(), dirty: i % 4 === 0 } }),
      })
      expect(agrees(bodyOf(text)), text).toBe('same')
    }
  })

  it('agrees or declines on hand-made commits and odd metadata', () => {
    const bodies = [
      '\nartifact: a\nversion: 3\nmetadata:\n  step: 3\n',
      'artifact: a\nversion: 3\n',
      '\n\nartifact: a\nversion: 3\nmetadata: {}\n',
      '\nartifact: a\nversion: 3\nmetadata:\n',
      '\nartifact: a\nversion: 3\nmetadata:\nsource:\n  commit: abc\n  dirty: false\n',
      '\nartifact: a\nmetadata:\n  a:\n    b:\n      c: 1\n  d: 2\n',
      '\nartifact: a\nmetadata:\n  a:\n     b: 1\n',
      '\nartifact: a\nmetadata:\n    step: 1\n',
      '\nartifact: a\n metadata: 1\n',
      '\nartifact: a  \n',
      '\nartifact:  a\n',
      '\nartifact: a\r\nversion: 1\r\n',
      '\nartifact: a\nversion: 1',
      '\nartifact: a\n\nversion: 1\n',
      '\n# a comment\nartifact: a\n',
      '\nartifact: a # comment\n',
      '\nartifact: a\nartifact: b\n',
      '\n__proto__: 1\n',
      '\nmetadata:\n  - 1\n  - 2\n',
      '\nmetadata:\n- 1\n',
      '\nmetadata: [1, 2]\n',
      '\nmetadata: {a: 1}\n',
      '\nnote: |\n  two\n  lines\n',
      '\nnote: >-\n  folded\n',
      "\nnote: 'quoted'\n",
      '\nanchor: &x 1\nref: *x\n',
      '\n---\nartifact: a\n',
      '\nartifact:\tb\n',
      '\n\tartifact: a\n',
      '\nstep: 0123\n',
      '\nstep: 1e5\n',
      '\nflag: yes\n',
      '\nflag: Off\n',
      '\nwhen: 2026-11-26T10:00:00Z\n',
      '\nwhen: 2026-11-26\n',
      '\nid: 1234567890123456789012345678901234567890\n',
      '\nid: 0e12\n',
      '\nid: deadbeef\n',
      '\nname: Zoë\n',
      '\nthis is: [not yaml\n',
      '\n',
      '',
    ]
    const declined = bodies.filter((body) => agrees(body) === 'declined')
    for (const body of bodies) readsAsTheLibrary(`a v3\n${body}`)
    // What the fast reader must leave to the others: anything but gmr's plain shape.
    expect(declined).toEqual(bodies.filter((_, i) => ![0, 1, 2, 3, 4, 5, 33, 37].includes(i)))
  })
})

// The plain writer lets a plain `gmr log` write its message without the YAML library: what
// it writes must be the yaml library's bytes exactly, or it must decline.

/** The plain writer against formatVersionMessage: the same text, or declined. */
function writesAsTheLibrary(message: VersionMessage): 'same' | 'declined' {
  const plain = formatPlainVersionMessage(message)
  if (plain === undefined) return 'declined'
  expect(plain, JSON.stringify(message)).toBe(formatVersionMessage(message))
  return 'same'
}

describe("the plain writer of gmr's own messages", () => {
  it('writes what the yaml library writes, or declines', () => {
    let same = 0
    for (let i = 0; i < 600; i++) if (writesAsTheLibrary(message(i)) === 'same') same++
    expect(same).toBeGreaterThan(50)
    expect(same).toBeLessThan(600)
  })

  it('writes every plain log itself: a name that starts with a letter, no metadata, a commit id', () => {
    for (let i = 0; i < 300; i++) {
      const name = pick('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('')) + Array.from({ length: i % 20 }, () => pick('abcxyzXY0189._-'.split(''))).join('')
      if (/^(?:true|false|null|yes|no|on|off|y|n)$/i.test(name)) continue
      const commit = i % 2 === 0 ? hex() : hex() + hex().slice(0, 24)
      expect(writesAsTheLibrary({ artifact: name, version: i, metadata: {}, ...(i % 7 !== 0 && { source: { commit, dirty: i % 3 === 0 } }) }), name).toBe('same')
    }
  })

  it('writes odd scalars and names as the yaml library does, or declines them', () => {
    const scalars: unknown[] = [...VALUES, '0b1', '0o17', '1e', 'e1', '0e', '0123', '1_000', '12:30', 'a\u00a0b', '=', '<<', -0, 1.0, 2 ** 53, NaN, Infinity, undefined]
    for (const value of scalars) {
      const written = formatPlainVersionMessage({ artifact: 'a', version: 1, metadata: { value } })
      if (written !== undefined) expect(written, String(value)).toBe(formatVersionMessage({ artifact: 'a', version: 1, metadata: { value } }))
    }
    for (const name of ['2024-model', '1.5', '0x1f', '1e5', 'yes', 'True', 'null', 'No']) {
      expect(formatPlainVersionMessage({ artifact: name, version: 0, metadata: {} }), name).toBeUndefined()
    }
  })
})
