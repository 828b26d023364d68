import { describe, expect, it } from 'vitest'
import { decideRetention, parseDuration, parseSize, type RetentionVersion } from '../../src/domain/retention.js'

const DAY = 86_400
const now = new Date('2026-11-29T12:00:00Z')
const at = (daysAgo: number) => now.getTime() / 1000 - daysAgo * DAY

function chain(artifact: string, ages: number[]): RetentionVersion[] {
  return ages.map((age, version) => ({ artifact, version, commit: `${artifact}-${version}`, time: at(age) }))
}

const none = new Set<string>()
const kept = (decisions: ReturnType<typeof decideRetention>) => decisions.map((d) => `${d.commit}:${d.keep ? d.reasons.join('+') : 'drop'}`)

describe('decideRetention', () => {
  it('without a policy keeps every version', () => {
    const decisions = decideRetention({ policy: null, chains: [chain('a', [3, 2])], linked: none, aliased: none, now })
    expect(kept(decisions)).toEqual(['a-0:no-policy', 'a-1:no-policy'])
  })

  it('keeps the union: the last N per artifact, the young, the linked and the aliased', () => {
    const decisions = decideRetention({
      policy: { keepLast: 1, keepWithin: '10d' },
      chains: [chain('a', [90, 60, 5, 1]), chain('b', [40, 30])],
      linked: new Set(['a-0']),
      aliased: new Set(['a-0', 'b-0']),
      now,
    })
    expect(kept(decisions)).toEqual(['a-0:linked+aliased', 'a-1:drop', 'a-2:within', 'a-3:last+within', 'b-0:aliased', 'b-1:last'])
  })

  it('keepLast: 0 and no other rule keeps only links and aliases', () => {
    const decisions = decideRetention({ policy: { keepLast: 0 }, chains: [chain('a', [2, 1])], linked: new Set(['a-1']), aliased: none, now })
    expect(kept(decisions)).toEqual(['a-0:drop', 'a-1:linked'])
  })

  it('a commit on two chains (a local and a remote-tracking branch) is kept when either keeps it', () => {
    const local = chain('a', [9, 8, 7])
    const tracking = local.slice(0, 2)
    const decisions = decideRetention({ policy: { keepLast: 1 }, chains: [local, tracking], linked: none, aliased: none, now })
    expect(kept(decisions)).toEqual(['a-0:drop', 'a-1:last', 'a-2:last'])
  })
})

describe('durations and sizes', () => {
  it('reads m, h, d and w, and refuses anything else in one line', () => {
    expect(parseDuration('30d', 'x')).toBe(30 * DAY * 1000)
    expect(parseDuration('12h', 'x')).toBe(12 * 3_600_000)
    expect(parseDuration('90m', 'x')).toBe(90 * 60_000)
    expect(parseDuration('2w', 'x')).toBe(14 * DAY * 1000)
    expect(() => parseDuration('3 days', '--older-than')).toThrow('--older-than "3 days" is not a duration: write a number and a unit, m, h, d or w (e.g. 30d, 12h)')
    expect(() => parseDuration('0d', 'x')).toThrow('not a duration')
  })

  it('reads sizes with K, M, G, T (binary), with or without B or iB', () => {
    expect(parseSize('2048', 'x')).toBe(2048)
    expect(parseSize('10G', 'x')).toBe(10 * 1024 ** 3)
    expect(parseSize('500MB', 'x')).toBe(500 * 1024 ** 2)
    expect(parseSize('1.5GiB', 'x')).toBe(1.5 * 1024 ** 3)
    expect(parseSize('0', 'x')).toBe(0)
    expect(() => parseSize('lots', '--max-size')).toThrow('--max-size "lots" is not a size')
  })
})
