import { StorageError } from '../domain/errors.js'

/**
 * System errors that mean "this place cannot be written" (a read-only .git, a full disk,
 * permissions, a file where a folder should be), as raised by the file system or said again
 * by it as a StorageError. A derived cache (the version index, a kept output) skips its
 * write on these and answers anyway; anything else is a bug and surfaces.
 */
const CANNOT_WRITE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EFBIG', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG', 'EMFILE', 'ENFILE'])

export function cannotWrite(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const code = err instanceof StorageError ? (err.data as { code?: unknown }).code : (err as { code?: unknown }).code
  return typeof code === 'string' && CANNOT_WRITE.has(code)
}
