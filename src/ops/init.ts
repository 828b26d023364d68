import { AlreadyARegistryError } from '../domain/errors.js'
import { REGISTRY_FILE } from '../domain/layout.js'
import { DEFAULT_LARGE_FILE_THRESHOLD, FORMAT_VERSION, formatRegistryConfig, type RegistryConfig } from '../domain/registryConfig.js'
import { commitFiles, currentBranch } from '../git/commitFiles.js'
import { readRef } from '../git/refs.js'
import { commitSigner } from '../git/signing.js'
import { commitIdentities, openRepoContext, type RepoContext, type RepoOptions } from './support/context.js'

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

/** What `init` would write: one file, committed on the current branch. */
export interface InitPlan {
  dir: string
  registryBranch: string
  config: RegistryConfig
  /** Files it would create, relative to the work tree, with their text. */
  files: Array<{ path: string; text: string }>
  /** The branch that would get the commit, and its tip now (null: its first commit). */
  branch: { ref: string; old: string | null }
}

/** Make the repository a registry: write `registry/registry.yaml` and commit just that file. */
export async function init(options: InitOptions): Promise<InitResult> {
  const ctx = await openRepoContext(options)
  const { repo } = ctx
  const plan = await initPlanIn(ctx, options)
  const [identities, signer] = await Promise.all([commitIdentities(ctx), commitSigner(repo, ctx.env, options.sign)])
  const { config } = plan
  const path = `${repo.dir}/${REGISTRY_FILE}`
  await repo.fs.write(path, plan.files[0]!.text)
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

/** What `init` would do, refused as it would be; nothing is written. */
export async function planInit(options: InitOptions): Promise<InitPlan> {
  return initPlanIn(await openRepoContext(options), options)
}

async function initPlanIn(ctx: RepoContext, options: InitOptions): Promise<InitPlan> {
  const { repo } = ctx
  if (await repo.fs.exists(`${repo.dir}/${REGISTRY_FILE}`)) {
    throw new AlreadyARegistryError(`${repo.dir} is already a gmr registry (${REGISTRY_FILE} exists)`, {
      dir: repo.dir,
    })
  }
  const branch = await currentBranch(repo)
  const config: RegistryConfig = {
    formatVersion: FORMAT_VERSION,
    registryBranch: branch.slice('refs/heads/'.length),
    largeFileThreshold: options.largeFileThreshold ?? DEFAULT_LARGE_FILE_THRESHOLD,
    protectedAliases: options.protectedAliases ?? ['production'],
    requireSignatures: false,
  }
  return {
    dir: repo.dir,
    registryBranch: config.registryBranch,
    config,
    files: [{ path: REGISTRY_FILE, text: formatRegistryConfig(config) }],
    branch: { ref: branch, old: await readRef(repo, branch) },
  }
}
