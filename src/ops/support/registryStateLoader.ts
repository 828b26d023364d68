import { mapLimit } from '../../domain/async.js'
import { CorruptObjectError, MissingObjectError } from '../../domain/errors.js'
import { ARTIFACT_BRANCH_PREFIX, manifestDir, REGISTRY_FILE, RETIRED_FILE, type NameKind } from '../../domain/layout.js'
import type { ModelYaml } from '../../domain/manifests.js'
import { cardModel } from '../../domain/modelCard.js'
import { readSnapshotCard } from '../../domain/modelCardRules.js'
import {
  readSnapshotConfig,
  readSnapshotRetired,
  readSnapshotManifest,
  type RegistrySnapshot,
  type SnapshotBranch,
  type SnapshotLfsFile,
  type SnapshotManifest,
  type SnapshotTreeProblem,
  type SnapshotVersion,
} from '../../domain/registrySnapshot.js'
import { decodeCommit } from '../../git/commit.js'
import { findLfsFiles } from '../../git/lfsFiles.js'
import { LfsStore } from '../../git/lfsStore.js'
import { ManifestCache } from '../../git/manifestCache.js'
import { readObjectsWithGit } from '../../git/gitBinary.js'
import { hashObject, readObject, type ReadObjectResult } from '../../git/objects.js'
import { listRefs } from '../../git/refs.js'
import type { Repo } from '../../git/repo.js'
import { resolveRevision } from '../../git/revParse.js'
import { commitTree, entryAt, readTreeEntries } from '../../git/treePath.js'
import { walkTree } from '../../git/treeWalk.js'
import { loadVersions, versionRecords, type VersionRecord } from '../../git/versionIndex.js'

/** Where a snapshot comes from: the work tree, or a commit (named by `label`). */
export type SnapshotSource =
  | { kind: 'worktree'; label: string }
  | {
      kind: 'commit'
      label: string
      commit: string
      /**
       * Where its artifact branches are: `refs/remotes/<remote>/artifacts/` for a state
       * named by a remote-tracking branch (what the remote has), else the local ones.
       */
      branchPrefix: string
    }

/** One file in a manifest folder, before its content is read. */
export interface ManifestFile {
  kind: NameKind
  name: string
  path: string
  oid: string
}

export interface SnapshotFiles {
  source: SnapshotSource
  manifests: ManifestFile[]
  /** Model cards, `registry/models/<model>.md`, before their content is read. */
  cards?: Array<{ model: string; path: string; oid: string }>
  strays: string[]
  /** Artifact branch tips as seen from this state. */
  tips: Map<string, string>
}

export interface LoadSnapshotOptions {
  /** The manifests, already read with `readManifests`; default all of them, read now. */
  manifests?: SnapshotManifest[]
  /** Whose version lists to read; default all. Tips are always there. */
  versions?: ReadonlySet<string>
}

/** Whether the LFS store (local or, later, a remote) holds an object. */
export type LfsPresence = (pointer: { oid: string; size: number }) => Promise<boolean>

/**
 * Loads registry snapshots from git for `gmr check` and `gmr diff`: the thin IO
 * around their pure rules. One loader serves every snapshot of an operation, so what
 * two states share (validated manifests, version lists, objects) is read once.
 */
export class SnapshotLoader {
  private readonly objectCache = {}
  private readonly manifests: ManifestCache
  /** Manifests read by this loader, by kind and content: two states share most of them. */
  private readonly read = new Map<string, SnapshotManifest>()
  private readonly workTreeTexts = new Map<string, string>()
  private readonly localVersions = new Map<string, Promise<VersionRecord[]>>()

  constructor(readonly repo: Repo) {
    this.manifests = new ManifestCache(repo)
  }

  /** A revision as a snapshot source; one naming a remote-tracking branch sees that remote's artifact branches. */
  async resolve(rev: string): Promise<SnapshotSource> {
    const { commit, ref } = await resolveRevision(this.repo, rev, this.objectCache)
    return { kind: 'commit', label: rev, commit, branchPrefix: await this.branchPrefixFor(ref) }
  }

  /** `refs/remotes/<remote>/artifacts/` when `ref` is that remote's and it has artifact branches. */
  async branchPrefixFor(ref: string | null): Promise<string> {
    const remote = ref?.startsWith('refs/remotes/') ? ref.split('/')[2] : undefined
    if (remote === undefined) return ARTIFACT_BRANCH_PREFIX
    const prefix = `refs/remotes/${remote}/artifacts/`
    return (await listRefs(this.repo, prefix)).size > 0 ? prefix : ARTIFACT_BRANCH_PREFIX
  }

  /** The manifest files and branch tips of a state, without reading any manifest's content. */
  async files(source: SnapshotSource): Promise<SnapshotFiles> {
    const manifests: ManifestFile[] = []
    const cards: NonNullable<SnapshotFiles['cards']> = []
    const strays: string[] = []
    const tree = source.kind === 'commit' ? await commitTree(this.repo, source.commit, this.objectCache) : null
    for (const kind of ['artifact', 'model'] as const) {
      const dir = manifestDir(kind)
      const entries = tree === null ? await this.workTreeEntries(dir) : await this.treeEntries(tree, dir)
      for (const entry of entries) {
        const path = `${dir}/${entry.name}`
        if (entry.name.startsWith('.')) continue
        const model = entry.type === 'file' ? cardModel(path) : null
        if (model !== null) cards.push({ model, path, oid: entry.oid! })
        else if (entry.type === 'folder') strays.push(`${path}/`)
        else if (entry.type !== 'file' || !entry.name.endsWith('.yaml')) strays.push(path)
        else manifests.push({ kind, name: entry.name.slice(0, -'.yaml'.length), path, oid: entry.oid! })
      }
    }
    const prefix = source.kind === 'commit' ? source.branchPrefix : ARTIFACT_BRANCH_PREFIX
    const tips = new Map([...(await listRefs(this.repo, prefix))].map(([ref, tip]) => [ref.slice(prefix.length), tip]))
    return { source, manifests, cards, strays, tips }
  }

  /** Read a state into a snapshot: its config, manifests (problems captured), branches and their versions. */
  async load(files: SnapshotFiles, options: LoadSnapshotOptions = {}): Promise<RegistrySnapshot> {
    const { source } = files
    const manifests = options.manifests ?? (await this.readManifests(files))
    const prefix = source.kind === 'commit' ? source.branchPrefix : ARTIFACT_BRANCH_PREFIX
    // Reading version lists waits mostly on the file system (and, for a branch not indexed
    // yet, on walking it): several at once.
    const loaded = await mapLimit([...files.tips], BRANCH_READ_CONCURRENCY, async ([artifact, tip]): Promise<SnapshotBranch> => {
      const wanted = options.versions === undefined || options.versions.has(artifact)
      return { artifact, ref: `${prefix}${artifact}`, tip, versions: wanted ? await this.versionsAt(artifact, tip) : null }
    })
    const branches = new Map(loaded.map((branch) => [branch.artifact, branch]))
    const snapshot: RegistrySnapshot = {
      label: source.label,
      commit: source.kind === 'commit' ? source.commit : null,
      config: readSnapshotConfig(REGISTRY_FILE, await this.fileText(source, REGISTRY_FILE)),
      retired: readSnapshotRetired(RETIRED_FILE, await this.fileText(source, RETIRED_FILE)),
      manifests,
      strays: options.manifests ? [] : files.strays,
      branches,
      cards: await Promise.all((files.cards ?? []).map(async (card) => readSnapshotCard(card, (await this.text(card.oid)) ?? ''))),
    }
    snapshot.offBranchObjects = await this.offBranchObjects(snapshot)
    return snapshot
  }

  /** The manifests of a state (only those at `paths`, when given), problems captured. */
  async readManifests(files: SnapshotFiles, paths?: ReadonlySet<string>): Promise<SnapshotManifest[]> {
    const wanted = paths ? files.manifests.filter((file) => paths.has(file.path)) : files.manifests
    await this.manifests.openBulk(wanted.length)
    const out: SnapshotManifest[] = []
    for (const file of wanted) out.push(await this.manifest(file))
    return out
  }

  /** The text a manifest had, for placing findings on its lines. */
  async text(oid: string): Promise<string | null> {
    const kept = this.workTreeTexts.get(oid)
    if (kept !== undefined) return kept
    try {
      return (await readObject(this.repo, oid, { cache: this.objectCache })).content.toString('utf8')
    } catch (err) {
      if (err instanceof CorruptObjectError || err instanceof MissingObjectError) return null
      throw err
    }
  }

  /**
   * Read the trees of the versions `commits` names: every entry git fsck --strict would
   * flag and every malformed LFS pointer, and (unless `has` is false) the Git LFS pointers
   * and whether `has` finds each object (default: the local store, `.git/lfs/objects`).
   */
  async inspectVersions(
    snapshot: RegistrySnapshot,
    commits: Iterable<string>,
    has?: LfsPresence | false,
  ): Promise<{ lfs?: SnapshotLfsFile[]; treeProblems: SnapshotTreeProblem[] }> {
    const store = new LfsStore(this.repo)
    const present = has || ((pointer) => store.has(pointer))
    const trees = new Map<string, string>()
    for (const branch of snapshot.branches.values()) for (const v of branch.versions ?? []) trees.set(v.commit, v.tree)
    const wanted = [...commits].filter((commit) => trees.has(commit))
    const fetched = await this.treesWithGit(wanted.map((commit) => trees.get(commit)!))
    const read = (oid: string) => Promise.resolve(fetched.get(oid) ?? readObject(this.repo, oid, { cache: this.objectCache }))
    // Reading a version's tree is mostly waiting on the file system: keep several in flight.
    const perVersion = await mapLimit(wanted, LFS_READ_CONCURRENCY, async (commit) => {
      const { files, problems } = await walkTree(this.repo, trees.get(commit)!, this.objectCache, read)
      return { commit, problems, ...(await findLfsFiles(this.repo, files, this.objectCache)) }
    })
    const treeProblems: SnapshotTreeProblem[] = []
    for (const { commit, problems, malformed } of perVersion) {
      for (const problem of problems) treeProblems.push({ commit, ...problem })
      for (const [path, reason] of malformed) treeProblems.push({ commit, path, rule: 'lfsPointer', reason: `it is under a Git LFS attribute but its pointer is malformed: ${reason}` })
    }
    if (has === false) return { treeProblems }
    const lfs: SnapshotLfsFile[] = []
    const seen = new Map<string, { present: boolean; storedSize?: number }>()
    for (const { commit, pointers } of perVersion) {
      for (const [path, pointer] of pointers) {
        const key = `${pointer.oid}:${pointer.size}`
        if (!seen.has(key)) {
          const found = await present(pointer)
          const stored = found || has !== undefined ? null : await store.storedSize(pointer.oid)
          seen.set(key, stored === null ? { present: found } : { present: found, storedSize: stored })
        }
        lfs.push({ commit, path, oid: pointer.oid, size: pointer.size, ...seen.get(key)! })
      }
    }
    return { lfs, treeProblems }
  }

  /**
   * Many trees at once (a check of every linked version reads thousands): one
   * `git cat-file --batch` where git is installed, which inflates them in C. Empty when
   * there are few, no git, or git cannot read one of them; the walk then reads them itself
   * (and reports a missing one).
   */
  private async treesWithGit(oids: readonly string[]): Promise<Map<string, ReadObjectResult>> {
    const out = new Map<string, ReadObjectResult>()
    const unique = [...new Set(oids)]
    if (this.repo.binary === undefined || unique.length < GIT_BATCH_FROM) return out
    const objects = await readObjectsWithGit(this.repo, this.repo.binary, unique)
    for (const [i, object] of (objects ?? []).entries()) if (object.type === 'tree') out.set(unique[i]!, { type: 'tree', content: object.content })
    return out
  }

  /**
   * Validated data from the manifest cache, else parsed here. Reading many, the loader
   * uses the cache in bulk and adds what it parsed (see `saveCache`): a fresh clone (a CI
   * job) writes one file for a thousand manifests, and the next run reads them with one
   * call. Reading a few, it writes nothing.
   */
  private async manifest(file: ManifestFile): Promise<SnapshotManifest> {
    const key = `${file.kind} ${file.oid}`
    const known = this.read.get(key)
    if (known) return { ...file, data: known.data, problems: known.problems }
    const cached = await this.manifests.get<SnapshotManifest['data']>(file.oid, file.kind)
    let read: SnapshotManifest
    if (cached !== undefined && cached !== null) read = { ...file, data: cached, problems: [] }
    else {
      read = readSnapshotManifest(file.kind, file.path, file.oid, (await this.text(file.oid)) ?? '')
      if (read.data !== null && this.manifests.bulk) await this.manifests.put(file.oid, read.data, file.kind)
    }
    this.read.set(key, read)
    return read
  }

  /** Keep what this loader parsed for the next run (one file write, only when something was new). */
  async saveCache(): Promise<void> {
    await this.manifests.saveBulk()
  }

  private async fileText(source: SnapshotSource, path: string): Promise<string | null> {
    if (source.kind === 'worktree') return this.repo.fs.readText(`${this.repo.dir}/${path}`)
    const tree = await commitTree(this.repo, source.commit, this.objectCache)
    const entry = await entryAt(this.repo, tree, path, this.objectCache)
    if (!entry || entry.mode === '40000') return null
    return this.text(entry.oid)
  }

  private async workTreeEntries(dir: string): Promise<DirEntry[]> {
    const { fs } = this.repo
    const full = `${this.repo.dir}/${dir}`
    const out: DirEntry[] = []
    for (const name of (await fs.readdir(full)) ?? []) {
      const st = await fs.lstat(`${full}/${name}`)
      if (st === null) continue
      if (st.isDirectory()) out.push({ name, type: 'folder' })
      else if (!st.isFile()) out.push({ name, type: 'other' })
      else {
        const bytes = (await fs.read(`${full}/${name}`)) ?? Buffer.alloc(0)
        const oid = hashObject('blob', bytes)
        if (name.endsWith('.yaml') || name.endsWith('.md')) this.workTreeTexts.set(oid, bytes.toString('utf8'))
        out.push({ name, type: 'file', oid })
      }
    }
    return out
  }

  private async treeEntries(tree: string, dir: string): Promise<DirEntry[]> {
    const entry = await entryAt(this.repo, tree, dir, this.objectCache)
    if (!entry || entry.mode !== '40000') return []
    return (await readTreeEntries(this.repo, entry.oid, this.objectCache)).map((e) => ({
      name: e.name,
      type: e.mode === '40000' ? 'folder' : e.mode === '100644' || e.mode === '100755' ? 'file' : 'other',
      oid: e.oid,
    }))
  }

  /**
   * The versions of the chain ending at `tip`: the local branch's (from its index) when
   * `tip` is on it; otherwise the local ones it shares, plus the commits only it has.
   */
  private async versionsAt(artifact: string, tip: string): Promise<SnapshotVersion[]> {
    const local = await this.local(artifact)
    const at = local.findIndex((v) => v.commit === tip)
    if (at >= 0) return local.slice(0, at + 1).map(toSnapshotVersion)
    const known = new Map(local.map((v, i) => [v.commit, i]))
    const fresh: Array<{ oid: string; commit: ReturnType<typeof decodeCommit> }> = []
    let oid: string | undefined = tip
    let shared = -1
    while (oid !== undefined) {
      const index = known.get(oid)
      if (index !== undefined) {
        shared = index
        break
      }
      const commit = decodeCommit((await readObject(this.repo, oid, { cache: this.objectCache })).content)
      fresh.push({ oid, commit })
      oid = commit.parents[0]
    }
    fresh.reverse()
    const start = shared + 1
    const records = await versionRecords(artifact, start, fresh)
    return [...local.slice(0, start), ...records].map(toSnapshotVersion)
  }

  private local(artifact: string): Promise<VersionRecord[]> {
    let versions = this.localVersions.get(artifact)
    if (!versions) {
      versions = loadVersions(this.repo, artifact).then((v) => v.versions)
      this.localVersions.set(artifact, versions)
    }
    return versions
  }

  /** What each linked commit that is on no branch read is: missing, or some object. */
  private async offBranchObjects(snapshot: RegistrySnapshot): Promise<Map<string, 'missing' | 'commit' | 'tree' | 'blob' | 'tag'>> {
    const onBranches = new Set<string>()
    for (const branch of snapshot.branches.values()) for (const v of branch.versions ?? []) onBranches.add(v.commit)
    const out = new Map<string, 'missing' | 'commit' | 'tree' | 'blob' | 'tag'>()
    for (const manifest of snapshot.manifests) {
      if (manifest.kind !== 'model' || manifest.data === null) continue
      for (const link of (manifest.data as ModelYaml).versions ?? []) {
        if (onBranches.has(link.commit) || out.has(link.commit) || snapshot.branches.get(link.artifact)?.versions === null) continue
        try {
          out.set(link.commit, (await readObject(this.repo, link.commit, { cache: this.objectCache })).type)
        } catch (err) {
          if (!(err instanceof MissingObjectError || err instanceof CorruptObjectError)) throw err
          out.set(link.commit, 'missing')
        }
      }
    }
    return out
  }
}

interface DirEntry {
  name: string
  type: 'file' | 'folder' | 'other'
  oid?: string
}

function toSnapshotVersion(record: VersionRecord): SnapshotVersion {
  return {
    version: record.version,
    commit: record.commit,
    tree: record.tree,
    messageVersion: record.messageVersion,
    ...(record.problem !== undefined && { problem: record.problem }),
    metadata: record.metadata,
    time: record.time,
  }
}

const LFS_READ_CONCURRENCY = 16
/** From this many version trees on, git reads them in one batch (starting it costs ~10 ms). */
const GIT_BATCH_FROM = 100
const BRANCH_READ_CONCURRENCY = 8

/** The work tree as a snapshot source. */
export const WORK_TREE: SnapshotSource = { kind: 'worktree', label: 'work tree' }
