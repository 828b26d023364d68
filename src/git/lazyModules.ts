/**
 * The git layer's lazy-load boundary: libraries and readers that only some paths need,
 * loaded when that path is taken. Everything else in src/git imports statically
 * (test/architecture.test.ts allows `import()` only here and in the few other loader
 * modules it names).
 *
 * Why: a lookup whose indexes are current reads a few files and answers; isomorphic-git
 * (hundreds of kB, outside the CLI bundle), the YAML library behind the full version-
 * message reader and the bare-repository overlay would each cost it more than the lookup
 * itself. (Node's child_process loads the same way, in src/git/gitBinary.ts: the one
 * module allowed to start git.)
 */
import type * as IsomorphicGit from 'isomorphic-git'

/** isomorphic-git: the HTTP transport on machines without git, merge bases, abbreviated commit ids. */
export function loadIsomorphicGit(): Promise<typeof IsomorphicGit> {
  return import('isomorphic-git')
}

/** A bare repository's read-only view of the registry branch (servers, mirrors). */
export async function loadBareRepoReader() {
  return (await import('./rareReadPaths.js')).openBareRepo
}

/** The full version-message reader (the YAML library), for a message the plain reader is not sure of. */
export async function loadVersionMessageReader() {
  return (await import('./rareReadPaths.js')).readVersionMessage
}
