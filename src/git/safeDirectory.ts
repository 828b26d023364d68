import { DubiousOwnershipError } from '../domain/errors.js'
import { commandLineConfig, dubiousOwnershipMessage, safeDirectoryAllows } from '../domain/safeDirectory.js'
import { globalConfigFiles, readConfigFiles, systemConfigFiles, type Env } from './config.js'
import type { FileSystem } from './fs.js'

export interface OwnedPaths {
  /** The work tree's top folder (none for a bare repository). */
  worktree?: string
  gitdir: string
  /** The `.git` file that pointed at `gitdir` (worktrees, submodules). */
  gitfile?: string
}

/**
 * Refuse a repository owned by another user, as git does since 2.35.2: every path of it
 * must belong to this user (root counts as `SUDO_UID` under sudo) unless `safe.directory`
 * in system, global or command-line config allows its top folder. Repository config is
 * not consulted: the repository's owner could write it.
 */
export async function assertSafeDirectory(fs: FileSystem, paths: OwnedPaths, env: Env): Promise<void> {
  const uid = currentUid(env)
  if (uid === null) return
  const owned = async (path: string | undefined) => {
    if (path === undefined) return true
    const st = (await fs.lstat(path)) as { uid?: number } | null
    return st === null || st.uid === undefined || st.uid === uid
  }
  if ((await owned(paths.gitfile)) && (await owned(paths.worktree)) && (await owned(paths.gitdir))) return
  const top = await fs.realpath(paths.worktree ?? paths.gitdir)
  const config = await readConfigFiles(fs, [...systemConfigFiles(env), ...globalConfigFiles(env)])
  const values = [...(config.get('safe.directory') ?? []), ...commandLineConfig(env).filter(([k]) => k === 'safe.directory').map(([, v]) => v)]
  if (safeDirectoryAllows(values, top, env.HOME)) return
  throw new DubiousOwnershipError(dubiousOwnershipMessage(top), { dir: top })
}

/** The user git compares owners with: the effective uid, or under sudo the user who ran it. */
function currentUid(env: Env): number | null {
  const euid = process.geteuid?.()
  if (euid === undefined) return null
  if (euid === 0 && env.SUDO_UID !== undefined && /^\d+$/.test(env.SUDO_UID)) return Number(env.SUDO_UID)
  return euid
}
