import { CorruptObjectError, ManifestError, UnknownNameError, UnknownVersionError } from '../domain/errors.js'
import { ALIAS_REF_PREFIX, ARTIFACT_BRANCH_PREFIX, REGISTRY_FILE, artifactRef, manifestDir, manifestPath } from '../domain/layout.js'
import { resolvePath } from '../domain/paths.js'
import { parseRegistryConfig, type RegistryConfig } from '../domain/registryConfig.js'
import { formatSelector, parseRemoteReference, type Reference } from '../domain/reference.js'
import { lfsEndpointFor, redactUrl } from '../domain/remoteUrl.js'
import { parseVersionMessage } from '../domain/versionMessage.js'
import { decodeCommit, type CommitData } from '../git/commit.js'
import { versionRecord } from '../git/versionIndex.js'
import type { ModelLinkYaml, ModelYaml } from '../domain/manifests.js'
import type { ResolvedVersion } from './resolve.js'
import { readGitConfig, type Env } from '../git/config.js'
import { toFileSystem } from '../git/repo.js'
import type { FileSystem, FsClient } from '../git/fs.js'
import { readObject } from '../git/objects.js'
import { listRefs, readRef } from '../git/refs.js'
import type { GitDir } from '../git/repo.js'
import { commitTree, entryAt, readTextAt, readTreeEntries } from '../git/treePath.js'
import { ensureBareRepo, gitBinarySource, isomorphicSource, type FetchSource } from '../remote/fetchSource.js'
import { hasGit } from '../git/gitBinary.js'
import { withConfiguredTimeouts } from '../remote/timeouts.js'
import { checkRemoteUrl } from '../remote/transportPolicy.js'
import { boundDownloadCache } from './pruneCache.js'
import { touchCacheEntry } from './support/cacheEntries.js'
import { discardGitData, downloadCacheFor, findDamagedObject, keepArtifactVersion, keptArtifactVersion, VerifiedLfsObjects, withCacheLock } from './support/downloadCache.js'
import { materialiseVersion, type MaterialiseResult } from './support/materialise.js'
import { describeChoices } from './support/catalog.js'
import { remoteRetiredNameError } from './support/retiredLookup.js'
import { fetchLfsObjects, lfsObjectsOf } from './support/lfsRemote.js'
import { assertRemoteTrusted } from './support/remoteTrust.js'
import { readManifestData, selectLink } from '../domain/manifests.js'

export interface RemoteDownloadOptions {
  fs: FsClient | FileSystem
  /** `<git-url>#<name>[:<selector>]`. */
  ref: string
  to?: string
  cwd: string
  include?: readonly string[]
  force?: boolean
  env?: Env
  /** Where fetched versions are kept (default `$XDG_CACHE_HOME/gmr`, else `~/.cache/gmr`). */
  cacheDir?: string
  /** Also list the files with their SHA-256 (`download --json`). */
  listFiles?: boolean
}

export interface RemoteDownloadResult extends MaterialiseResult {
  url: string
  name: string
  selector: string
  commit: string
  /** The artifact version number, from the version commit's own message. */
  artifactVersion: number | null
  /** What the cache repaired on the way (a damaged entry discarded and fetched again), one line each. */
  notes: string[]
  /** What moved over the network: git objects fetched (0 when the cache had it) and LFS objects. */
  transfer: { fetched: boolean; lfsObjects: number; lfsBytes: number }
  transport: 'git' | 'isomorphic-git'
  /** The version as `resolve` describes it, from the version commit (and a model's link); a model alias whose commit the manifest does not list is described as its artifact's version. */
  resolved: ResolvedVersion
}

/**
 * Deploy without a checkout: fetch exactly one version of a remote registry — one ref,
 * depth 1 — plus its large files into a cache, and write its files into a folder. A
 * version the cache already holds is not fetched again, so a repeat transfers nothing
 * but the ref listing. Uses the git binary when there is one, else isomorphic-git.
 */
export async function downloadRemote(options: RemoteDownloadOptions): Promise<RemoteDownloadResult> {
  const parsed = parseRemoteReference(options.ref)!
  const { url, reference } = parsed
  checkRemoteUrl(url)
  const fs = toFileSystem(options.fs)
  const userEnv = options.env ?? {}
  const cache = downloadCacheFor(fs, url, userEnv, options.cwd, options.cacheDir)
  const downloaded = await withCacheLock(cache, async () => {
    const env = withConfiguredTimeouts(userEnv, await readGitConfig(cache, userEnv))
    const useGit = await hasGit(env)
    const source = useGit ? gitBinarySource(cache, url, env) : isomorphicSource(cache, url, env)
    const notes: string[] = []
    const fetchChecked = async () => {
      await ensureBareRepo(fs, cache.gitdir, useGit, env)
      const found = await fetchVersion(cache, source, reference, url)
      return { ...found, damaged: await findDamagedObject(cache, found.commit) }
    }
    const { selector } = reference
    const kept = selector.kind === 'number' ? await keptArtifactVersion(cache, reference.name, selector.number) : null
    let version: FetchedVersion & { damaged: string | null } =
      kept === null ? await fetchChecked() : { commit: kept, fetched: false, damaged: await findDamagedObject(cache, kept), config: await cachedRegistryConfig(cache) }
    if (version.damaged !== null) {
      notes.push(`the download cache had a damaged git object (${version.damaged}); discarded the cached history and fetched it again`)
      await discardGitData(cache)
      version = await fetchChecked()
      if (version.damaged !== null) {
        throw new CorruptObjectError(
          `${redactUrl(url)} sent a damaged object ${version.damaged} for ${options.ref.slice(options.ref.indexOf('#') + 1)}; nothing was written, run "git fsck" on the server's repository`,
          { oid: version.damaged },
        )
      }
    }
    const { commit, fetched } = version
    const object = await readVersionCommit(cache, commit, reference, url)
    const message = parseVersionMessage(object.message)
    const { link } = version
    const resolved = await remoteVersion(reference, commit, object, link)
    await assertRemoteTrusted({
      cache,
      env,
      source,
      url,
      config: version.config,
      commit,
      version: `${resolved.artifact}:v${resolved.artifactVersion}`,
      ...(selector.kind === 'alias' && { alias: { name: reference.name, alias: selector.alias } }),
    })
    const needed = await lfsObjectsOf(cache, object.tree)
    const verified = await VerifiedLfsObjects.open(cache)
    notes.push(...(await verified.discardDamaged(needed)))
    const lfs = needed.length > 0 ? await fetchLfsObjects(cache, lfsEndpointFor(url), env, needed) : { objects: 0, bytes: 0 }
    await verified.save()
    // Said only when true: a damaged cached object sends gmr to the server after all.
    if (kept !== null && !fetched && lfs.objects === 0) {
      notes.push(`${reference.name}:${formatSelector(selector)} came from the download cache; ${redactUrl(url)} was not asked (an artifact version never changes)`)
    }
    const number = reference.selector.kind === 'number' ? reference.selector.number : message.version
    const defaultDir = `${reference.name}-${number === undefined ? formatSelector(reference.selector) : `v${number}`}`
    const result = await materialiseVersion({
      repo: cache,
      tree: object.tree,
      label: `${reference.name}:${formatSelector(reference.selector)}`,
      target: resolvePath(options.to ?? defaultDir, options.cwd),
      include: options.include ?? [],
      force: options.force ?? false,
      ...(options.listFiles && { listFiles: true }),
    })
    await touchCacheEntry(cache, url)
    return {
      ...result,
      resolved,
      url: redactUrl(url),
      name: reference.name,
      selector: formatSelector(reference.selector),
      commit,
      artifactVersion: message.version ?? null,
      transfer: { fetched, lfsObjects: lfs.objects, lfsBytes: lfs.bytes },
      transport: source.kind,
      notes,
    }
  })
  downloaded.notes.push(...(await boundDownloadCache(cache, userEnv, options.cwd, options.cacheDir)))
  return downloaded
}

async function remoteVersion(reference: Reference, commit: string, object: CommitData, link: ModelLinkYaml | undefined): Promise<ResolvedVersion> {
  const message = parseVersionMessage(object.message)
  const artifact = link?.artifact ?? message.artifact ?? reference.name
  const record = await versionRecord(artifact, link?.artifactVersion ?? message.version ?? 0, commit, object)
  const asArtifact = link === undefined
  const name = asArtifact ? artifact : reference.name
  const version = asArtifact ? record.version : link.version
  const selector = asArtifact && reference.name !== artifact ? `v${version}` : formatSelector(reference.selector)
  return {
    reference: `${name}:${selector}`,
    kind: asArtifact ? 'artifact' : 'model',
    name,
    version,
    artifact,
    artifactVersion: record.version,
    commit,
    record,
    ...(link && { link }),
  }
}

/** The version commit a remote reference resolved to; an alias naming a tree or a blob is refused in one line. */
async function readVersionCommit(cache: GitDir, oid: string, reference: Reference, url: string) {
  const { type, content } = await readObject(cache, oid)
  if (type !== 'commit') {
    throw new UnknownVersionError(
      `${redactUrl(url)}#${reference.name}:${formatSelector(reference.selector)} names a ${type} (${oid}), not a version commit; point it at a version again (gmr link or gmr alias on the registry) and push`,
      { name: reference.name, oid, type },
    )
  }
  return decodeCommit(content)
}

/** The ref the cache keeps a remote's registry branch under. */
function registryKeepRef(branch: string): string {
  return `refs/gmr/heads/${branch.slice('refs/heads/'.length)}`
}

/** The ref gmr keeps a fetched version under in the cache, so it is never pruned. */
function keepRef(reference: Reference, what: string): string {
  return `refs/gmr/cache/${reference.name}/${what}`
}

/**
 * Find the one commit a remote reference names and make sure the cache has it: an alias
 * is its ref; an artifact's latest is its branch; an artifact's vN is walked back from
 * the branch tip (fetching just deep enough); a registered model's link is read from the
 * manifest on the remote's default branch.
 */
async function fetchVersion(cache: GitDir, source: FetchSource, reference: Reference, url: string): Promise<FetchedVersion> {
  const { name, selector } = reference
  const refs = await source.refs([`${ALIAS_REF_PREFIX}${name}/`, 'refs/heads/', 'HEAD'])
  const isArtifact = refs.has(artifactRef(name))
  const have = async (oid: string) => readObject(cache, oid).then(() => true, () => false)
  const get = async (ref: string, keep: string): Promise<{ commit: string; fetched: boolean }> => {
    const oid = refs.get(ref)
    if (oid !== undefined && (await have(oid)) && (await readRef(cache, keep)) === oid) return { commit: oid, fetched: false }
    return { commit: await source.fetch(ref, 1, keep), fetched: true }
  }
  /** The commit `back` first parents below `tip` on `ref`, fetching deeper only if the cache lacks it. */
  const below = async (ref: string, tip: string, back: number, keep: string): Promise<{ commit: string; fetched: boolean }> => {
    const walk = async (): Promise<string | null> => {
      let oid = tip
      for (let i = 0; i < back; i++) {
        const parent = await readObject(cache, oid).then((o) => decodeCommit(o.content).parents[0], () => undefined)
        if (parent === undefined || !(await have(parent))) return null
        oid = parent
      }
      return oid
    }
    const cached = await walk()
    if (cached !== null) return { commit: cached, fetched: false }
    await source.fetch(ref, back + 1, keep)
    const deepened = await walk()
    if (deepened === null) throw new UnknownVersionError(`${redactUrl(url)} did not send the history of ${ref} that was asked for`)
    return { commit: deepened, fetched: true }
  }

  /** A name the remote's registry/retired.yaml records as removed or renamed: who, when, in which commit. */
  /** The remote's registry.yaml, which says whether versions must be signed (one depth-1 fetch, none when cached). */
  const registryConfig = async () => (await findRegistryBranch(cache, refs, get))?.config ?? null

  const retired = async (registry: Awaited<ReturnType<typeof findRegistryBranch>>) =>
    registry && remoteRetiredNameError(cache, registry, name, (depth) => source.fetch(registry.branch, depth, registryKeepRef(registry.branch)))

  if (selector.kind === 'alias') {
    const ref = `${ALIAS_REF_PREFIX}${name}/${selector.alias}`
    if (!refs.has(ref)) {
      const aliases = [...refs.keys()].filter((r) => r.startsWith(`${ALIAS_REF_PREFIX}${name}/`)).map((r) => r.split('/').pop())
      if (aliases.length === 0 && !isArtifact) {
        const error = await retired(await findRegistryBranch(cache, refs, get))
        if (error) throw error
      }
      throw new UnknownVersionError(
        `${redactUrl(url)} has no alias ${selector.alias} for ${name}; ${aliases.length > 0 ? `aliases there: ${aliases.join(', ')}` : isArtifact ? 'it has no aliases' : `no alias refs for ${name} there (is the name right, and has "gmr sync" run on the registry branch?)`}`,
        { name, alias: selector.alias },
      )
    }
    const found = await get(ref, keepRef(reference, selector.alias))
    if (isArtifact) return { ...found, config: await registryConfig() }
    // A model's alias: its link (for the link number) from the registry branch's manifest, when
    // that parses and lists the commit; the alias ref alone still deploys.
    const registry = await findRegistryBranch(cache, refs, get)
    const text = registry === null ? null : await readTextAt(cache, registry.tree, manifestPath('model', name))
    const model = text === null ? null : (attempt(() => readManifestData('model', text, manifestPath('model', name))) as ModelYaml | null)
    const link = model?.versions?.find((l) => l.commit === found.commit)
    return { commit: found.commit, fetched: found.fetched || registry?.fetched === true, config: registry?.config ?? null, ...(link && { link }) }
  }

  if (isArtifact) {
    const tip = await get(artifactRef(name), keepRef(reference, 'latest'))
    if (selector.kind === 'latest') return { ...tip, config: await registryConfig() }
    const tipVersion = parseVersionMessage(decodeCommit((await readObject(cache, tip.commit)).content).message).version ?? 0
    if (selector.number > tipVersion) {
      throw new UnknownVersionError(`${redactUrl(url)} has no version v${selector.number} of ${name}: it has v0 to v${tipVersion}`, { name })
    }
    const found = await below(artifactRef(name), tip.commit, tipVersion - selector.number, keepRef(reference, 'latest'))
    await keepArtifactVersion(cache, name, selector.number, found.commit)
    return { commit: found.commit, fetched: found.fetched || tip.fetched, config: await registryConfig() }
  }

  // A registered model: its manifest, from the remote's registry branch.
  const registry = await findRegistryBranch(cache, refs, get)
  const text = registry === null ? null : await readTextAt(cache, registry.tree, manifestPath('model', name))
  if (registry === null || text === null) {
    const artifacts = [...refs.keys()].filter((r) => r.startsWith(ARTIFACT_BRANCH_PREFIX)).map((r) => r.slice(ARTIFACT_BRANCH_PREFIX.length))
    const models = registry === null ? [] : await modelNamesIn(cache, registry.tree)
    const where = registry === null ? ' (no branch there holds registry/registry.yaml)' : ''
    throw (await retired(registry)) ?? new UnknownNameError(
      `${redactUrl(url)} has no artifact or registered model named ${name}${where}; ${describeChoices([...artifacts, ...models].sort(), 'names')}`,
      { name, known: [...artifacts, ...models] },
    )
  }
  const link = selectLink(readManifestData('model', text, manifestPath('model', name)) as never, selector)
  const { config } = registry
  if (await have(link.commit)) return { commit: link.commit, fetched: registry.fetched, config, link }
  const keep = `refs/gmr/cache/${link.artifact}/latest`
  const artifactTip = await get(artifactRef(link.artifact), keep)
  const tipVersion = parseVersionMessage(decodeCommit((await readObject(cache, artifactTip.commit)).content).message).version ?? 0
  const found = await below(artifactRef(link.artifact), artifactTip.commit, tipVersion - link.artifactVersion, keep)
  if (found.commit !== link.commit) {
    throw new UnknownVersionError(`${name}'s link v${link.version} names ${link.commit}, but ${link.artifact}:v${link.artifactVersion} on ${redactUrl(url)} is ${found.commit}`, { name })
  }
  return { commit: link.commit, fetched: true, config, link }
}

/** `read()`, or null when what it reads is not a valid manifest. */
function attempt<T>(read: () => T): T | null {
  try {
    return read()
  } catch (err) {
    if (err instanceof ManifestError) return null
    throw err
  }
}

type FetchedRef = { commit: string; fetched: boolean }
/**
 * For a registered model, the link followed (absent when the remote's manifest does not list an alias's commit);
 * `config` is the remote's registry.yaml (null when no branch there holds one).
 */
type FetchedVersion = FetchedRef & { link?: ModelLinkYaml; config: RegistryConfig | null }

/** The registry.yaml of the registry branch the cache last fetched, for a version served from the cache without asking the remote. */
async function cachedRegistryConfig(cache: GitDir): Promise<RegistryConfig | null> {
  const kept = await listRefs(cache, 'refs/gmr/heads/')
  const refs = new Map([...kept].map(([ref, oid]) => [`refs/heads/${ref.slice('refs/gmr/heads/'.length)}`, oid]))
  return (await findRegistryBranch(cache, refs, async (ref) => ({ commit: refs.get(ref)!, fetched: false })))?.config ?? null
}

/**
 * The remote's registry branch and its tree. HEAD is only a hint: a bare repository made
 * by `git init --bare` names `master` whatever was pushed. So the listed branches are
 * tried, HEAD's first, then main and master, until one holds registry/registry.yaml;
 * when that file names another listed branch as the registry branch, that one is used.
 */
async function findRegistryBranch(
  cache: GitDir,
  refs: ReadonlyMap<string, string>,
  get: (ref: string, keep: string) => Promise<FetchedRef>,
): Promise<(FetchedRef & { branch: string; tree: string; config: RegistryConfig }) | null> {
  const head = refs.get('HEAD')
  const rank = (ref: string) => (refs.get(ref) === head ? 0 : ref === 'refs/heads/main' ? 1 : ref === 'refs/heads/master' ? 2 : 3)
  const branches = [...refs.keys()]
    .filter((r) => r.startsWith('refs/heads/') && !r.startsWith(ARTIFACT_BRANCH_PREFIX))
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1))
  const open = async (branch: string) => {
    const fetched = await get(branch, registryKeepRef(branch))
    const tree = await commitTree(cache, fetched.commit)
    const text = await readTextAt(cache, tree, REGISTRY_FILE)
    if (text === null) return null
    // A branch whose registry.yaml does not parse is not the registry branch (a feature branch mid-edit, say).
    const config = attempt(() => parseRegistryConfig(text, `${branch}:${REGISTRY_FILE}`))
    return config === null ? null : { ...fetched, branch, tree, config }
  }
  for (const branch of branches) {
    const found = await open(branch)
    if (found === null) continue
    const named = `refs/heads/${found.config.registryBranch}`
    if (named === branch || !refs.has(named)) return found
    return (await open(named)) ?? found
  }
  return null
}

/** The registered models a registry tree declares. */
async function modelNamesIn(repo: GitDir, tree: string): Promise<string[]> {
  const dir = await entryAt(repo, tree, manifestDir('model'))
  if (dir === null || dir.mode !== '40000') return []
  return (await readTreeEntries(repo, dir.oid)).map((e) => e.name).filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -'.yaml'.length))
}
