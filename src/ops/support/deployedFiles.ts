import type { LfsPointer } from '../../domain/lfsPointer.js'
import { readObject } from '../../git/objects.js'
import type { GitDir } from '../../git/repo.js'
import { sha256Hex } from '../../git/sha256.js'
import type { TreeFile } from '../../git/treeWalk.js'
import { fileKindOf, type VersionFile } from './versionFiles.js'

/** A file as a download writes it. */
export interface DeployedFile extends TreeFile {
  /** Set for a file checked out from the Git LFS store. */
  pointer?: LfsPointer
  /** What to write instead of the blob (a `.gitattributes` without gmr's lines); `oid` is then its hash. */
  content?: Buffer
}

/**
 * Deployed files as `gmr show` lists a version's files, in path order: the SHA-256 of a
 * file in Git LFS from its pointer (nothing read), of any other file from its bytes.
 */
export async function describeDeployedFiles(repo: GitDir, files: readonly DeployedFile[]): Promise<VersionFile[]> {
  const cache = {}
  const out: VersionFile[] = []
  for (const file of files) {
    const kind = fileKindOf(file.mode)
    if (file.pointer) {
      const { oid, size } = file.pointer
      out.push({ path: file.path, kind, size, oid: file.oid, lfs: true, lfsOid: oid, sha256: oid })
      continue
    }
    const content = file.content ?? (await readObject(repo, file.oid, { cache })).content
    out.push({ path: file.path, kind, size: content.length, oid: file.oid, lfs: false, sha256: sha256Hex(content) })
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
