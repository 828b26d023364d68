import { NameTakenError, UnknownNameError, type GmrError } from '../../domain/errors.js'
import { ARTIFACT_BRANCH_PREFIX, artifactRef, manifestDir, manifestPath, type NameKind } from '../../domain/layout.js'
import { listRefs, readRef } from '../../git/refs.js'
import type { Repo } from '../../git/repo.js'
import { retiredNameError } from './retiredLookup.js'

async function manifestNames(repo: Repo, kind: NameKind): Promise<string[]> {
  const dir = `${repo.dir}/${manifestDir(kind)}`
  const names = (await repo.fs.readdir(dir)) ?? []
  return names.filter((name) => name.endsWith('.yaml')).map((name) => name.slice(0, -'.yaml'.length))
}

/** Artifact names: those with a branch (logged) and those with a manifest (created). */
export async function listArtifactNames(repo: Repo): Promise<string[]> {
  const branches = [...(await listRefs(repo, ARTIFACT_BRANCH_PREFIX)).keys()].map((ref) =>
    ref.slice(ARTIFACT_BRANCH_PREFIX.length),
  )
  return [...new Set([...branches, ...(await manifestNames(repo, 'artifact'))])].sort()
}

async function listModelNames(repo: Repo): Promise<string[]> {
  return (await manifestNames(repo, 'model')).sort()
}

/** What a name is, in the one namespace artifacts and models share. */
export async function kindOfName(repo: Repo, name: string): Promise<NameKind | null> {
  if (await repo.fs.exists(`${repo.dir}/${manifestPath('model', name)}`)) return 'model'
  if (await repo.fs.exists(`${repo.dir}/${manifestPath('artifact', name)}`)) return 'artifact'
  if ((await readRef(repo, artifactRef(name))) !== null) return 'artifact'
  return null
}

/** Refuse a name that already means something else. */
export async function assertNameFree(repo: Repo, name: string, wanted: NameKind): Promise<void> {
  const kind = await kindOfName(repo, name)
  if (kind !== null && kind !== wanted) {
    throw new NameTakenError(
      `"${name}" is already a ${kind === 'model' ? 'registered model' : 'model artifact'}; artifacts and registered models share one namespace, so pick another name`,
      { name, kind },
    )
  }
}

/** An error for a name that is nothing: when it was retired, who retired it and where; else what does exist. */
export async function unknownName(repo: Repo, name: string): Promise<GmrError> {
  const retired = await retiredNameError(repo, name)
  if (retired !== null) return retired
  const names = [...(await listArtifactNames(repo)), ...(await listModelNames(repo))].sort()
  return new UnknownNameError(
    `no artifact or registered model named "${name}"; ${describeChoices(names, 'names')}`,
    { name, known: names },
  )
}

/** "known names: a, b, c (and 12 more)" or "there are none yet". */
/** A model that is not there: retired (when, by whom, why), or never registered. */
export async function missingModel(repo: Repo, model: string): Promise<GmrError> {
  return (await retiredNameError(repo, model)) ?? new UnknownNameError(`no registered model named "${model}"; see "gmr models"`, { name: model })
}

export function describeChoices(items: readonly string[], what: string, limit = 10): string {
  if (items.length === 0) return `there are no ${what} yet`
  const shown = items.slice(0, limit).join(', ')
  return `known ${what}: ${shown}${items.length > limit ? ` (and ${items.length - limit} more)` : ''}`
}
