import { InvalidInputError } from './errors.js'

/** `retention:` in registry/registry.yaml (schemas/registry.schema.json). */
export interface RetentionPolicy {
  /** Keep the newest N versions of every artifact. */
  keepLast?: number
  /** Keep versions younger than this (`30d`, `12h`, `90m`, `2w`). */
  keepWithin?: string
}

/**
 * Why a version is kept. `linked` and `aliased` hold whatever the policy says: a
 * registered model's link or an alias is what a deployment downloads.
 */
export type KeepReason = 'no-policy' | 'linked' | 'aliased' | 'last' | 'within'

/** One version of one artifact chain, as retention sees it. */
export interface RetentionVersion {
  artifact: string
  version: number
  commit: string
  /** Committer time, seconds since the epoch. */
  time: number
}

export interface RetentionInput {
  /** null: no `retention:` in registry.yaml, so everything is kept. */
  policy: RetentionPolicy | null
  /** Each artifact chain (a local branch, a remote-tracking one), v0 first. */
  chains: ReadonlyArray<readonly RetentionVersion[]>
  /**
   * The chains of removed artifacts (`gmr artifact rm`), v0 first: outside a policy
   * whatever its keepLast and keepWithin say, since retiring is the moment to free their
   * space; only a link or an alias still keeps one of their versions (and, with no
   * policy at all, nothing is dropped).
   */
  retiredChains?: ReadonlyArray<readonly RetentionVersion[]>
  /** Commits a registered model links. */
  linked: ReadonlySet<string>
  /** Commits an alias names (artifact or model alias, manifest or ref). */
  aliased: ReadonlySet<string>
  now: Date
}

export interface RetentionDecision extends RetentionVersion {
  keep: boolean
  /** Every rule that keeps it; empty when it is dropped. */
  reasons: KeepReason[]
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }

/** `30d` → milliseconds. Units m, h, d, w; `what` names the setting in the error. */
export function parseDuration(text: string, what: string): number {
  const match = /^([1-9][0-9]{0,5})([mhdw])$/.exec(text.trim())
  if (match === null) {
    throw new InvalidInputError(`${what} "${text}" is not a duration: write a number and a unit, m, h, d or w (e.g. 30d, 12h)`, {
      value: text,
    })
  }
  return Number(match[1]) * UNIT_MS[match[2]!]!
}

/**
 * Decide, per version, whether its large files stay: the union of every keep rule, one
 * decision per commit (a commit on two chains is kept if either keeps it), oldest first
 * within each artifact. Pure: the caller reads the versions, links and aliases.
 */
export function decideRetention(input: RetentionInput): RetentionDecision[] {
  const { policy } = input
  const cutoff = policy?.keepWithin === undefined ? null : input.now.getTime() - parseDuration(policy.keepWithin, 'retention.keepWithin')
  const byCommit = new Map<string, RetentionDecision>()
  const chains = [...input.chains.map((chain) => ({ chain, retired: false })), ...(input.retiredChains ?? []).map((chain) => ({ chain, retired: true }))]
  for (const { chain, retired } of chains) {
    chain.forEach((version, i) => {
      const reasons = new Set<KeepReason>(byCommit.get(version.commit)?.reasons)
      if (policy === null) reasons.add('no-policy')
      if (input.linked.has(version.commit)) reasons.add('linked')
      if (input.aliased.has(version.commit)) reasons.add('aliased')
      if (!retired) {
        if (policy?.keepLast !== undefined && i >= chain.length - policy.keepLast) reasons.add('last')
        if (cutoff !== null && version.time * 1000 > cutoff) reasons.add('within')
      }
      const first = byCommit.get(version.commit) ?? version
      byCommit.set(version.commit, {
        artifact: first.artifact,
        version: first.version,
        commit: first.commit,
        time: first.time,
        keep: reasons.size > 0,
        reasons: ORDER.filter((r) => reasons.has(r)),
      })
    })
  }
  return [...byCommit.values()].sort((a, b) => (a.artifact < b.artifact ? -1 : a.artifact > b.artifact ? 1 : a.version - b.version))
}

const ORDER: readonly KeepReason[] = ['no-policy', 'linked', 'aliased', 'last', 'within']

/** `10G`, `500MB`, `1.5GiB`, `2048` → bytes. Decimal and binary prefixes both mean powers of 1024, as `du -h` and `gmr cache ls` print them. */
export function parseSize(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim())
  if (match === null) {
    throw new InvalidInputError(`${what} "${text}" is not a size: write a number with an optional unit, K, M, G or T (e.g. 10G, 500M)`, {
      value: text,
    })
  }
  const power = ' kmgt'.indexOf((match[2] || ' ').toLowerCase())
  return Math.floor(Number(match[1]) * 1024 ** power)
}
