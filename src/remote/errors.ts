import { GmrError } from '../domain/errors.js'

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
