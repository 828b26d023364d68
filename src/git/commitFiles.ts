import { GmrError, UnsupportedStateError } from '../domain/errors.js'
import { decodeCommit, encodeCommit, formatIdentity, type GitIdentity } from './commit.js'
import { ObjectWriter, readObject } from './objects.js'
import { readRef, readSymbolicRef, updateRef, ZERO_OID } from './refs.js'
import type { Repo } from './repo.js'
import { decodeTree, encodeTree, type TreeEntry } from './tree.js'

export interface CommitFilesOptions {
  /** Work-tree paths to commit as they are on disk now; a missing file is removed. */
  paths: readonly string[]
  message: string
  author: GitIdentity
  committer: GitIdentity
}

export interface CommitFilesResult {
  commit: string
  /** The branch that moved, e.g. `refs/heads/main`. */
  branch: string
  parent: string | null
}

/** The branch moved under a command that was committing to it. */
export class BranchMovedError extends GmrError {}

/**
 * Commit exactly `paths`, on top of HEAD, as they are in the work tree; nothing else
 * the user has staged or changed goes into the commit or leaves the index. The commit
 * is built from objects (HEAD's tree with these paths replaced), the branch moves by
 * compare-and-swap, and only these paths' index entries are refreshed afterwards.
 */
export async function commitFiles(repo: Repo, options: CommitFilesOptions): Promise<CommitFilesResult> {
  const branch = await currentBranch(repo)
  if (await repo.fs.exists(`${repo.gitdir}/index.lock`)) {
    throw new UnsupportedStateError(
      `${repo.gitdir}/index.lock exists: another git process is running; wait for it (or remove the file if it crashed) and run again`,
    )
  }
  const parent = await readRef(repo, branch)
  const writer = new ObjectWriter(repo)
  let tree: TreeEntry[] = parent === null ? [] : await readTree(repo, decodeCommit((await readObject(repo, parent)).content).tree)
  for (const path of options.paths) {
    const content = await repo.fs.read(`${repo.dir}/${path}`)
    tree = await replacePath(repo, writer, tree, path.split('/'), content)
  }
  const rootOid = writer.add('tree', encodeTree(tree))
  const commit = encodeCommit({
    tree: rootOid,
    parents: parent === null ? [] : [parent],
    author: options.author,
    committer: options.committer,
    message: options.message.endsWith('\n') ? options.message : `${options.message}\n`,
  })
  const commitOid = writer.add('commit', commit)
  await writer.flush()
  const reflog = { message: `commit: ${options.message.split('\n')[0]}`, identity: formatIdentity(options.committer) }
  try {
    await updateRef(repo, branch, commitOid, parent, { reflog })
  } catch (err) {
    if (err instanceof GmrError && err.code === 'RefConflictError') {
      throw new BranchMovedError(`${branch} moved while gmr was committing to it; run the command again`, { branch })
    }
    throw err
  }
  // git logs HEAD's moves too when HEAD points at the branch that moved.
  await repo.fs.append(
    `${repo.gitdir}/logs/HEAD`,
    `${parent ?? ZERO_OID} ${commitOid} ${reflog.identity}\t${reflog.message}\n`,
  )
  await refreshIndex(repo, options.paths)
  return { commit: commitOid, branch, parent }
}

/** The branch HEAD points at; a detached HEAD cannot take registry commits. */
export async function currentBranch(repo: Repo): Promise<string> {
  const branch = await readSymbolicRef(repo, 'HEAD')
  if (branch === null || !branch.startsWith('refs/heads/')) {
    throw new UnsupportedStateError('HEAD is detached: check out a branch first (git switch <branch>)')
  }
  return branch
}

async function readTree(repo: Repo, oid: string): Promise<TreeEntry[]> {
  const object = await readObject(repo, oid)
  return decodeTree(object.content)
}

async function replacePath(
  repo: Repo,
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
  const below = existing?.mode === '40000' ? await readTree(repo, existing.oid) : []
  const replaced = await replacePath(repo, writer, below, rest, content)
  if (replaced.length === 0) return others
  const encoded = encodeTree(replaced)
  return [...others, { mode: '40000', name, oid: writer.add('tree', encoded) }]
}

/** Bring the index entries of `paths` in line with the commit, leaving every other entry alone. */
async function refreshIndex(repo: Repo, paths: readonly string[]): Promise<void> {
  const git = await import('isomorphic-git')
  for (const filepath of paths) {
    const present = await repo.fs.exists(`${repo.dir}/${filepath}`)
    if (present) await git.add({ fs: repo.fs.client, dir: repo.dir, gitdir: repo.gitdir, filepath, force: true })
    else await git.remove({ fs: repo.fs.client, dir: repo.dir, gitdir: repo.gitdir, filepath })
  }
}

