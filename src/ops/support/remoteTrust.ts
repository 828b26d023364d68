import { SignatureRequiredError } from '../../domain/errors.js'
import { aliasRef } from '../../domain/layout.js'
import { LEDGER_REF, lastMoves } from '../../domain/ledger.js'
import type { RegistryConfig } from '../../domain/registryConfig.js'
import { redactUrl } from '../../domain/remoteUrl.js'
import type { Env } from '../../git/config.js'
import { readLedgerAt } from '../../git/ledger.js'
import type { GitDir } from '../../git/repo.js'
import type { FetchSource } from '../../remote/fetchSource.js'
import { assertTrusted, type RequiredSignature } from './commitTrust.js'

/** The ref the download cache keeps a remote's ledger under. */
const LEDGER_KEEP_REF = 'refs/gmr/remote-ledger'

export interface RemoteTrustOptions {
  cache: GitDir
  /** The user's environment: git's trust (gpg.ssh.allowedSignersFile, the keyring) is the user's, not the cache's. */
  env: Env
  source: FetchSource
  url: string
  /** The remote's registry.yaml, or null when no branch there holds one. */
  config: RegistryConfig | null
  /** The version commit about to be written, and what it is (`churn:v3`). */
  commit: string
  version: string
  /** For an alias: the name it belongs to (model or artifact) and the alias. */
  alias?: { name: string; alias: string }
}

/**
 * `requireSignatures` for `download <url>#…`: before anything is written, the version
 * commit must carry a signature the user's git trusts, and for an alias so must the ledger
 * commit that last moved it (the remote's `refs/gmr/ledger`, fetched whole into the cache).
 */
export async function assertRemoteTrusted(options: RemoteTrustOptions): Promise<void> {
  if (options.config?.requireSignatures !== true) return
  const { cache, env, alias } = options
  const required: RequiredSignature[] = [{ commit: options.commit, what: `version commit of ${options.version}` }]
  if (alias !== undefined) {
    const moved = await lastAliasMove(options, aliasRef(alias.name, alias.alias))
    if (moved === null) {
      throw new SignatureRequiredError(
        `requireSignatures is on (registry/registry.yaml) and ${redactUrl(options.url)} has no ledger record of ${alias.name}:${alias.alias}, so nobody signed its move; move the alias with gmr (signed) and push`,
        { name: alias.name, alias: alias.alias },
      )
    }
    required.push({ commit: moved, what: `alias move of ${alias.name}:${alias.alias} (ledger commit)` })
  }
  await assertTrusted({ ...cache, dir: cache.gitdir }, env, required)
}

/** The ledger commit on the remote that last moved `ref`, or null when its ledger has no record of it. */
async function lastAliasMove({ cache, source }: RemoteTrustOptions, ref: string): Promise<string | null> {
  const advertised = await source.refs([LEDGER_REF])
  if (!advertised.has(LEDGER_REF)) return null
  // The ledger is small and its commits are all one history: fetched without depth.
  const tip = await source.fetch(LEDGER_REF, undefined, LEDGER_KEEP_REF)
  return lastMoves((await readLedgerAt(cache, tip)).records).get(ref)?.record.commit ?? null
}
