import { listAliases } from './listAliases.js'
import { removeAlias as removeAliasOp, type RemoveAliasOptions } from './removeAlias.js'
import { setAlias as setAliasOp, type SetAliasOptions } from './setAlias.js'
import { buildSite, type BuildSiteOptions } from './buildSite.js'
import { check, type CheckOptions } from './check.js'
import type { RepoOptions } from './support/context.js'
import { createArtifact, type CreateArtifactOptions } from './createArtifact.js'
import { createModel, type CreateModelOptions } from './createModel.js'
import { diff, type DiffOptions } from './diff.js'
import { download, type DownloadOptions, type DownloadResult } from './download.js'
import { fetchRegistry, planFetch, type FetchOptions } from './fetch.js'
import { history, type HistoryOptions } from './history.js'
import { init, planInit, type InitOptions } from './init.js'
import { linkModel, type LinkModelOptions } from './link.js'
import { listArtifacts } from './listArtifacts.js'
import { listModels, type ListModelsOptions } from './listModels.js'
import { listVersions, type ListVersionsOptions } from './listVersions.js'
import { renderVersions, type VersionsRendering } from './renderVersions.js'
import { logVersion, planLogVersion, type LogVersionOptions } from './logVersion.js'
import { prune, type PruneOptions } from './prune.js'
import { planPull, pull, type PullOptions } from './pull.js'
import { push, type PushOptions, type PushOutcome } from './push.js'
import { resolve, type ResolveOptions, type ResolvedVersion } from './resolve.js'
import { resolveAt } from './resolveAt.js'
import { manifestList, type ManifestListOptions } from './manifestList.js'
import { show, type ShowOptions } from './show.js'
import { sync, type SyncOptions } from './sync.js'
import { addTags as addTagsOp } from './addTags.js'
import { removeTags as removeTagsOp } from './removeTags.js'
import type { TagsOptions } from './support/modelTags.js'
import { unlinkModel, type UnlinkModelOptions } from './unlink.js'
import { removeModel, type RemoveModelOptions } from './removeModel.js'
import { removeArtifact, type RemoveArtifactOptions } from './removeArtifact.js'
import { renameModel, type RenameModelOptions } from './renameModel.js'
import { verify, type VerifyOptions } from './verify.js'
import { setMetadata, type SetMetadataOptions } from './setMetadata.js'
import { readModelCard, type ReadModelCardOptions } from './readModelCard.js'
import { setModelCard, type SetModelCardOptions } from './setModelCard.js'

/** An operation's own options, without the repository ones `openRegistry` already has. */
type Own<T> = Omit<T, keyof RepoOptions>

export interface UseModelOptions extends Own<DownloadOptions> {
  /** Resolve as of a past moment (`YYYY-MM-DD` or ISO date-time) instead of now. */
  at?: string
}

export interface UseModelResult extends DownloadResult {
  resolved: ResolvedVersion
}

/**
 * A registry bound to one repository: the operations of the command line, named as
 * W&B's registry names them (logModel, useModel, linkModel), each taking its own
 * options object and returning a typed result. Errors are GmrError subclasses.
 *
 *   const registry = openRegistry({ fs, dir: '/work/project' })
 *   const { version } = await registry.logModel({ artifact: 'churn', paths: ['out'] })
 *   await registry.linkModel({ artifactRef: `churn:v${version}`, model: 'churn-model', aliases: ['staging'] })
 *   await registry.useModel({ ref: 'churn-model:staging', to: '/srv/model' })
 */
export function openRegistry(repo: RepoOptions) {
  const bind =
    <O, R>(op: (options: O) => Promise<R>) =>
    (options: Own<O>): Promise<R> =>
      op({ ...repo, ...options } as O)
  return {
    init: (options: Own<InitOptions> = {}) => init({ ...repo, ...options }),
    planInit: (options: Own<InitOptions> = {}) => planInit({ ...repo, ...options }),
    logModel: bind<LogVersionOptions, Awaited<ReturnType<typeof logVersion>>>(logVersion),
    planLogModel: bind<LogVersionOptions, Awaited<ReturnType<typeof planLogVersion>>>(planLogVersion),
    createArtifact: bind<CreateArtifactOptions, Awaited<ReturnType<typeof createArtifact>>>(createArtifact),
    createModel: bind<CreateModelOptions, Awaited<ReturnType<typeof createModel>>>(createModel),
    linkModel: bind<LinkModelOptions, Awaited<ReturnType<typeof linkModel>>>(linkModel),
    unlinkModel: bind<UnlinkModelOptions, Awaited<ReturnType<typeof unlinkModel>>>(unlinkModel),
    removeModel: bind<RemoveModelOptions, Awaited<ReturnType<typeof removeModel>>>(removeModel),
    removeArtifact: bind<RemoveArtifactOptions, Awaited<ReturnType<typeof removeArtifact>>>(removeArtifact),
    renameModel: bind<RenameModelOptions, Awaited<ReturnType<typeof renameModel>>>(renameModel),
    setAlias: bind<SetAliasOptions, Awaited<ReturnType<typeof setAliasOp>>>(setAliasOp),
    removeAlias: bind<RemoveAliasOptions, Awaited<ReturnType<typeof removeAliasOp>>>(removeAliasOp),
    addTags: bind<TagsOptions, Awaited<ReturnType<typeof addTagsOp>>>(addTagsOp),
    removeTags: bind<TagsOptions, Awaited<ReturnType<typeof removeTagsOp>>>(removeTagsOp),
    setMetadata: bind<SetMetadataOptions, Awaited<ReturnType<typeof setMetadata>>>(setMetadata),
    readModelCard: bind<ReadModelCardOptions, Awaited<ReturnType<typeof readModelCard>>>(readModelCard),
    setModelCard: bind<SetModelCardOptions, Awaited<ReturnType<typeof setModelCard>>>(setModelCard),
    listArtifacts: () => listArtifacts(repo),
    listVersions: bind<ListVersionsOptions, Awaited<ReturnType<typeof listVersions>>>(listVersions),
    /** The versions printed your way (`rendering`), the output kept and read back while nothing it depends on changed. */
    renderVersions: (options: Own<ListVersionsOptions>, rendering: VersionsRendering) => renderVersions({ ...repo, ...options }, rendering),
    listModels: (options: Own<ListModelsOptions> = {}) => listModels({ ...repo, ...options }),
    listAliases: (options: { name: string }) => listAliases({ ...repo, ...options }),
    resolve: (options: Own<ResolveOptions> & { at?: string }) =>
      options.at === undefined ? resolve({ ...repo, ...options }) : resolveAt({ ...repo, ...options, at: options.at }),
    show: bind<ShowOptions, Awaited<ReturnType<typeof show>>>(show),
    manifestList: bind<ManifestListOptions, Awaited<ReturnType<typeof manifestList>>>(manifestList),
    history: bind<HistoryOptions, Awaited<ReturnType<typeof history>>>(history),
    sync: (options: Own<SyncOptions> = {}) => sync({ ...repo, ...options }),
    check: (options: Own<CheckOptions> = {}) => check({ ...repo, ...options }),
    diff: (options: Own<DiffOptions> = {}) => diff({ ...repo, ...options }),
    verify: bind<VerifyOptions, Awaited<ReturnType<typeof verify>>>(verify),
    buildSite: (options: Own<BuildSiteOptions> = {}) => buildSite({ ...repo, ...options }),
    fetch: (options: Own<FetchOptions> = {}) => fetchRegistry({ ...repo, ...options }),
    pull: (options: Own<PullOptions> = {}) => pull({ ...repo, ...options }),
    planFetch: (options: Own<FetchOptions> = {}) => planFetch({ ...repo, ...options }),
    planPull: (options: Own<PullOptions> = {}) => planPull({ ...repo, ...options }),
    push: <O extends Own<PushOptions> = {}>(options?: O) => push({ ...repo, ...options }) as Promise<PushOutcome<O>>,
    prune: (options: Own<PruneOptions> = {}) => prune({ ...repo, ...options }),
    /** Resolve a reference and materialise its files: what a deployment does. */
    async useModel(options: UseModelOptions): Promise<UseModelResult> {
      const resolved = await (options.at === undefined
        ? resolve({ ...repo, ref: options.ref })
        : resolveAt({ ...repo, ref: options.ref, at: options.at }))
      const { at: _at, ...rest } = options
      const result = await download({ ...repo, ...rest, ref: options.at === undefined ? options.ref : `${resolved.name}:v${resolved.version}` })
      return { ...result, resolved }
    },
  }
}

export type Registry = ReturnType<typeof openRegistry>
