import { VerificationFailedError } from '../domain/errors.js'
import type { ModelYaml } from '../domain/manifests.js'
import { parseReference } from '../domain/reference.js'
import { hashFile, LfsStore } from '../git/lfsStore.js'
import { findLfsFiles } from '../git/lfsFiles.js'
import { hashObject, readObject, type ReadObjectResult } from '../git/objects.js'
import { walkTree } from '../git/treeWalk.js'
import { checkSignature, type SignatureCheck } from './support/commitTrust.js'
import { openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import { manifestTimeline } from './support/manifestTimeline.js'
import { resolveReference, type ResolvedVersion } from './support/resolveReference.js'

export type { SignatureCheck }

export interface VerifyOptions extends RepoOptions {
  ref: string
}

/** A manifest commit on the registry branch that made the reference mean this version. */
export interface RegistryCommitCheck {
  role: 'link' | 'alias'
  /** The alias, for role alias. */
  alias?: string
  signature: SignatureCheck
}

/** The version verified (as `resolve` pins it), and what each check found. */
export interface VerifyResult extends ResolvedVersion {
  signature: SignatureCheck
  /** Every object of the version's tree, read and hashed again. */
  objectCount: number
  /** Every Git LFS object the version needs, hashed again in .git/lfs/objects. */
  largeFileCount: number
  largeFileBytes: number
  /** For a registered model: the commits that linked the version and last moved the alias. */
  registryCommits: RegistryCommitCheck[]
  /** One line per problem; empty when everything verified. */
  problems: string[]
}

/**
 * Prove that a version is what was reviewed: the version commit's signature against
 * git's configured trust (`git verify-commit`: gpg.ssh.allowedSignersFile or the
 * keyring), every object of its tree hashed again, every large file's SHA-256 and size
 * checked in the LFS store; for a registered model also the signatures of the registry
 * commits that linked the version and that last moved the alias. Problems are collected,
 * not thrown: the result names each one.
 */
export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const reference = parseReference(options.ref)
  const ctx = await openRegistryContext(options)
  const { repo, env } = ctx
  const resolved = await resolveReference(repo, reference)
  const problems: string[] = []

  const signature = await checkSignature(repo, env, resolved.commit)
  if (signature.status !== 'good') problems.push(describeSignatureProblem(`version commit of ${resolved.artifact}:v${resolved.artifactVersion}`, signature))

  // Every object of the tree is read once and hashed again as the walk reads it.
  const cache = {}
  let objectCount = 0
  const rehash = async (oid: string): Promise<ReadObjectResult> => {
    const object = await readObject(repo, oid, { cache })
    objectCount++
    const actual = hashObject(object.type, object.content)
    if (actual !== oid) problems.push(`object ${oid} hashes to ${actual}: the object store is damaged; run git fsck`)
    return object
  }
  const walked = await walkTree(repo, resolved.record.tree, cache, rehash)
  for (const file of walked.files) if (file.mode !== '160000') await rehash(file.oid)
  for (const shape of walked.problems) problems.push(`${shape.path}: ${shape.reason} (git fsck: ${shape.rule})`)
  let largeFileCount = 0
  let largeFileBytes = 0
  const { pointers, malformed } = await findLfsFiles(repo, walked.files, cache)
  for (const [path, why] of malformed) problems.push(`${path}: stored in Git LFS but its pointer is malformed (${why})`)
  const store = new LfsStore(repo)
  for (const [path, pointer] of pointers) {
    const stored = store.objectPath(pointer.oid)
    if (!(await repo.fs.exists(stored))) {
      problems.push(`${path}: Git LFS object ${pointer.oid} is not in .git/lfs/objects; fetch it (gmr download or git lfs fetch) and verify again`)
      continue
    }
    const { pointer: actual } = await hashFile(repo, stored)
    if (actual.oid !== pointer.oid || actual.size !== pointer.size) {
      problems.push(
        `${path}: the stored Git LFS object does not match the version's pointer (sha256 ${actual.oid}, ${actual.size} bytes; expected ${pointer.oid}, ${pointer.size} bytes); delete ${stored} and fetch it again`,
      )
      continue
    }
    largeFileCount++
    largeFileBytes += pointer.size
  }

  const registryCommits: RegistryCommitCheck[] = []
  if (resolved.kind === 'model') {
    const selector = reference.selector.kind === 'alias' ? reference.selector.alias : undefined
    for (const found of await registryCommitsOf(ctx, resolved.name, resolved.version, selector, problems)) {
      const check = await checkSignature(repo, env, found.commit)
      registryCommits.push({ role: found.role, ...(found.alias !== undefined && { alias: found.alias }), signature: check })
      const what = found.role === 'link' ? `registry commit that linked ${resolved.name}:v${resolved.version}` : `registry commit that moved ${resolved.name}:${found.alias}`
      if (check.status !== 'good') problems.push(describeSignatureProblem(what, check))
    }
  }

  return {
    ...resolved,
    signature,
    objectCount,
    largeFileCount,
    largeFileBytes,
    registryCommits,
    problems,
  }
}

/**
 * `verify`, refusing when anything did not verify: one line naming the first problem
 * (what `gmr verify` and `gmr download --verify` say).
 */
export async function assertVerified(options: VerifyOptions): Promise<VerifyResult> {
  const result = await verify(options)
  if (result.problems.length === 0) return result
  throw verificationFailure(result, '')
}

/** The error for a result with problems; `listed` is said after the count when they were printed too. */
export function verificationFailure(result: VerifyResult, listed: string): VerificationFailedError {
  const count = result.problems.length
  const more = count > 1 ? ` (and ${count - 1} more problem${count > 2 ? 's' : ''}${listed})` : ''
  return new VerificationFailedError(`${result.reference} does not verify: ${result.problems[0]}${more}`, { problems: result.problems })
}

function describeSignatureProblem(what: string, check: SignatureCheck): string {
  const short = check.commit.slice(0, 10)
  if (check.status === 'unsigned') return `the ${what} (${short}) is not signed`
  return `the ${what} (${short}) has a signature git does not accept: ${check.detail}`
}

/**
 * The registry-branch commits behind a model reference: the one that added link
 * `version`, and for an alias the last one that moved it to that link.
 */
async function registryCommitsOf(
  ctx: RegistryContext,
  name: string,
  version: number,
  alias: string | undefined,
  problems: string[],
): Promise<Array<{ role: 'link' | 'alias'; alias?: string; commit: string }>> {
  const { states } = await manifestTimeline(ctx, name)
  const found: Array<{ role: 'link' | 'alias'; alias?: string; commit: string }> = []
  const models = states.filter((s) => s.kind === 'model')
  const linked = models.find((s) => (s.data as ModelYaml | null)?.versions?.some((link) => link.version === version))
  if (linked) found.push({ role: 'link', commit: linked.entry.commit })
  else problems.push(`link v${version} of ${name} is not on the registry branch yet; verify after it is merged`)
  if (alias !== undefined) {
    let moved: string | undefined
    let previous: number | undefined
    for (const state of models) {
      const now = (state.data as ModelYaml | null)?.aliases?.[alias]
      if (now !== previous && now === version) moved = state.entry.commit
      previous = now
    }
    if (moved) found.push({ role: 'alias', alias, commit: moved })
    else problems.push(`alias ${alias} of ${name} does not name v${version} on the registry branch; run gmr sync or merge the change first`)
  }
  return found
}
