import { artifactRef } from '../domain/layout.js'
import { readRef } from '../git/refs.js'
import { VERSION_INDEX_FORMAT, type StartedWalk } from '../git/versionIndex.js'
import { artifactRepo, artifactVersions, type ListVersionsOptions, type ListVersionsResult } from './support/artifactVersions.js'
import { ManifestStore } from './support/manifestStore.js'
import { keepRendered, readRendered, renderKey } from './support/renderCache.js'
import { versionAdditions } from './support/versionAdditions.js'

/** How a caller prints an artifact's versions. */
export interface VersionsRendering {
  /** Names the printed form (`json`, `text`): each form is kept apart. */
  form: string
  /** Changes whenever the printed form may: gmr's version and the form's own number, say. */
  version: string
  /** The output as bytes (UTF-8), in pieces made one after the other (a generator, say): each is printed and kept before the next is asked for. */
  render(result: ListVersionsResult): Iterable<Buffer>
}

/**
 * `listVersions` printed by `rendering`, each piece handed to `write` as it is made. The
 * output is kept beside the version index (support/renderCache.ts) under a key of the
 * printed form, the index format, the branch tip and the manifest's additions, so
 * printing ten thousand versions again reads one file instead of parsing the index and
 * rendering each version. Any change to what the output depends on changes the key; the
 * output is then rendered anew, printed and kept in the same pass, never whole in memory.
 * `started`: a walk of the artifact's chain that git began at start-up, used if it fits
 * (the caller stops it afterwards either way).
 */
export async function writeVersions(
  options: ListVersionsOptions,
  rendering: VersionsRendering,
  write: (bytes: Buffer) => void,
  started?: StartedWalk,
): Promise<void> {
  const repo = await artifactRepo(options)
  const { artifact } = options
  const store = new ManifestStore(repo)
  const name = `versions/${artifact}.${rendering.form}`
  // Whatever fails here fails again below, where listVersions meets it, in listVersions' order.
  const [tip, additions] = await Promise.all([readRef(repo, artifactRef(artifact)), versionAdditions(store, artifact)]).catch(() => [null, undefined] as const)
  const key = tip === null ? null : renderKey([rendering.form, rendering.version, `${VERSION_INDEX_FORMAT}`, artifact, tip, JSON.stringify(additions)])
  const kept = key === null ? null : await readRendered(repo, name, key)
  if (kept !== null) return write(kept)
  const result = await artifactVersions(repo, artifact, store, additions, started)
  // Kept only when the branch did not move between the two reads: the key names the tip the output shows.
  const keeper = key !== null && result.tip === tip ? await keepRendered(repo, name, key) : null
  // Each piece is kept while the next one is rendered: the disk's write runs beside the rendering, one at a time and in order.
  let keeping: Promise<void> | undefined
  try {
    for (const piece of rendering.render(result)) {
      write(piece)
      await keeping
      keeping = keeper?.write(piece)
    }
    await keeping
    await keeper?.finish()
  } catch (err) {
    // A write still under way ends before the file is abandoned; the error that stopped the listing is the one to report.
    await keeping?.catch(() => undefined)
    await keeper?.abandon()
    throw err
  }
}

/** `writeVersions` as one buffer, for a caller that wants the bytes rather than to print them. */
export async function renderVersions(options: ListVersionsOptions, rendering: VersionsRendering): Promise<Buffer> {
  const pieces: Buffer[] = []
  await writeVersions(options, rendering, (piece) => pieces.push(piece))
  return Buffer.concat(pieces)
}
