import { parseReference } from '../domain/reference.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { ManifestStore } from './support/manifestStore.js'
import { resolveReference, type ResolvedVersion } from './support/resolveReference.js'
import { additionsOf } from './support/versionAdditions.js'

export type { ResolvedVersion }

export interface ResolveOptions extends RepoOptions {
  ref: string
}

export async function resolve(options: ResolveOptions): Promise<ResolvedVersion> {
  const reference = parseReference(options.ref)
  const { repo } = await openRegistryContext(options)
  const store = new ManifestStore(repo)
  const resolved = await resolveReference(repo, reference, store)
  return { ...resolved, additions: await additionsOf(store, resolved) }
}
