import { BranchMovedError, GmrError, UnsupportedStateError } from '../domain/errors.js'
import { decodeCommit, formatIdentity, type GitIdentity } from './commit.js'
import { ObjectWriter, readObject } from './objects.js'
import { readRef, readSymbolicRef, updateRef, ZERO_OID } from './refs.js'
import { stageWorkTree, updateIndex } from './indexUpdate.js'
import type { GitDir, Repo } from './repo.js'
import { encodeSignedCommit, type CommitSigner } from './signing.js'
import { decodeTree, encodeTree, type TreeEntry } from './tree.js'

export interface CommitFilesOptions {
  /** Work-tree paths to commit as they are on disk now; a missing file is removed. */
  paths: readonly string[]
  message: string
  author: GitIdentity
  committer: GitIdentity
  /** Signs the commit (null or absent: unsigned). */
  signer?: CommitSigner | null
}

export interface CommitFilesResult {
  commit: string
  /** The branch that moved, e.g. `refs/heads/main`. */
  branch: string
  parent: string | null
}

/**
 * Commit exactly `paths`, on top of HEAD, as they are in the work tree; nothing else
 * the user has staged or changed goes into the commit or leaves the index. The commit
 * is built from objects (HEAD's tree with these paths replaced), these paths' index
 * entries are staged (through `index.lock`), and only then does the branch move by
 * compare-and-swap: a kill in between leaves the change staged, so the user's next
 * `git commit` keeps it rather than reverting it. If the branch cannot move, the index
 * entries are put back.
 */
export async function commitFiles(repo: Repo, options: CommitFilesOptions): Promise<CommitFilesResult> {
  const branch = await currentBranch(repo)
  const parent = await readRef(repo, branch)
  const files = await Promise.all(
    options.paths.map(async (path) => ({ path, content: await repo.fs.read(`${repo.dir}/${path}`) })),
  )
  const commit = await buildCommit(repo, { ...options, parent, files })
  const previous = await stageWorkTree(repo, options.paths)
  try {
    await moveBranch(repo, { branch, from: parent, to: commit, message: options.message, committer: options.committer })
  } catch (err) {
    await updateIndex(repo, previous)
    throw err
  }
  return { commit, branch, parent }
}

export interface BuildCommitOptions {
  parent: string | null
  /** Paths and their new content; null removes the path. */
  files: ReadonlyArray<{ path: string; content: Buffer | null }>
  message: string
  author: GitIdentity
  committer: GitIdentity
  /** Signs the commit (null or absent: unsigned). */
  signer?: CommitSigner | null
}

/**
 * Write the blobs, trees and commit of `parent`'s tree with `files` replaced, and
 * return the commit's id. Objects only: nothing a user or git can see changes.
 */
export async function buildCommit(repo: GitDir, options: BuildCommitOptions): Promise<string> {
  const { parent } = options
  const writer = new ObjectWriter(repo)
  let tree: TreeEntry[] = parent === null ? [] : await readTree(repo, decodeCommit((await readObject(repo, parent)).content).tree)
  for (const { path, content } of options.files) tree = await replacePath(repo, writer, tree, path.split('/'), content)
  const rootOid = writer.add('tree', encodeTree(tree))
  writer.retain(queuedReachable(writer, rootOid))
  const commit = await encodeSignedCommit(
    {
      tree: rootOid,
      parents: parent === null ? [] : [parent],
      author: options.author,
      committer: options.committer,
      message: options.message.endsWith('\n') ? options.message : `${options.message}\n`,
    },
    options.signer ?? null,
  )
  const commitOid = writer.add('commit', commit)
  await writer.flush()
  return commitOid
}

export interface MoveBranchOptions {
  branch: string
  from: string | null
  to: string
  /** The commit's message; its subject goes into the reflogs. */
  message: string
  committer: GitIdentity
}

/** Move `branch` from `from` to `to` by compare-and-swap, logging it (and HEAD's move) as `git commit` does. */
export async function moveBranch(repo: GitDir, options: MoveBranchOptions): Promise<void> {
  const { branch, from, to } = options
  const reflog = { message: `commit: ${options.message.split('\n')[0]}`, identity: formatIdentity(options.committer) }
  try {
    await updateRef(repo, branch, to, from, { reflog })
  } catch (err) {
    if (err instanceof GmrError && err.code === 'RefConflictError') {
      throw new BranchMovedError(`${branch} moved while gmr was committing to it; run the command again`, { branch })
    }
    throw err
  }
  // git logs HEAD's moves too when HEAD points at the branch that moved.
  if ((await readSymbolicRef(repo, 'HEAD')) === branch) {
    await repo.fs.append(`${repo.gitdir}/logs/HEAD`, `${from ?? ZERO_OID} ${to} ${reflog.identity}\t${reflog.message}\n`)
  }
}

/** The branch HEAD points at; a detached HEAD cannot take registry commits. */
export async function currentBranch(repo: Repo): Promise<string> {
  const branch = await readSymbolicRef(repo, 'HEAD')
  if (branch === null || !branch.startsWith('refs/heads/')) {
    throw new UnsupportedStateError('HEAD is detached: check out a branch first (git switch <branch>)')
  }
  return branch
}

async function readTree(repo: GitDir, oid: string): Promise<TreeEntry[]> {
  const object = await readObject(repo, oid)
  return decodeTree(object.content)
}

/** The queued objects `root` reaches through queued trees: what the commit needs written. */
function queuedReachable(writer: ObjectWriter, root: string): Set<string> {
  const reached = new Set<string>()
  const visit = (oid: string): void => {
    const object = writer.queued(oid)
    if (object === undefined || reached.has(oid)) return
    reached.add(oid)
    if (object.type === 'tree') for (const entry of decodeTree(Buffer.from(object.content))) visit(entry.oid)
  }
  visit(root)
  return reached
}

async function replacePath(
  repo: GitDir,
  writer: ObjectWriter,
  entries: TreeEntry[],
  parts: string[],
  content: Buffer | null,
): Promise<TreeEntry[]> {
  const [name, ...rest] = parts as [string, ...string[]]
  const others = entries.filter((entry) => entry.name !== name)
  const existing = entries.find((entry) => entry.name === name)
  if (rest.length === 0) {
    if (content === null) return others
    const mode = existing?.mode === '100755' ? '100755' : '100644'
    return [...others, { mode, name, oid: writer.add('blob', content) }]
  }
  // An earlier path of the same commit may have rebuilt this folder: its tree is only queued yet.
  const queued = existing?.mode === '40000' ? writer.queued(existing.oid) : undefined
  const below = existing?.mode !== '40000' ? [] : queued ? decodeTree(Buffer.from(queued.content)) : await readTree(repo, existing.oid)
  const replaced = await replacePath(repo, writer, below, rest, content)
  if (replaced.length === 0) return others
  const encoded = encodeTree(replaced)
  return [...others, { mode: '40000', name, oid: writer.add('tree', encoded) }]
}
