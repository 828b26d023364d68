/**
 * A git object id as gmr reads and writes it: SHA-1, 40 lowercase hex digits. The one
 * statement of the pattern in src (schemas/defs.schema.json says the same for manifests);
 * `OID_HEX` is for patterns that embed an id (`tree <oid>`).
 */
export const OID_HEX = '[0-9a-f]{40}'

const OID = new RegExp(`^${OID_HEX}$`)

export function isObjectId(text: string): boolean {
  return OID.test(text)
}
