import { SignatureRequiredError, VerificationFailedError } from '../../domain/errors.js'
import { configValue } from '../../domain/gitConfig.js'
import { aliasRef } from '../../domain/layout.js'
import { lastMoves } from '../../domain/ledger.js'
import { decodeCommit } from '../../git/commit.js'
import { readGitConfig, type Env } from '../../git/config.js'
import { hasGit, runGit } from '../../git/gitBinary.js'
import { readLedger } from '../../git/ledger.js'
import { readObject } from '../../git/objects.js'
import type { Repo } from '../../git/repo.js'
import type { ResolvedVersion } from '../resolve.js'
import type { RegistryContext } from './context.js'

// Whether git's configured trust accepts a commit's signature (git verify-commit), and the
// requireSignatures gates built on it: verify reports, check and sync and download refuse.

/** What git's configured trust says of one commit's signature. */
export interface SignatureCheck {
  commit: string
  /** good: git verify-commit accepts it; unsigned: no signature; bad: a signature git rejects (bad, unknown or untrusted key). */
  status: 'good' | 'unsigned' | 'bad'
  /** Who signed, as git names them (the allowed-signers principal, or the key's user id). */
  signer: string | null
  /** git's own words about the signature. */
  detail: string
}

/** A commit `requireSignatures` asks about, and what it is in words (`version commit of churn:v3`). */
export interface RequiredSignature {
  commit: string
  what: string
}

/**
 * With `requireSignatures`, every commit given must carry a signature git's configured
 * trust accepts. Returns one problem per commit that does not, naming the signer expected.
 */
export async function untrustedCommits(
  repo: Repo,
  env: Env,
  required: readonly RequiredSignature[],
): Promise<Array<RequiredSignature & { why: string }>> {
  const found: Array<RequiredSignature & { why: string }> = []
  let expected: string | undefined
  for (const { commit, what } of required) {
    const check = await checkSignature(repo, env, commit)
    if (check.status === 'good') continue
    expected ??= await expectedSigner(repo, env)
    found.push({ commit, what, why: `${check.status === 'unsigned' ? 'is not signed' : `has a signature git does not accept (${check.detail})`}; expected ${expected}` })
  }
  return found
}

/** Refuse (SignatureRequiredError) the first commit `untrustedCommits` finds. */
export async function assertTrusted(repo: Repo, env: Env, required: readonly RequiredSignature[]): Promise<void> {
  const [first] = await untrustedCommits(repo, env, required)
  if (first === undefined) return
  throw new SignatureRequiredError(
    `requireSignatures is on (registry/registry.yaml) and the ${first.what} ${first.commit.slice(0, 10)} ${first.why}; sign it, or trust its key, and run again`,
    { commit: first.commit, what: first.what },
  )
}

/**
 * `download` and friends under `requireSignatures`: the version commit, and for an alias
 * the ledger commit that last moved its ref, must be signed by a trusted key.
 */
export async function assertVersionTrusted(
  ctx: Pick<RegistryContext, 'repo' | 'env' | 'config'>,
  resolved: Pick<ResolvedVersion, 'name' | 'artifact' | 'artifactVersion' | 'commit'>,
  alias: string | undefined,
): Promise<void> {
  if (!(await ctx.config()).requireSignatures) return
  const required: RequiredSignature[] = [{ commit: resolved.commit, what: `version commit of ${resolved.artifact}:v${resolved.artifactVersion}` }]
  if (alias !== undefined) {
    const moved = lastMoves((await readLedger(ctx.repo)).records).get(aliasRef(resolved.name, alias))
    if (moved) required.push({ commit: moved.record.commit, what: `alias move of ${resolved.name}:${alias} (ledger commit)` })
  }
  await assertTrusted(ctx.repo, ctx.env, required)
}

/** Whose signature git would accept, in words: the allowed signers file for ssh, the keyring for openpgp and x509. */
async function expectedSigner(repo: Repo, env: Env): Promise<string> {
  const config = await readGitConfig(repo, env)
  const format = configValue(config, 'gpg.format') ?? 'openpgp'
  if (format === 'ssh') {
    const file = configValue(config, 'gpg.ssh.allowedSignersFile')
    return file === undefined ? 'an ssh signature, but gpg.ssh.allowedSignersFile is not set' : `a signature by a principal in gpg.ssh.allowedSignersFile (${file})`
  }
  return format === 'x509' ? 'a signature by a certificate gpgsm trusts' : 'a signature by a trusted key in your GnuPG keyring'
}

/**
 * Ask `git verify-commit` about one commit, so that the trust is exactly git's: the
 * allowed signers file for ssh, the keyring and gpg.minTrustLevel for openpgp.
 */
export async function checkSignature(repo: Repo, env: Env, commit: string): Promise<SignatureCheck> {
  const { headers } = decodeCommit((await readObject(repo, commit)).content)
  if (headers.gpgsig === undefined && headers['gpgsig-sha256'] === undefined) {
    return { commit, status: 'unsigned', signer: null, detail: 'no signature' }
  }
  if (!(await hasGit(env))) {
    throw new VerificationFailedError('verifying signatures needs the git binary (git verify-commit); install git and run gmr verify again', {
      commit,
    })
  }
  const run = await runGit(['verify-commit', '--raw', commit], { cwd: repo.dir, env: { ...env, GIT_DIR: repo.gitdir } })
  const lines = run.stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '')
  const ssh = /^Good "git" signature for (.+?) with /.exec(lines.find((line) => line.startsWith('Good "git" signature for')) ?? '')
  const gpg = /^\[GNUPG:\] GOODSIG \S+ (.+)$/.exec(lines.find((line) => line.startsWith('[GNUPG:] GOODSIG')) ?? '')
  const signer = ssh?.[1] ?? gpg?.[1] ?? null
  if (run.code === 0) return { commit, status: 'good', signer, detail: lines.find((l) => !l.startsWith('[GNUPG:]')) ?? lines[0] ?? 'good signature' }
  return { commit, status: 'bad', signer, detail: explainRejection(lines) }
}

/** git's reason in a few words: gpg's status lines are terse, ssh-keygen's plain. */
function explainRejection(lines: readonly string[]): string {
  const status = (word: string) => lines.find((line) => line.startsWith(`[GNUPG:] ${word}`))
  if (status('BADSIG')) return 'the signature does not match the commit (BADSIG)'
  const missing = status('NO_PUBKEY')
  if (missing) return `signed by key ${missing.split(' ')[2]}, which is not in your keyring`
  if (status('EXPKEYSIG')) return 'signed by an expired key'
  if (status('REVKEYSIG')) return 'signed by a revoked key'
  if (status('TRUST_UNDEFINED') || status('TRUST_NEVER')) return 'signed by a key you have not marked as trusted (gpg.minTrustLevel)'
  const plain = lines.filter((line) => !line.startsWith('[GNUPG:]'))
  if (plain.some((line) => /No principal matched/.test(line))) {
    return `${plain.find((line) => line.startsWith('Good')) ?? 'signed'}, but no principal in gpg.ssh.allowedSignersFile matches that key`
  }
  if (plain.some((line) => /allowedSignersFile needs to be configured/.test(line))) {
    return 'gpg.ssh.allowedSignersFile is not configured, so no ssh signature can be trusted; set it with git config gpg.ssh.allowedSignersFile <file>'
  }
  return plain[plain.length - 1] ?? 'git verify-commit rejected it'
}
