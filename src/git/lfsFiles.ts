import { GitAttributes } from '../domain/gitattributes.js'
import { attributesDir, isAttributesPath } from '../domain/lfsAttributes.js'
import { lfsPointerProblem, parseLfsPointer, type LfsPointer } from '../domain/lfsPointer.js'
import { readObjectsWithGit } from './gitBinary.js'
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
  const marked = files.filter((file) => regular(file) && attributes.get(file.path, 'filter') === 'lfs')
  const contents = await readBlobs(repo, marked.map((file) => file.oid), cache)
  for (const [i, file] of marked.entries()) {
    const content = contents[i]!
    const pointer = parseLfsPointer(content)
    if (pointer) pointers.set(file.path, pointer)
    else {
      const problem = lfsPointerProblem(content)
      if (problem !== null) malformed.set(file.path, problem)
    }
  }
  return { pointers, malformed }
}

/** From this many blobs on, one `git cat-file --batch` (where git sees this repository) reads them faster than the pack reader one by one. */
const GIT_BATCH_FROM = 100

/** The contents of blobs, in the order asked: from git in one batch when there are many, else (or when git cannot answer) one by one. */
async function readBlobs(repo: GitDir, oids: readonly string[], cache: object): Promise<Buffer[]> {
  if (repo.binary !== undefined && oids.length >= GIT_BATCH_FROM) {
    const unique = [...new Set(oids)]
    const objects = await readObjectsWithGit(repo, repo.binary, unique)
    if (objects !== null && objects.every((object) => object.type === 'blob')) {
      const byOid = new Map(unique.map((oid, i) => [oid, objects[i]!.content]))
      return oids.map((oid) => byOid.get(oid)!)
    }
  }
  const contents: Buffer[] = []
  for (const oid of oids) contents.push((await readObject(repo, oid, { cache })).content)
  return contents
}
