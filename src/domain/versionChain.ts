import { BrokenHistoryError } from './errors.js'
import { artifactRef } from './layout.js'
import type { VersionClaims } from './versionMessage.js'

/**
 * The shape of an artifact branch (docs/storage-format.md): a first-parent chain in which the
 * commit at depth N is version N — one parent at most (no merge commits), a subject
 * `<artifact> v<N>` and a body that agree with the branch and the depth. A commit that
 * breaks it makes every later number a guess, so nothing is read from or written on top
 * of such a chain until it is repaired.
 */

/**
 * What is wrong with a commit as a version of `artifact`, beyond its number (which the
 * version index keeps as `messageVersion`); null when nothing is.
 */
export function versionShapeProblem(artifact: string, parents: number, said: VersionClaims): string | null {
  if (parents > 1) return `it is a merge commit (${parents} parents); a version has one parent, the version before it`
  const { subject, body } = said
  if (subject && subject.artifact !== artifact) return `its subject "${subject.artifact} v${subject.version}" names another artifact`
  if (body?.artifact !== undefined && body.artifact !== artifact) return `its message body says artifact: ${body.artifact}`
  if (subject && body?.version !== undefined && body.version !== subject.version) {
    return `its subject says v${subject.version} but its message body says version: ${body.version}`
  }
  return null
}

/** One version as the chain rule needs it. */
export interface ChainVersion {
  /** First-parent depth. */
  version: number
  commit: string
  /** The number its message claims; null when it names none (a commit gmr did not write). */
  messageVersion: number | null
  /** From `versionShapeProblem`, when the commit had one. */
  problem?: string
}

export interface ChainBreak {
  version: number
  commit: string
  problem: string
}

/** What is wrong with one version of the chain, numbering included; null when nothing is. */
function chainProblem(v: ChainVersion): string | null {
  if (v.problem !== undefined) return v.problem
  if (v.messageVersion !== null && v.messageVersion !== v.version) {
    return `its message says v${v.messageVersion} but it is at first-parent depth ${v.version}`
  }
  return null
}

/** The first version (from v0) that breaks the chain's shape, or null for a sound chain. */
export function firstChainBreak(versions: readonly ChainVersion[]): ChainBreak | null {
  for (const v of versions) {
    const problem = chainProblem(v)
    if (problem !== null) return { version: v.version, commit: v.commit, problem }
  }
  return null
}

/** How to put the branch back to its last sound version (or remove it, when v0 is broken). */
export function chainRepair(artifact: string, versions: readonly ChainVersion[], broken: ChainBreak, tip: string): string {
  const ref = artifactRef(artifact)
  const good = versions[broken.version - 1]
  return good === undefined
    ? `remove the branch (git update-ref -d ${ref} ${tip}) and log the versions again`
    : `reset the branch to v${good.version}, its last sound version (git update-ref ${ref} ${good.commit} ${tip}), then log what came after again`
}

/** Refuse to read or extend a chain that breaks its shape, with one line naming the commit and the repair. */
export function assertSoundChain(artifact: string, versions: readonly ChainVersion[], tip: string | null): void {
  const broken = firstChainBreak(versions)
  if (broken === null || tip === null) return
  throw new BrokenHistoryError(
    `artifacts/${artifact} is broken at v${broken.version} (commit ${broken.commit}): ${broken.problem}; ${chainRepair(artifact, versions, broken, tip)}`,
    { artifact, version: broken.version, commit: broken.commit },
  )
}
