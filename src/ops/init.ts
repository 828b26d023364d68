import { AlreadyARegistryError } from '../domain/errors.js'
import { REGISTRY_FILE } from '../domain/layout.js'
import { DEFAULT_LARGE_FILE_THRESHOLD, FORMAT_VERSION, formatRegistryConfig, type RegistryConfig } from '../domain/registryConfig.js'
import { commitFiles, currentBranch } from '../git/commitFiles.js'
import { commitSigner } from '../git/signing.js'
import { commitIdentities, openRepoContext, type RepoOptions } from './support/context.js'

export interface InitOptions extends RepoOptions {
  /** Aliases that only move through review; default `[production]`. */
  protectedAliases?: string[]
  largeFileThreshold?: number
}

export interface InitResult {
  dir: string
  registryBranch: string
  commit: string
  config: RegistryConfig
}

/** Make the repository a registry: write `registry/registry.yaml` and commit just that file. */
export async function init(options: InitOptions): Promise<InitResult> {
  const ctx = await openRepoContext(options)
  const { repo } = ctx
  if (await repo.fs.exists(`${repo.dir}/${REGISTRY_FILE}`)) {
    throw new AlreadyARegistryError(`${repo.dir} is already a gmr registry (${REGISTRY_FILE} exists)`, {
      dir: repo.dir,
    })
  }
  const branch = await currentBranch(repo)
  const [identities, signer] = await Promise.all([commitIdentities(ctx), commitSigner(repo, ctx.env, options.sign)])
  const config: RegistryConfig = {
    formatVersion: FORMAT_VERSION,
    registryBranch: branch.slice('refs/heads/'.length),
    largeFileThreshold: options.largeFileThreshold ?? DEFAULT_LARGE_FILE_THRESHOLD,
    protectedAliases: options.protectedAliases ?? ['production'],
    requireSignatures: false,
  }
  const path = `${repo.dir}/${REGISTRY_FILE}`
  await repo.fs.write(path, formatRegistryConfig(config))
  try {
    const { commit } = await commitFiles(repo, {
      paths: [REGISTRY_FILE],
      message: `gmr: init registry on ${config.registryBranch}`,
      ...identities,
      signer,
    })
    return { dir: repo.dir, registryBranch: config.registryBranch, commit, config }
  } catch (err) {
    await repo.fs.remove(path)
    await repo.fs.removeEmptyDir(`${repo.dir}/registry`)
    throw err
  }
}
