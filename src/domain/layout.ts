import { isObjectId } from './objectId.js'

/**
 * Where things live in a registry (docs/storage-format.md). A module of its own so that the
 * paths can be known without loading the YAML library behind the manifest modules.
 */
export const REGISTRY_DIR = 'registry'
export const REGISTRY_FILE = `${REGISTRY_DIR}/registry.yaml`
/** The journal of a registry edit in progress, inside the git directory. */
export const EDIT_JOURNAL_FILE = 'gmr/edit.json'
/** The journal of alias ref moves outside a manifest edit (`gmr sync`, `gmr pull`), under the git directory. */
export const ALIAS_MOVES_JOURNAL_FILE = 'gmr/alias-moves.json'
export const ARTIFACT_BRANCH_PREFIX = 'refs/heads/artifacts/'
export const ALIAS_REF_PREFIX = 'refs/aliases/'

export type NameKind = 'artifact' | 'model'

export function manifestDir(kind: NameKind): string {
  return `${REGISTRY_DIR}/${kind === 'artifact' ? 'artifacts' : 'models'}`
}

export function manifestPath(kind: NameKind, name: string): string {
  return `${manifestDir(kind)}/${name}.yaml`
}

export function artifactRef(artifact: string): string {
  return `${ARTIFACT_BRANCH_PREFIX}${artifact}`
}

export function aliasRef(name: string, alias: string): string {
  return `${ALIAS_REF_PREFIX}${name}/${alias}`
}

/** The record of every registered model and artifact removed or renamed (docs/storage-format.md). */
export const RETIRED_FILE = `${REGISTRY_DIR}/retired.yaml`
/** Where a removed artifact's branch is kept, so that none of its commits becomes unreachable. */
export const RETIRED_ARTIFACT_PREFIX = 'refs/gmr/retired/artifacts/'

/** One ref per branch tip retired, so a name removed, created again and removed again loses nothing. */
export function retiredArtifactRef(artifact: string, tip: string): string {
  return `${RETIRED_ARTIFACT_PREFIX}${artifact}/${tip}`
}

/** `{artifact, tip}` of a ref retiredArtifactRef wrote; null for any other ref. */
export function parseRetiredArtifactRef(ref: string): { artifact: string; tip: string } | null {
  if (!ref.startsWith(RETIRED_ARTIFACT_PREFIX)) return null
  const rest = ref.slice(RETIRED_ARTIFACT_PREFIX.length)
  const slash = rest.lastIndexOf('/')
  const tip = rest.slice(slash + 1)
  return slash > 0 && isObjectId(tip) ? { artifact: rest.slice(0, slash), tip } : null
}
