import { artifactRef } from '../domain/layout.js'
import { readRef } from '../git/refs.js'
import { VERSION_INDEX_FORMAT } from '../git/versionIndex.js'
import { artifactRepo, artifactVersions, type ListVersionsOptions, type ListVersionsResult } from './support/artifactVersions.js'
import { ManifestStore } from './support/manifestStore.js'
import { readRendered, renderKey, writeRendered } from './support/renderCache.js'
import { versionAdditions } from './support/versionAdditions.js'

/** How a caller prints an artifact's versions. */
export interface VersionsRendering {
  /** Names the printed form (`json`, `text`): each form is kept apart. */
  form: string
  /** Changes whenever the printed form may: gmr's version and the form's own number, say. */
  version: string
  /** The output as bytes (UTF-8). */
  render(result: ListVersionsResult): Buffer
}

/**
 * `listVersions` printed by `rendering`, as bytes. The output is kept beside the version
 * index (support/renderCache.ts) under a key of the printed form, the index format, the
 * branch tip and the manifest's additions, so printing ten thousand versions again
 * reads one file instead of parsing the index and rendering each version. Any change
 * to what the output depends on changes the key; the output is then rendered anew and
 * kept again.
 */
export async function renderVersions(options: ListVersionsOptions, rendering: VersionsRendering): Promise<Buffer> {
  const repo = await artifactRepo(options)
  const { artifact } = options
  const store = new ManifestStore(repo)
  const name = `versions/${artifact}.${rendering.form}`
  // Whatever fails here fails again below, where listVersions meets it, in listVersions' order.
  const [tip, additions] = await Promise.all([readRef(repo, artifactRef(artifact)), versionAdditions(store, artifact)]).catch(() => [null, undefined] as const)
  const key = tip === null ? null : renderKey([rendering.form, rendering.version, `${VERSION_INDEX_FORMAT}`, artifact, tip, JSON.stringify(additions)])
  const kept = key === null ? null : await readRendered(repo, name, key)
  if (kept !== null) return kept
  const result = await artifactVersions(repo, artifact, store, additions)
  const bytes = rendering.render(result)
  // Kept only when the branch did not move between the two reads: the key names the tip the output shows.
  if (key !== null && result.tip === tip) await writeRendered(repo, name, key, bytes)
  return bytes
}
