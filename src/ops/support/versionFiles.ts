import { sha256Hex } from '../../git/sha256.js'
import { findLfsPointers } from '../../git/lfsFiles.js'
import { readObject, type ReadObjectResult } from '../../git/objects.js'
import type { Repo } from '../../git/repo.js'
import { listTreeFiles } from '../../git/treeWalk.js'

/** A file of a version as `gmr show` lists it. */
export interface VersionFile {
  path: string
  /** `file`, `executable` or `symlink`. */
  kind: 'file' | 'executable' | 'symlink' | 'submodule'
  /** Bytes; for a file in Git LFS, the size its pointer records. */
  size: number
  /** The blob in the tree (for a file in Git LFS, its pointer's). */
  oid: string
  /** Whether the file is stored in Git LFS. */
  lfs: boolean
  /** The SHA-256 of a file in Git LFS. */
  lfsOid?: string
  /**
   * The SHA-256 of the file's bytes, as `sha256sum` prints it: from the pointer for a file
   * in Git LFS (nothing downloaded), else of the blob (for a symlink, its target path);
   * null for a submodule link, which has no bytes here.
   */
  sha256: string | null
}

const KINDS = { '100644': 'file', '100755': 'executable', '120000': 'symlink', '160000': 'submodule' } as const

/** What a tree entry's mode makes of a file. */
export function fileKindOf(mode: string): VersionFile['kind'] {
  return KINDS[mode as keyof typeof KINDS] ?? 'file'
}

/** How `versionFiles` reads objects: an object cache, and a reader that may be a bulk one (PackedObjects). */
export interface ObjectSource {
  cache: object
  read(oid: string): Promise<ReadObjectResult>
}

/** A version's files; an operation reading many versions passes one shared `objects`. */
export async function versionFiles(repo: Repo, tree: string, objects?: ObjectSource): Promise<VersionFile[]> {
  const cache = objects?.cache ?? {}
  const read = objects?.read ?? ((oid: string) => readObject(repo, oid, { cache }))
  const out: VersionFile[] = []
  const files = await listTreeFiles(repo, tree, cache, read)
  const pointers = await findLfsPointers(repo, files, cache)
  for (const file of files) {
    const kind = fileKindOf(file.mode)
    const pointer = pointers.get(file.path)
    if (pointer) {
      out.push({ path: file.path, kind, size: pointer.size, oid: file.oid, lfs: true, lfsOid: pointer.oid, sha256: pointer.oid })
      continue
    }
    if (kind === 'submodule') {
      out.push({ path: file.path, kind, size: 0, oid: file.oid, lfs: false, sha256: null })
      continue
    }
    const { content } = await read(file.oid)
    out.push({ path: file.path, kind, size: content.length, oid: file.oid, lfs: false, sha256: sha256Hex(content) })
  }
  return out
}
