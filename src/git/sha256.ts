import { createHash } from 'node:crypto'

/** The SHA-256 of some bytes in lowercase hex, as `sha256sum` and Git LFS pointers write it. */
export function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex')
}
