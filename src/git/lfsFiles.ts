import { GitAttributes } from '../domain/gitattributes.js'
import { attributesDir, isAttributesPath } from '../domain/lfsAttributes.js'
import { lfsPointerProblem, parseLfsPointer, type LfsPointer } from '../domain/lfsPointer.js'
import { readObject } from './objects.js'
import type { GitDir } from './repo.js'
import type { TreeFile } from './treeWalk.js'

/**
 * The files of a tree that git with git-lfs checks out from the LFS store: those the
 * tree's `.gitattributes` mark `filter=lfs` whose blob is a pointer. A pointer blob
 * without the attribute is checked out as the pointer text, and a non-pointer blob with
 * it as itself, as git-lfs's smudge filter does; gmr does the same.
 */
export async function findLfsPointers(
  repo: GitDir,
  files: readonly TreeFile[],
  cache: object = {},
): Promise<Map<string, LfsPointer>> {
  return (await findLfsFiles(repo, files, cache)).pointers
}

/**
 * The LFS pointers of a tree's files, and the files under an LFS attribute whose blob
 * announces itself as a pointer but is malformed (path -> why), which must be refused.
 */
export async function findLfsFiles(
  repo: GitDir,
  files: readonly TreeFile[],
  cache: object = {},
): Promise<{ pointers: Map<string, LfsPointer>; malformed: Map<string, string> }> {
  const regular = (file: TreeFile) => file.mode === '100644' || file.mode === '100755'
  const attributeFiles = files.filter((f) => regular(f) && isAttributesPath(f.path))
  const pointers = new Map<string, LfsPointer>()
  const malformed = new Map<string, string>()
  if (attributeFiles.length === 0) return { pointers, malformed }
  const attributes = new GitAttributes(
    await Promise.all(
      attributeFiles.map(async (file) => ({
        dir: attributesDir(file.path),
        text: (await readObject(repo, file.oid, { cache })).content.toString('utf8'),
      })),
    ),
  )
  for (const file of files) {
    if (!regular(file) || attributes.get(file.path, 'filter') !== 'lfs') continue
    const content = (await readObject(repo, file.oid, { cache })).content
    const pointer = parseLfsPointer(content)
    if (pointer) pointers.set(file.path, pointer)
    else {
      const problem = lfsPointerProblem(content)
      if (problem !== null) malformed.set(file.path, problem)
    }
  }
  return { pointers, malformed }
}
