import type { AliasRefChange } from '../../domain/aliasSync.js'
import { planAliasSync } from '../../domain/aliasSync.js'
import { ProtectedAliasError } from '../../domain/errors.js'
import { ALIAS_MOVES_JOURNAL_FILE as MOVES_JOURNAL, ALIAS_REF_PREFIX, aliasRef } from '../../domain/layout.js'
import type { LedgerMove, LedgerPoint } from '../../domain/ledger.js'
import { manifestEvents } from '../../domain/manifestEvents.js'
import type { ManifestYaml, ModelYaml } from '../../domain/manifests.js'
import type { RegistryConfig } from '../../domain/registryConfig.js'
import type { GitIdentity } from '../../git/commit.js'
import { crashPoint } from '../../git/crashPoint.js'
import { appendLedger, buildLedgerCommit, type PendingLedger } from '../../git/ledger.js'
import { deleteRef, listRefs, readRef, updateRef, type ReflogEntry } from '../../git/refs.js'
import type { GitDir } from '../../git/repo.js'
import type { CommitSigner } from '../../git/signing.js'
import { loadVersion, loadVersions } from '../../git/versionIndex.js'
import type { ManifestRecord } from './manifestStore.js'

/** An alias a manifest declares that names no version (reported, never turned into a ref). */
export interface DanglingAlias {
  name: string
  alias: string
  version: number
}

/** The alias refs one manifest asks for: `refs/aliases/<name>/<alias>` → commit. */
export async function desiredAliasRefs(
  repo: GitDir,
  record: Pick<ManifestRecord, 'kind' | 'name' | 'data'>,
  dangling: DanglingAlias[] = [],
): Promise<Map<string, string>> {
  const refs = new Map<string, string>()
  for (const [alias, version] of Object.entries(record.data.aliases ?? {})) {
    const commit =
      record.kind === 'model'
        ? ((record.data as ModelYaml).versions ?? []).find((link) => link.version === version)?.commit
        : (await loadVersion(repo, record.name, version))?.commit
    if (commit === undefined) dangling.push({ name: record.name, alias, version })
    else refs.set(aliasRef(record.name, alias), commit)
  }
  return refs
}

/** The alias refs that exist now, for one name or (without `name`) for all. */
export async function currentAliasRefs(repo: GitDir, name?: string): Promise<Map<string, string>> {
  return listRefs(repo, name === undefined ? ALIAS_REF_PREFIX : `${ALIAS_REF_PREFIX}${name}/`)
}

/** Make `name`'s alias refs say what its manifest says; returns what changed. */
export async function syncAliasRefsOf(
  repo: GitDir,
  record: Pick<ManifestRecord, 'kind' | 'name' | 'data'>,
  reflog?: ReflogEntry,
): Promise<AliasRefChange[]> {
  const changes = planAliasSync(await desiredAliasRefs(repo, record), await currentAliasRefs(repo, record.name))
  await applyAliasChanges(repo, changes, reflog)
  return changes
}

/** The alias ref changes that make each manifest's refs say what it says. */
export async function planManifestRefs(repo: GitDir, manifests: readonly MovedManifest[]): Promise<AliasRefChange[]> {
  const changes: AliasRefChange[] = []
  for (const manifest of manifests) {
    changes.push(...planAliasSync(await desiredAliasRefs(repo, manifest), await currentAliasRefs(repo, manifest.name)))
  }
  return changes
}

/** Make the manifests' alias refs follow them, journaled and recorded in the ledger as enacting `registryCommit`. */
export async function syncManifestRefs(
  repo: GitDir,
  manifests: readonly MovedManifest[],
  registryCommit: string,
  writer: LedgerWriter,
  reflog?: ReflogEntry,
): Promise<AliasRefChange[]> {
  const moves = await planAliasMoves(repo, await planManifestRefs(repo, manifests), manifests, registryCommit, writer, reflog)
  if (moves !== null) await journaledAliasMoves(repo, moves)
  return moves?.changes ?? []
}

/**
 * Apply planned changes, each a compare-and-swap against the value planned from. With
 * `resume` (finishing a killed run) a ref that already holds its planned value is skipped.
 */
/** Apply planned alias ref changes, each a compare-and-swap against its planned `from`. */
export async function applyAliasChanges(
  repo: GitDir,
  changes: readonly AliasRefChange[],
  reflog?: ReflogEntry,
  options: { resume?: boolean } = {},
): Promise<void> {
  for (const change of changes) {
    if (options.resume && (await readRef(repo, change.ref)) === (change.action === 'delete' ? null : change.to)) continue
    if (change.action === 'delete') await deleteRef(repo, change.ref, change.from)
    else {
      const from = change.action === 'move' ? change.from : null
      await updateRef(repo, change.ref, change.to, from, reflog === undefined ? {} : { reflog })
    }
  }
}

/**
 * The one protected-alias rule: on the registry branch a protected alias changes (in a
 * manifest or as a ref) only with --force; the intended way is a reviewed pull request.
 */
export function assertUnprotected(
  config: Pick<RegistryConfig, 'registryBranch' | 'protectedAliases'>,
  name: string,
  aliases: Iterable<string>,
): void {
  for (const alias of aliases) {
    if (!config.protectedAliases.includes(alias)) continue
    throw new ProtectedAliasError(
      `"${alias}" is a protected alias: on the registry branch (${config.registryBranch}) it changes only with --force; propose the change on a branch and merge it through a pull request`,
      { name, alias },
    )
  }
}

/**
 * The aliases a manifest edit changes: those whose value in the manifest changes, and
 * those whose existing ref would move or go to follow the edited manifest (a ref out of
 * step with its manifest). Creating a missing ref (a fresh clone) changes no deployment.
 */
export async function aliasesTouched(
  repo: GitDir,
  edit: Pick<ManifestRecord, 'kind' | 'name'> & { before: ManifestYaml | null; after: ManifestYaml },
): Promise<string[]> {
  const inManifest = manifestEvents(edit.before, edit.after).flatMap((event) => ('alias' in event ? [event.alias] : []))
  const desired = await desiredAliasRefs(repo, { kind: edit.kind, name: edit.name, data: edit.after })
  const prefix = aliasRef(edit.name, '')
  const asRefs = planAliasSync(desired, await currentAliasRefs(repo, edit.name))
    .filter((change) => change.action !== 'create')
    .map((change) => change.ref.slice(prefix.length))
  return [...new Set([...inManifest, ...asRefs])]
}

/** Alias ref changes about to be made, with the ledger commit that records them (built, not yet appended). */
export interface AliasMoves {
  changes: AliasRefChange[]
  ledger: PendingLedger
  /** The reflog entry each moved ref gets. */
  reflog?: ReflogEntry
}

/** Who appends the ledger record, and the signer when commits are signed. */
export interface LedgerWriter {
  committer: GitIdentity
  signer: CommitSigner | null
}

/** A manifest as the moves are planned from: what its aliases' commits are numbered. */
export type MovedManifest = Pick<ManifestRecord, 'kind' | 'name' | 'data'>

/**
 * Plan the ledger record for `changes` (null when there are none): each move's from and
 * to, numbered by the manifests (a model's link, an artifact's version), enacting
 * `registryCommit`.
 */
export async function planAliasMoves(
  repo: GitDir,
  changes: AliasRefChange[],
  manifests: readonly MovedManifest[],
  registryCommit: string,
  writer: LedgerWriter,
  reflog?: ReflogEntry,
): Promise<AliasMoves | null> {
  if (changes.length === 0) return null
  const moves = await ledgerMoves(repo, changes, manifests)
  const ledger = await buildLedgerCommit(repo, { entry: { registryCommit, moves }, ...writer })
  return { changes, ledger, ...(reflog && { reflog }) }
}

/** The moves the ledger records for `changes`, numbered by the manifests; nothing is written. */
export async function ledgerMoves(repo: GitDir, changes: readonly AliasRefChange[], manifests: readonly MovedManifest[]): Promise<LedgerMove[]> {
  const byName = new Map(manifests.map((m) => [m.name, m]))
  const moves: LedgerMove[] = []
  for (const change of changes) {
    const [name, alias] = splitAliasRef(change.ref)
    const manifest = byName.get(name)
    const point = async (commit: string | undefined): Promise<LedgerPoint | null> =>
      commit === undefined ? null : { commit, version: await numberOf(repo, name, manifest, commit) }
    moves.push({
      name,
      alias,
      from: await point(change.action === 'create' ? undefined : change.from),
      to: await point(change.action === 'delete' ? undefined : change.to),
    })
  }
  return moves
}

/**
 * Move the refs, then append their ledger record (compare-and-swap on the ledger). With
 * `resume`, finishing a killed run: refs already moved are skipped, and an append
 * already made is not made twice.
 */
export async function enactAliasMoves(repo: GitDir, moves: AliasMoves, options: { resume?: boolean } = {}): Promise<void> {
  await applyAliasChanges(repo, moves.changes, moves.reflog, options)
  crashPoint('ledger:refs-moved')
  await appendLedger(repo, moves.ledger)
  crashPoint('ledger:appended')
}


/**
 * Alias moves outside a manifest edit (`gmr sync`), journaled like an edit: written to
 * `.git/gmr/alias-moves.json` before the first ref moves and removed after the ledger
 * append, so a kill in between is finished by the next command (recoverAliasMoves).
 */
export async function journaledAliasMoves(repo: GitDir, moves: AliasMoves): Promise<void> {
  const path = `${repo.gitdir}/${MOVES_JOURNAL}`
  await repo.fs.writeAtomic(path, `${JSON.stringify(moves, null, 2)}\n`)
  crashPoint('ledger:journal')
  await enactAliasMoves(repo, moves)
  await repo.fs.remove(path)
}

/** Finish alias moves a killed `gmr sync` left journaled; run under the registry lock. */
export async function recoverAliasMoves(repo: GitDir): Promise<void> {
  const path = `${repo.gitdir}/${MOVES_JOURNAL}`
  const text = await repo.fs.readText(path)
  if (text === null) return
  let moves: AliasMoves | null = null
  try {
    moves = JSON.parse(text) as AliasMoves
  } catch {
    // Cut short: it is renamed into place complete, so nothing had moved yet.
  }
  if (moves !== null) await enactAliasMoves(repo, moves, { resume: true })
  await repo.fs.remove(path)
}

export function hasJournaledAliasMoves(repo: GitDir): Promise<boolean> {
  return repo.fs.exists(`${repo.gitdir}/${MOVES_JOURNAL}`)
}

function splitAliasRef(ref: string): [string, string] {
  const rest = ref.slice(ALIAS_REF_PREFIX.length)
  const slash = rest.lastIndexOf('/')
  return [rest.slice(0, slash), rest.slice(slash + 1)]
}

/** The number a commit has for `name`: the model's link to it, or the artifact's version. */
async function numberOf(repo: GitDir, name: string, manifest: MovedManifest | undefined, commit: string): Promise<number | null> {
  if (manifest === undefined) return null
  if (manifest.kind === 'model') {
    const links = (manifest.data as ModelYaml).versions ?? []
    return links.filter((link) => link.commit === commit).pop()?.version ?? null
  }
  return (await loadVersions(repo, name)).versions.find((v) => v.commit === commit)?.version ?? null
}
