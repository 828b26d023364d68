import { SigningConfigError } from './errors.js'
import { configValue, type GitConfig } from './gitConfig.js'

/** git's signature formats (`gpg.format`). */
export type SigningFormat = 'openpgp' | 'x509' | 'ssh'

/** How to sign a commit, as git's own configuration decides it. */
export interface SigningSettings {
  format: SigningFormat
  /** The signing program: gpg, gpgsm or ssh-keygen unless configured otherwise. */
  program: string
  /**
   * `user.signingkey`: a key id for openpgp/x509 (null: the committer's "Name <email>",
   * as git does); for ssh a key file path or a literal `key::…`/`ssh-…` public key.
   */
  key: string | null
}

const DEFAULT_PROGRAM: Record<SigningFormat, string> = { openpgp: 'gpg', x509: 'gpgsm', ssh: 'ssh-keygen' }

/**
 * Whether and how gmr signs the commits it writes: `sign` (from --sign / --no-sign) wins,
 * else `commit.gpgsign`; the format, program and key are read from the same keys git
 * reads (`gpg.format`, `gpg.<format>.program`, `gpg.program`, `user.signingkey`), so a
 * repository that signs its commits with git signs gmr's the same way.
 */
export function signingSettings(config: GitConfig, sign?: boolean): SigningSettings | null {
  if (!(sign ?? configBool(config, 'commit.gpgsign'))) return null
  const format = configValue(config, 'gpg.format') ?? 'openpgp'
  if (format !== 'openpgp' && format !== 'x509' && format !== 'ssh') {
    throw new SigningConfigError(`gpg.format is "${format}"; git signs with openpgp, x509 or ssh: fix it with git config gpg.format ssh`, {
      format,
    })
  }
  const program =
    configValue(config, `gpg.${format}.program`) ?? (format === 'openpgp' ? configValue(config, 'gpg.program') : undefined) ?? DEFAULT_PROGRAM[format]
  const key = configValue(config, 'user.signingkey') || null
  if (format === 'ssh' && key === null) {
    throw new SigningConfigError(
      'signing with ssh needs a key: run git config user.signingkey ~/.ssh/id_ed25519.pub (or pass --no-sign)',
      { format },
    )
  }
  return { format, program, key }
}

/** A git boolean: a bare key or yes/on/true/1 is true; no/off/false/0/empty is false. */
function configBool(config: GitConfig, key: string): boolean {
  const value = configValue(config, key)
  if (value === undefined) return false
  const lower = value.toLowerCase()
  if (lower === '') return false
  if (['true', 'yes', 'on', '1'].includes(lower)) return true
  if (['false', 'no', 'off', '0'].includes(lower)) return false
  const number = Number(lower)
  if (Number.isInteger(number)) return number !== 0
  throw new SigningConfigError(`${key} is "${value}", which git does not read as a boolean; use true or false`, { key, value })
}
