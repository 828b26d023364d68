import { createHash } from 'node:crypto'
import type { AliasRefChange } from '../../domain/aliasSync.js'
import { sleep } from '../../domain/async.js'
import { ChangedDuringEditError, UncommittedManifestError } from '../../domain/errors.js'
import { ALIAS_REF_PREFIX, aliasRef, EDIT_JOURNAL_FILE, manifestDir, REGISTRY_DIR, type NameKind } from '../../domain/layout.js'
import { LEDGER_REF } from '../../domain/ledger.js'
import { decodeCommit, formatIdentity } from '../../git/commit.js'
import { buildCommit, moveBranch } from '../../git/commitFiles.js'
import { crashPoint } from '../../git/crashPoint.js'
import { entryOid, entryStage, parseRawIndex } from '../../git/gitIndex.js'
import { INDEX_LOCK_WAIT_MS, stageWorkTree, updateIndex, type IndexChange } from '../../git/indexUpdate.js'
import { withLock } from '../../git/lock.js'
import { readObject } from '../../git/objects.js'
import { readPathStates, type PathState } from '../../git/pathStates.js'
import { clearAbandonedRefLock, readRef, readSymbolicRef, type ReflogEntry } from '../../git/refs.js'
import type { Repo } from '../../git/repo.js'
import type { Env } from '../../git/config.js'
import { commitSigner, type CommitSigner } from '../../git/signing.js'
import { sweepTempFiles } from '../../git/tempFiles.js'
import {
  enactAliasMoves,
  hasJournaledAliasMoves,
  planAliasMoves,
  planManifestRefs,
  recoverAliasMoves,
  syncAliasRefsOf,
  type AliasMoves,
  type LedgerWriter,
  type MovedManifest,
} from './aliasRefs.js'
import { moveRefOnce, type RefMove } from './retiredBranches.js'
import { parseManifest } from '../../domain/manifests.js'

/**
 * A registry edit that is about to become visible, written to `.git/gmr/edit.json`
 * before the first change anyone can see (the work-tree files) and removed after the
 * last (the alias refs). Every object it names (the new blobs, trees and commit)
 * already exists. If it is still there when the next gmr command starts, that edit was
 * killed half-way, and the command finishes it first.
 */
export interface EditJournal {
  /** The branch the edit commits to, e.g. `refs/heads/main`. */
  branch: string
  /** The branch's tip the commit was built on. */
  parent: string | null
  /** The commit that records the edit (its message, author and committer are the edit's). */
  commit: string
  files: EditedFile[]
  /** Move the alias refs of the edited manifests (the edit is on the registry branch). */
  aliasRefs: boolean
  /** Refs moved after the alias refs: a removed artifact's branch to where its versions are kept. */
  refMoves?: RefMove[]
  /**
   * The alias refs the edit moves and their ledger record, planned before anything is
   * visible (so a killed edit appends the same record); null: no ref moves. Absent in a
   * journal written by a gmr before the ledger: the refs are then synced from the manifests.
   */
  moves?: AliasMoves | null
}

export interface EditedFile {
  path: string
  /** The manifest's kind and name; null for another registry file (`registry/retired.yaml`, `registry/registry.yaml`). */
  kind: NameKind | null
  name: string
  /** Blob ids of the file before and after the edit (null: no file). */
  before: string | null
  after: string | null
}

export interface AppliedEdit {
  commit: string
  refs: AliasRefChange[]
}

function journalPath(repo: Repo): string {
  return `${repo.gitdir}/${EDIT_JOURNAL_FILE}`
}

/**
 * gmr commits only its own change to a manifest, so the manifests it edits must be
 * exactly as committed, in the index and in the work tree; otherwise the user's edits
 * would ride along in gmr's commit.
 */
export function assertCommittable(states: readonly PathState[]): void {
  for (const state of states) {
    if (state.index === state.head && state.worktree === state.head) continue
    throw new UncommittedManifestError(
      `${state.path} has changes that are not committed; commit or stash them (git stash), or use --no-commit, and run again`,
      { path: state.path },
    )
  }
}

/**
 * Make a planned edit visible, in an order a kill can interrupt anywhere: journal, work
 * tree, index (through `index.lock`), branch (compare-and-swap), alias refs, and the
 * journal removed. An ordinary failure before the branch moves puts the work tree and
 * index back as they were; once it moved, the commit stands.
 */
export async function applyEdit(repo: Repo, planned: EditJournal, writer: LedgerWriter): Promise<AppliedEdit> {
  const journal = planned.aliasRefs ? { ...planned, moves: await planEditMoves(repo, planned, writer) } : planned
  await repo.fs.writeAtomic(journalPath(repo), `${JSON.stringify(journal, null, 2)}\n`)
  crashPoint('edit:journal')
  const undo: Undo = { files: [], index: null, branchMoved: false }
  try {
    const applied = await finishEdit(repo, journal, undo, async () => writer.signer)
    if (applied === null) {
      throw new ChangedDuringEditError(
        `${journal.files.map((f) => f.path).join(', ')} or ${journal.branch} changed while gmr was editing; run the command again`,
        { branch: journal.branch },
      )
    }
    await repo.fs.remove(journalPath(repo))
    return applied
  } catch (err) {
    if (!undo.branchMoved) await rollBack(repo, undo)
    await repo.fs.remove(journalPath(repo))
    throw err
  }
}

/**
 * Finish an edit a killed gmr left in `.git/gmr/edit.json`, before anything else reads
 * or writes the registry. Its work-tree files, index entries and branch each hold the
 * edit's old or new content; the edit is rolled forward. Plain git may have run in
 * between: a branch the user committed to gets the edit on top; a file the user changed
 * since (neither old nor new) is theirs, and the edit is dropped, leaving it as it is.
 */
export async function recoverInterruptedEdit(repo: Repo, env: Env): Promise<void> {
  await sweepManifestTemps(repo)
  if (await hasJournaledAliasMoves(repo)) {
    await settleRefLocks(repo, await aliasRefLocks(repo, null).then((refs) => [...refs, LEDGER_REF]))
    await recoverAliasMoves(repo)
  }
  const text = await repo.fs.readText(journalPath(repo))
  if (text === null) return
  let journal: EditJournal | null = null
  try {
    journal = JSON.parse(text) as EditJournal
  } catch {
    // A journal cut short was written before any visible change (it is renamed into place).
  }
  if (journal !== null) {
    await settleIndexLock(repo, journal)
    await settleEditRefLocks(repo, journal)
    // The signer is asked for only when the edit's commit, signed, must be made again.
    await finishEdit(repo, journal, null, () => commitSigner(repo, env, true))
  }
  await repo.fs.remove(journalPath(repo))
}

/**
 * A kill between creating `index.lock` and renaming it over the index leaves the lock,
 * and git then refuses to run. The journal says whose it is: a complete index (its
 * checksum holds) that stages the edit's new blobs is this edit's, only the rename
 * missing, so the rename is done; one that stays empty is this edit's, killed before it
 * wrote. Anything else belongs to a live git process and is left to it.
 */
async function settleIndexLock(repo: Repo, journal: EditJournal): Promise<void> {
  const lockPath = `${repo.gitdir}/index.lock`
  const deadline = Date.now() + INDEX_LOCK_WAIT_MS
  let data = await repo.fs.read(lockPath)
  while (data !== null && data.length === 0 && Date.now() < deadline) {
    await sleep(50)
    data = await repo.fs.read(lockPath)
  }
  if (data === null) return
  if (data.length === 0) return repo.fs.remove(lockPath)
  if (data.length < 32 || !createHash('sha1').update(data.subarray(0, -20)).digest().equals(data.subarray(-20))) return
  const staged = new Map(parseRawIndex(data, lockPath).entries.filter((e) => entryStage(e) === 0).map((e) => [e.path, entryOid(e)]))
  if (journal.files.every((file) => (staged.get(file.path) ?? null) === file.after)) {
    await repo.fs.rename(lockPath, `${repo.gitdir}/index`)
  }
}

/** The refs this edit moves whose `<ref>.lock` a kill may have left: its branch, the alias refs of its manifests, the ledger, its other ref moves. */
async function settleEditRefLocks(repo: Repo, journal: EditJournal): Promise<void> {
  const names = journal.files.filter((file) => file.kind !== null).map((file) => file.name)
  const refs = [journal.branch, ...(journal.aliasRefs ? [...(await aliasRefLocks(repo, names)), LEDGER_REF] : [])]
  for (const move of journal.refMoves ?? []) refs.push(move.from, move.to)
  await settleRefLocks(repo, refs)
}

/** Alias refs of these names (null: of every name) that have a `<ref>.lock`. */
async function aliasRefLocks(repo: Repo, names: readonly string[] | null): Promise<string[]> {
  const refs: string[] = []
  const all = names ?? ((await repo.fs.readdir(`${repo.gitdir}/${ALIAS_REF_PREFIX}`)) ?? [])
  for (const name of all) {
    const prefix = aliasRef(name, '')
    for (const entry of (await repo.fs.readdir(`${repo.gitdir}/${prefix}`)) ?? []) {
      if (entry.endsWith('.lock')) refs.push(`${prefix}${entry.slice(0, -'.lock'.length)}`)
    }
  }
  return refs
}

async function settleRefLocks(repo: Repo, refs: readonly string[]): Promise<void> {
  for (const ref of refs) await clearAbandonedRefLock(repo, ref)
}

/** Manifest temporaries (`<file>.tmp-<pid>-…`) a killed edit left in the work tree. */
async function sweepManifestTemps(repo: Repo): Promise<void> {
  if (repo.bare) return
  for (const dir of [REGISTRY_DIR, manifestDir('artifact'), manifestDir('model')]) {
    await sweepTempFiles(repo.fs, `${repo.dir}/${dir}`)
  }
}

/** Recover under the registry lock, cheaply skipped when there is no journal. */
export async function recoverIfInterrupted(repo: Repo, env: Env): Promise<void> {
  if (!(await repo.fs.exists(journalPath(repo))) && !(await hasJournaledAliasMoves(repo))) return
  await withLock(repo, 'registry', () => recoverInterruptedEdit(repo, env))
}

interface Undo {
  files: Array<{ path: string; content: Buffer | null }>
  index: IndexChange[] | null
  branchMoved: boolean
}

/**
 * Bring work tree, index, branch and alias refs to the journal's new state, each step
 * skipped where it is already done. Null when the state is not one this edit can have
 * left (someone changed a file or the branch otherwise since): nothing is touched.
 */
async function finishEdit(
  repo: Repo,
  journal: EditJournal,
  undo: Undo | null,
  signer: () => Promise<CommitSigner | null>,
): Promise<AppliedEdit | null> {
  const onBranch = (await readSymbolicRef(repo, 'HEAD')) === journal.branch
  const tip = await readRef(repo, journal.branch)
  const paths = journal.files.map((f) => f.path)
  const states = await readPathStates(repo, tip, paths)
  const ours = (value: string | null, file: EditedFile) => value === file.before || value === file.after
  const fits = journal.files.every((file, i) => {
    const s = states[i]!
    return ours(s.head, file) && (!onBranch || (ours(s.index, file) && ours(s.worktree, file)))
  })
  if (!fits) return null

  if (onBranch) {
    let restage = false
    for (const [i, file] of journal.files.entries()) {
      if (states[i]!.worktree === file.after) continue
      const full = `${repo.dir}/${file.path}`
      undo?.files.push({ path: file.path, content: await repo.fs.read(full) })
      if (file.after === null) await repo.fs.remove(full)
      else await repo.fs.writeAtomic(full, await blob(repo, file.after))
      restage = true
    }
    crashPoint('edit:worktree')
    if (restage || journal.files.some((file, i) => states[i]!.index !== file.after)) {
      const previous = await stageWorkTree(repo, paths)
      if (undo) undo.index = previous
    }
    crashPoint('edit:index')
  }

  let commit = tip!
  if (journal.files.some((file, i) => states[i]!.head !== file.after)) {
    if (tip === journal.parent) commit = journal.commit
    else if (onBranch) commit = await rebuildOn(repo, journal, tip, signer)
    else return null
    const { message, committer } = decodeCommit((await readObject(repo, journal.commit)).content)
    await moveBranch(repo, { branch: journal.branch, from: tip, to: commit, message, committer })
    if (undo) undo.branchMoved = true
  }
  crashPoint('edit:branch')

  const refs: AliasRefChange[] = []
  if (journal.moves) {
    await enactAliasMoves(repo, journal.moves, { resume: undo === null })
    refs.push(...journal.moves.changes)
  } else if (journal.aliasRefs && journal.moves === undefined) {
    const reflog = await editReflog(repo, journal)
    for (const manifest of await editedManifests(repo, journal)) refs.push(...(await syncAliasRefsOf(repo, manifest, reflog)))
  }
  for (const move of journal.refMoves ?? []) await moveRefOnce(repo, move)
  crashPoint('edit:refs')
  return { commit, refs }
}

/**
 * The alias refs the edit's manifests ask for, compared with the refs now, and the
 * ledger record of the difference (built, not appended).
 */
async function planEditMoves(repo: Repo, journal: EditJournal, writer: LedgerWriter): Promise<AliasMoves | null> {
  const manifests = await editedManifests(repo, journal)
  return planAliasMoves(repo, await planManifestRefs(repo, manifests), manifests, journal.commit, writer, await editReflog(repo, journal))
}

/** The manifests the edit leaves (a removed one as a manifest with no aliases). */
async function editedManifests(repo: Repo, journal: EditJournal): Promise<MovedManifest[]> {
  const manifests: MovedManifest[] = []
  for (const file of journal.files) {
    if (file.kind === null) continue
    // A deleted manifest takes its alias refs with it.
    const data = file.after === null ? { name: file.name } : parseManifest(file.kind, (await blob(repo, file.after)).toString('utf8'), file.path).data
    manifests.push({ kind: file.kind, name: file.name, data })
  }
  return manifests
}

async function editReflog(repo: Repo, journal: EditJournal): Promise<ReflogEntry> {
  const { message, committer } = decodeCommit((await readObject(repo, journal.commit)).content)
  return { message: `gmr: ${message.split('\n')[0]}`, identity: formatIdentity(committer) }
}

/**
 * The edit's commit again, on top of a tip plain git moved since (the user committed);
 * signed when the edit's own commit was, since a signature covers the parent and cannot
 * be carried over.
 */
async function rebuildOn(repo: Repo, journal: EditJournal, tip: string | null, signer: () => Promise<CommitSigner | null>): Promise<string> {
  const { message, author, committer, headers } = decodeCommit((await readObject(repo, journal.commit)).content)
  const signed = headers.gpgsig !== undefined || headers['gpgsig-sha256'] !== undefined
  const files = await Promise.all(
    journal.files.map(async (f) => ({ path: f.path, content: f.after === null ? null : await blob(repo, f.after) })),
  )
  return buildCommit(repo, { parent: tip, files, message, author, committer, signer: signed ? await signer() : null })
}

async function rollBack(repo: Repo, undo: Undo): Promise<void> {
  for (const file of undo.files) {
    const full = `${repo.dir}/${file.path}`
    if (file.content === null) await repo.fs.remove(full)
    else await repo.fs.writeAtomic(full, file.content)
  }
  if (undo.index !== null) await updateIndex(repo, undo.index)
}

async function blob(repo: Repo, oid: string): Promise<Buffer> {
  return Buffer.from((await readObject(repo, oid)).content)
}
