import { RetiredNameReuseError } from '../../domain/errors.js'
import { artifactRef, type NameKind } from '../../domain/layout.js'
import { readRef } from '../../git/refs.js'
import type { Repo } from '../../git/repo.js'
import { retiredNameError } from './retiredLookup.js'

/**
 * Refuse to create a model or artifact under a name registry/retired.yaml records as
 * removed or renamed, unless `reuse` (`--reuse-retired-name`): deployments and scripts
 * that still ask for the name would otherwise get something new instead of being told
 * it was retired. Artifacts and models share one namespace, so a retirement of either
 * kind counts. The record stays; reusing the name only adds a manifest or branch.
 */
export async function assertNameNotRetired(repo: Repo, name: string, kind: NameKind, reuse: boolean | undefined): Promise<void> {
  if (reuse) return
  // Logging to an artifact that exists creates nothing: the common path reads one ref.
  if (kind === 'artifact' && (await readRef(repo, artifactRef(name))) !== null) return
  const retired = await retiredNameError(repo, name)
  if (retired === null) return
  const what = kind === 'model' ? 'registered model' : 'artifact'
  throw new RetiredNameReuseError(
    `cannot create ${what} ${name}: ${retired.message}; to use the name again anyway, pass --reuse-retired-name (registry/retired.yaml keeps the record)`,
    { ...retired.data, name, wanted: kind },
  )
}
