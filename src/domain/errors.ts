/**
 * Every error a user can cause is a GmrError: a stable `code` (the class name), a
 * structured `data` field for scripts, and a message that stands alone and says what
 * to do next. The CLI prints the message as one line and exits 1.
 */
export class GmrError extends Error {
  readonly code: string
  readonly data: Record<string, unknown>

  constructor(message: string, data: Record<string, unknown> = {}) {
    super(message)
    this.code = new.target.name
    this.name = new.target.name
    this.data = data
  }
}

/** The current directory is not inside a git repository. */
export class NotAGitRepositoryError extends GmrError {}

/** The repository has not been made a registry with `gmr init`. */
export class NotARegistryError extends GmrError {}

/** `gmr init` in a repository that already is a registry. */
export class AlreadyARegistryError extends GmrError {}

/** A name, alias, tag or other identifier breaks the rules in schemas/. */
export class InvalidNameError extends GmrError {}

/** A `<name>[:<selector>]` reference that cannot be parsed. */
export class InvalidReferenceError extends GmrError {}

/** A name that is neither an artifact nor a registered model. */
export class UnknownNameError extends GmrError {}

/** A selector (vN, alias) that names no version. */
export class UnknownVersionError extends GmrError {}

/** A name that is already taken (names are one namespace). */
export class NameTakenError extends GmrError {}

/** A command about an artifact's versions was given a registered model's name. */
export class NotAnArtifactError extends GmrError {}

/** Input paths that are missing, empty, unreadable or of an unsupported kind. */
export class InvalidInputError extends GmrError {}

/** Metadata given with --metadata or --metadata-file that cannot be used. */
export class InvalidMetadataError extends GmrError {}

/** A manifest or config file that does not parse or breaks its schema. */
export class ManifestError extends GmrError {}

/** A tree entry or target path that would write outside the download folder. */
export class UnsafePathError extends GmrError {}

/** A download target that already holds other files. */
export class TargetNotEmptyError extends GmrError {}

/** A ref changed between reading it and updating it (lost compare-and-swap). */
export class RefConflictError extends GmrError {}

/** A registry write would build on state that breaks a rule of `gmr check` (a link to a missing commit, an alias naming no version, …). */
export class BrokenStateError extends GmrError {}

/** A protected alias was about to move on the registry branch without --force. */
export class ProtectedAliasError extends GmrError {}

/** A ref would point at an object that is missing, or of the wrong type (an alias or branch at a non-commit). */
export class RefTargetError extends GmrError {}

/** A ref's `.lock` file is held by another process for too long. */
export class RefLockedError extends GmrError {}

/** Something in the object store is not what git would accept. */
export class CorruptObjectError extends GmrError {}

/** The operation would need git state gmr cannot work with (detached HEAD, …). */
export class UnsupportedStateError extends GmrError {}

/** The repository's storage cannot be written: disk full, no permission, read-only. */
export class StorageError extends GmrError {}

/** A Git LFS object a version needs is not in `.git/lfs/objects`. */
export class MissingLfsObjectError extends GmrError {}
