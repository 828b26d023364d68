import { TargetNotEmptyError } from '../domain/errors.js'
import { manifestDir, type NameKind } from '../domain/layout.js'
import { resolvePath } from '../domain/paths.js'
import type { SitePage } from '../domain/site/pages.js'
import type { SiteArtifact, SiteData, SiteHistoryEntry, SiteLink, SiteModel } from '../domain/site/siteData.js'
import { tempPathFor, type FileSystem } from '../git/fs.js'
import { readRef, readSymbolicRef } from '../git/refs.js'
import { readObject } from '../git/objects.js'
import { loadRegistryLog } from '../git/registryLog.js'
import type { Repo } from '../git/repo.js'
import { loadVersions, type VersionRecord } from '../git/versionIndex.js'
import { listArtifactNames } from './support/catalog.js'
import { openRegistryContext, type RegistryContext, type RepoOptions } from './support/context.js'
import { describeModels, type ModelDescription } from './support/describeModel.js'
import { summariseArtifactVersions } from './support/artifactSummary.js'
import { ManifestStore } from './support/manifestStore.js'
import { versionFiles, type ObjectSource } from './support/versionFiles.js'
import { renderSite, sitePaths } from '../domain/site/pages.js'
import { chooseMetric, flattenMetadata } from '../domain/site/metrics.js'
import { renderModelCard } from '../domain/site/modelCard.js'

export type { SitePage }

export interface BuildSiteOptions extends RepoOptions {
  /**
   * The metadata key every model page charts (`metrics.auc` for a nested one). Default,
   * per model: its card's front-matter `metric`, else the numeric key most of its
   * linked versions have.
   */
  metric?: string
}

export interface BuildSiteResult {
  /** Every file of the site, paths relative to its top folder. */
  pages: SitePage[]
  models: number
  artifacts: number
  source: SiteData['source']
}

/** The registry-history page lists at most this many changes, newest first. */
const HISTORY_SHOWN = 1000

/**
 * The registry as a static web site, in memory: a models list with search and a tag
 * filter, a page per registered model and per artifact, and the registry history.
 * Reads what `gmr show`, `gmr versions` and `gmr history` read (the checked-out
 * manifests and the registry branch's log); the pages are rendered without any IO.
 */
export async function buildSite(options: BuildSiteOptions): Promise<BuildSiteResult> {
  const ctx = await openRegistryContext(options)
  const data = await gatherSite(ctx, options)
  // Loaded only here: markdown-it is for the site, not for every gmr command.
  return { pages: renderSite(data), models: data.models.length, artifacts: data.artifacts.length, source: data.source }
}

export interface WriteSiteOptions extends BuildSiteOptions {
  /** The folder to write: new, empty, or a site gmr built before (which is replaced). */
  out: string
}

export interface WriteSiteResult extends Omit<BuildSiteResult, 'pages'> {
  out: string
  files: number
  bytes: number
  largest: { path: string; bytes: number }
}

/** `gmr site --out DIR`: build the site and put it in DIR all at once (a failure leaves DIR as it was). */
export async function writeSite(options: WriteSiteOptions): Promise<WriteSiteResult> {
  const ctx = await openRegistryContext(options)
  const out = resolvePath(options.out, options.dir)
  const replacing = await checkSiteTarget(ctx.repo.fs, out)
  const { pages, ...built } = await buildSite(options)
  await writeFolder(ctx.repo.fs, out, pages, replacing)
  let largest = { path: '', bytes: 0 }
  let bytes = 0
  for (const page of pages) {
    const size = Buffer.byteLength(page.content)
    bytes += size
    if (size > largest.bytes) largest = { path: page.path, bytes: size }
  }
  return { ...built, out, files: pages.length, bytes, largest }
}

/** Whether `out` holds an earlier site to replace; refuses a folder with anything else in it. */
async function checkSiteTarget(fs: FileSystem, out: string): Promise<boolean> {
  const st = await fs.lstat(out)
  if (st === null) return false
  if (!st.isDirectory()) throw new TargetNotEmptyError(`${out} exists and is not a folder; choose another --out`, { dir: out })
  const names = (await fs.readdir(out)) ?? []
  if (names.length === 0) return false
  if (names.includes(sitePaths.marker)) return true
  throw new TargetNotEmptyError(
    `${out} is not empty and holds no site gmr built (no ${sitePaths.marker} file); choose a new folder for --out or empty this one`,
    { dir: out },
  )
}

/** Fill a sibling folder, then swap it in: readers (and a failed build) never see half a site. */
async function writeFolder(fs: FileSystem, out: string, pages: readonly SitePage[], replacing: boolean): Promise<void> {
  const staging = tempPathFor(out)
  try {
    for (const page of pages) await fs.write(`${staging}/${page.path}`, page.content)
    if (replacing) {
      const old = tempPathFor(out)
      await fs.rename(out, old)
      await fs.rename(staging, out)
      await fs.removeTree(old)
    } else {
      await fs.removeEmptyDir(out)
      await fs.rename(staging, out)
    }
  } catch (err) {
    await fs.removeTree(staging)
    throw err
  }
}

async function gatherSite(ctx: RegistryContext, options: BuildSiteOptions): Promise<SiteData> {
  const { repo } = ctx
  const { registryBranch } = await ctx.config()
  const head = await readSymbolicRef(repo, 'HEAD')
  const source = {
    branch: head?.startsWith('refs/heads/') ? head.slice('refs/heads/'.length) : null,
    commit: await readRef(repo, 'HEAD'),
    registryBranch,
  }
  const versions = versionsByCommit(repo)
  const models: SiteModel[] = []
  for (const model of await describeModels(repo)) models.push(await siteModel(repo, model, versions, options.metric))
  const artifacts: SiteArtifact[] = []
  const store = new ManifestStore(repo)
  const linkedFrom = linksByArtifact(models)
  // Thousands of version trees: reads sharing one cache share one pack reader and its delta bases.
  const cache = {}
  const objects: ObjectSource = { cache, read: (oid) => readObject(repo, oid, { cache }) }
  for (const name of await listArtifactNames(repo)) {
    artifacts.push(await siteArtifact(repo, { store, objects, versionsOf: versions }, name, linkedFrom.get(name) ?? new Map()))
  }
  const log = await loadRegistryLog(repo, `refs/heads/${registryBranch}`)
  const history: SiteHistoryEntry[] = log
    .slice(-HISTORY_SHOWN)
    .reverse()
    .map((entry) => ({
      commit: entry.commit,
      time: entry.time,
      author: entry.author.name,
      subject: entry.subject,
      changed: Object.entries(entry.changes).flatMap(([path, oid]) => {
        const changed = manifestName(path)
        return changed ? [{ ...changed, removed: oid === null }] : []
      }),
    }))
  return { source, models, artifacts, history, historyTotal: log.length }
}

/** An artifact's versions, oldest first and by commit. */
type VersionsOf = (artifact: string) => Promise<{ list: VersionRecord[]; byCommit: Map<string, VersionRecord> }>

/** Each artifact's versions, read once however many links and pages need them. */
function versionsByCommit(repo: Repo): VersionsOf {
  const loaded = new Map<string, ReturnType<VersionsOf>>()
  return (artifact) => {
    let versions = loaded.get(artifact)
    if (!versions) {
      versions = loadVersions(repo, artifact).then(({ versions: list }) => ({ list, byCommit: new Map(list.map((v) => [v.commit, v])) }))
      loaded.set(artifact, versions)
    }
    return versions
  }
}

async function siteModel(
  repo: Repo,
  model: ModelDescription,
  versionsOf: VersionsOf,
  metric: string | undefined,
): Promise<SiteModel> {
  const links: SiteLink[] = []
  for (const link of model.links) {
    const record = (await versionsOf(link.artifact)).byCommit.get(link.commit)
    links.push({
      version: link.version,
      artifact: link.artifact,
      artifactVersion: link.artifactVersion,
      commit: link.commit,
      linkedAt: link.linkedAt,
      aliases: link.aliases,
      metadata: record ? flattenMetadata(record.metadata) : null,
    })
  }
  const cardText = await repo.fs.readText(`${repo.dir}/${manifestDir('model')}/${model.name}.md`)
  const card = cardText === null ? null : renderModelCard(cardText)
  return {
    name: model.name,
    description: model.description,
    tags: model.tags,
    aliases: Object.entries(model.aliases).map(([alias, version]) => ({ alias, version, ref: model.refs[alias] ?? null })),
    links,
    card,
    metric: chooseMetric(
      links.flatMap((l) => (l.metadata ? [l.metadata] : [])),
      metric ?? card?.metric ?? undefined,
    ),
  }
}

/** Artifact → version number → the `<model>:v<K>` links to it. */
function linksByArtifact(models: readonly SiteModel[]): Map<string, Map<number, string[]>> {
  const out = new Map<string, Map<number, string[]>>()
  for (const model of models) {
    for (const link of model.links) {
      let byVersion = out.get(link.artifact)
      if (!byVersion) out.set(link.artifact, (byVersion = new Map()))
      let refs = byVersion.get(link.artifactVersion)
      if (!refs) byVersion.set(link.artifactVersion, (refs = []))
      refs.push(`${model.name}:v${link.version}`)
    }
  }
  return out
}

async function siteArtifact(
  repo: Repo,
  readers: { store: ManifestStore; objects: ObjectSource; versionsOf: VersionsOf },
  name: string,
  linkedFrom: Map<number, string[]>,
): Promise<SiteArtifact> {
  const versions = (await readers.versionsOf(name)).list
  const summary = await summariseArtifactVersions(readers.store, name, versions)
  const siteVersions = []
  for (const v of versions) {
    const files = (await versionFiles(repo, v.tree, readers.objects)).map((f) => ({ path: f.path, kind: f.kind, size: f.size, lfs: f.lfs }))
    siteVersions.push({ version: v.version, commit: v.commit, time: v.time, author: v.author, metadata: flattenMetadata(v.metadata), files })
  }
  return { name, type: summary.type, description: summary.description, aliases: summary.aliases, versions: siteVersions, linkedFrom }
}

/** `registry/models/x.yaml` → a model named x; anything else under registry/ → null. */
function manifestName(path: string): { kind: NameKind; name: string } | null {
  for (const kind of ['model', 'artifact'] as const) {
    const dir = `${manifestDir(kind)}/`
    if (path.startsWith(dir) && path.endsWith('.yaml')) return { kind, name: path.slice(dir.length, -'.yaml'.length) }
  }
  return null
}
