import type { Command } from 'commander'
import type { SignatureCheck, VerifyResult } from '../../ops/verify.js'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { verifyJson } from '../jsonOutput.js'
import { examples } from '../options.js'
import { humanSize, json, shortOid } from '../render.js'
import { operations } from '../operations.js'

export function registerVerify(program: Command, io: CliIo): void {
  program
    .command('verify')
    .description(
      "prove a version is what was reviewed: its commit's signature (git's configured trust), every object of its tree, every large file's SHA-256 and size; for a registered model also the registry commits that linked it and moved the alias",
    )
    .argument('<ref>', '<name>[:<selector>], selector v<N>, latest (default) or an alias')
    .option('--json', 'print every check as JSON')
    .addHelpText(
      'after',
      examples('gmr verify churn:v3', 'gmr verify churn-model:production', 'gmr verify churn-model:production --json') +
        '\nSignatures are checked with git verify-commit: configure gpg.ssh.allowedSignersFile (ssh keys) or\nyour GnuPG keyring. Exits 1 when any check fails.\n',
    )
    .action(async (ref: string, opts: { json?: boolean }) => {
      const { verify, verificationFailure } = await operations.verify()
      const result = await verify({ ...repoOptions(io), ref })
      io.stdout(opts.json ? json(verifyJson(result)) : renderVerify(result))
      if (result.problems.length === 0) return
      throw verificationFailure(result, opts.json ? '' : ' listed above')
    })
}

function renderVerify(result: VerifyResult): string {
  const target = result.kind === 'model' ? ` -> ${result.artifact}:v${result.artifactVersion}` : ''
  const lines = [
    `${result.reference}${target} (${shortOid(result.commit)})`,
    `  version commit   ${describe(result.signature)}`,
    `  tree             ${result.objectCount} objects hashed again`,
    `  large files      ${result.largeFileCount} checked (${humanSize(result.largeFileBytes)})`,
    ...result.registryCommits.map((c) =>
      `  ${(c.role === 'link' ? 'linked in' : `${c.alias} set in`).padEnd(16)} ${shortOid(c.signature.commit)}: ${describe(c.signature)}`,
    ),
    ...result.problems.map((p) => `  problem: ${p}`),
    result.problems.length === 0 ? 'verified' : 'NOT verified',
  ]
  return `${lines.join('\n')}\n`
}

function describe(check: SignatureCheck): string {
  if (check.status === 'good') return `good signature${check.signer ? ` by ${check.signer}` : ''}`
  if (check.status === 'unsigned') return 'not signed'
  return `rejected: ${check.detail}`
}
