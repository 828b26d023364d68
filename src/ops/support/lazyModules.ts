/**
 * The operations' lazy-load boundary: code that the read paths need only on a rare
 * branch, loaded when that branch is taken. Everything else in src/ops imports
 * statically (test/architecture.test.ts allows `import()` only here and in the few other
 * loader modules it names).
 *
 * Why: `gmr resolve`, `gmr versions`, `gmr models`, `gmr show` answer from the
 * manifest cache and the version index, so they never parse YAML. Loading the YAML
 * library (263 kB bundled) and the compiled manifest schemas (105 kB) regardless made
 * parsing that code the largest single item of `gmr resolve`'s CPU profile (see
 * docs/architecture.md, Start-up, for the measurements). A plain `gmr log` likewise
 * loads what only its flags need (`--metadata-file`, `--alias`) on first use.
 */

/**
 * Manifest parsing, validation and edits: the YAML library and the compiled schemas. For
 * a manifest text the cache has not seen, or a manifest that does not exist yet.
 */
export async function loadManifests() {
  return (await import('./rareReadPaths.js')).manifests
}

/** `registry/registry.yaml`'s parser (the YAML library): only operations that read a setting load it. */
export async function loadRegistryConfigParser() {
  return (await import('./rareReadPaths.js')).registryConfig
}

/** Finishing an edit a killed process left (index, commits, refs, the journal): only when a journal is there. */
export async function loadEditRecovery() {
  return (await import('./rareReadPaths.js')).recoverIfInterrupted
}

/** The retired-name record's parser (`registry/retired.yaml`, the YAML library): only to explain a name that is not there. */
export async function loadRetiredParser() {
  return (await import('./rareReadPaths.js')).retired
}

/** `--metadata-file`'s parser (the YAML library): only a log or a link given a metadata file loads it. */
export async function loadMetadataParser() {
  return (await import('./rareReadPaths.js')).metadata
}

/**
 * What `gmr log --alias` adds to a log: setting the alias (the compiled schemas, the
 * registry edit) and the soundness check of the manifest it edits (the check rules).
 */
export async function loadAliasEdits() {
  const { setAlias, assertSoundEdits } = await import('./rareReadPaths.js')
  return { setAlias, assertSoundEdits }
}

/** The yaml library's version-message writer: only for a message beyond the plain shape (a float, a list, quoted text, a name that starts with a digit). */
export async function loadVersionMessageWriter() {
  return (await import('./rareReadPaths.js')).formatVersionMessage
}
