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

/** An object the repository should hold is not there (not fetched, a shallow clone's cut history); absent, not damaged. */
export class MissingObjectError extends GmrError {}

/** The operation would need git state gmr cannot work with (detached HEAD, …). */
export class UnsupportedStateError extends GmrError {}

/** The repository's storage cannot be written: disk full, no permission, read-only. */
export class StorageError extends GmrError {}

/** A Git LFS object a version needs is not in `.git/lfs/objects`. */
export class MissingLfsObjectError extends GmrError {}

/** The remote refused who we are (401/403, no usable credentials). */
export class RemoteAuthError extends GmrError {}

/** No repository (or LFS object) at that address. */
export class RemoteNotFoundError extends GmrError {}

/** The host could not be reached, or the connection broke mid-transfer. */
export class RemoteTransferError extends GmrError {}

/** A push the remote (or a lease) refused; nothing moved there. */
export class PushRejectedError extends GmrError {}

/** An operation that needs the git binary, on a machine without one. */
export class GitMissingError extends GmrError {}

/** A remote URL gmr will not hand to any transport (an option in disguise, a remote helper such as `ext::`). */
export class RemoteUrlRefusedError extends GmrError {}

/** A remote stopped sending (or never answered) for longer than the configured timeout. */
export class RemoteStalledError extends GmrError {}

/** `gmr check` found errors; the findings were printed, this is the one line that ends it. */
export class CheckFailedError extends GmrError {}

/** Both sides changed the same manifest in ways that do not combine. */
export class MergeConflictError extends GmrError {}

/** Plain git changed the files or the branch between gmr's plan and its commit. */
export class ChangedDuringEditError extends GmrError {}

/** A manifest gmr is about to commit holds the user's own uncommitted changes. */
export class UncommittedManifestError extends GmrError {}

/** `gmr verify` found a problem; the result lists every one. */
export class VerificationFailedError extends GmrError {}

/** `.git/index.lock` stayed taken: another git process is using the index. */
export class IndexLockedError extends GmrError {}

/** A repository whose owner is not this user, and which no `safe.directory` lets through. */
export class DubiousOwnershipError extends NotAGitRepositoryError {}

/** Thrown when neither the environment nor git config says who is committing. */
export class MissingIdentityError extends GmrError {}

/** The branch moved under a command that was committing to it. */
export class BranchMovedError extends GmrError {}

/** Another gmr process held a registry lock for longer than we waited. */
export class RegistryLockedError extends GmrError {}

/** The signing program failed or did not produce a signature. */
export class SigningError extends GmrError {}

/** GitHub's REST API refused a request or answered something unexpected. */
export class GitHubApiError extends GmrError {}

/** An artifact branch breaks its shape; the message names the commit and the repair. */
export class BrokenHistoryError extends GmrError {}

/** git's signing configuration cannot be used as it stands. */
export class SigningConfigError extends GmrError {}

/** git would not fast-forward, merge or commit a pulled branch (local changes in the way, a failing hook); git's reason is in the message. */
export class MergeBlockedError extends GmrError {}

/** A git command gmr runs on a user's repository failed; git's own message is quoted. */
export class GitCommandError extends GmrError {}

/** A date in GIT_AUTHOR_DATE or GIT_COMMITTER_DATE in none of the formats git reads. */
export class InvalidDateError extends GmrError {}

/** A file system handed to the library lacks a call the operation needs (streams, say). */
export class UnsupportedFileSystemError extends GmrError {}

/** A registered model or artifact asked for was removed or renamed (registry/retired.yaml records it). */
export class RetiredNameError extends GmrError {}

/** A new model or artifact would take a name registry/retired.yaml records as retired; `--reuse-retired-name` allows it. */
export class RetiredNameReuseError extends GmrError {}

/** A removal is refused while something still needs the name: an alias, or a link to one of its versions. */
export class NameInUseError extends GmrError {}
/** `gmr meta rm` of a key (or description) that was not added after the fact. */
export class MissingMetadataKeyError extends GmrError {}

/** A model card (`registry/models/<model>.md`) whose front matter breaks schemas/modelCard.schema.json. */
export class ModelCardError extends GmrError {}


/** A ledger (`refs/gmr/ledger`) lost records it had: its history was rewritten, not appended to. */
export class LedgerRewrittenError extends GmrError {}

/** `requireSignatures` is on and a version commit or alias move is unsigned or signed by a key git does not trust. */
export class SignatureRequiredError extends GmrError {}
