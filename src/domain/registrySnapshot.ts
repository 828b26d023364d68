import { ManifestError } from './errors.js'
import { parsePlainYaml } from './fastYaml.js'
import { validateArtifact, validateModel } from './generated/validators.js'
import type { NameKind } from './layout.js'
import type { ManifestYaml, ModelYaml } from './manifests.js'
import type { ModelCard } from './modelCard.js'
import { parseRegistryConfig, type RegistryConfig } from './registryConfig.js'
import { parseRetired, type RetiredYaml } from './retired.js'
import { MAX_MANIFEST_BYTES, parseYamlFile, type ManifestProblem } from './yamlFile.js'

/**
 * One state of a registry as plain data: what `gmr check` validates and `gmr diff`
 * compares. Loaded from git (a commit, or the work tree) by src/ops/support/registryStateLoader.ts;
 * everything that decides anything about it is a pure function over this shape.
 */
export interface RegistrySnapshot {
  /** How the user named it: `work tree`, `origin/main`, `HEAD~1`. */
  label: string
  /** The commit whose tree it is; null for the work tree. */
  commit: string | null
  config: SnapshotConfig
  /** Every file under registry/artifacts/ and registry/models/, sorted by path. */
  manifests: SnapshotManifest[]
  /** Entries there that are not manifests (a `.yml`, a folder, a symlink). */
  strays: string[]
  /** `registry/retired.yaml`, the record of removals and renames (absent: not read). */
  retired?: SnapshotRetired
  /** Artifact branches as seen from this state, by artifact name. */
  branches: ReadonlyMap<string, SnapshotBranch>
  /**
   * What a link's commit is when it is on no artifact branch: `missing` from the
   * repository, or the type of object it is. Only such commits are looked up.
   */
  offBranchObjects?: ReadonlyMap<string, 'missing' | 'commit' | 'tree' | 'blob' | 'tag'>
  /** Git LFS pointers in linked versions, when they were looked up (the checked state only). */
  lfs?: SnapshotLfsFile[]
  /** Entries of linked versions that no reader may write (crafted or damaged trees), when they were read. */
  treeProblems?: SnapshotTreeProblem[]
  /** Model cards, `registry/models/<model>.md`, when they were read. */
  cards?: SnapshotCard[]
}

/** A model card as read: its front matter and body, or the problems that kept it from being read. */
export interface SnapshotCard {
  model: string
  path: string
  /** The git blob id of its text: equal ids mean equal cards. */
  oid: string
  /** Null when the front matter does not parse or breaks schemas/modelCard.schema.json. */
  card: ModelCard | null
  problems: ManifestProblem[]
}

/** A tree entry git fsck --strict flags, or a malformed LFS pointer, in a version's tree. */
export interface SnapshotTreeProblem {
  /** The version commit. */
  commit: string
  path: string
  /** `fullPathname`, `duplicateEntries` (git fsck's names) or `lfsPointer`. */
  rule: string
  reason: string
}

/** `registry/registry.yaml`: its settings, or the problems that kept it from being read. */
export interface SnapshotConfig {
  path: string
  /** Null when the file is missing or unreadable; rules then use the defaults. */
  data: RegistryConfig | null
  problems: ManifestProblem[]
}

/** `registry/retired.yaml`: its entries, or the problems that kept it from being read; no file is no entries. */
export interface SnapshotRetired {
  path: string
  data: RetiredYaml | null
  problems: ManifestProblem[]
}

export interface SnapshotManifest {
  kind: NameKind
  /** The name the file name gives (`registry/models/<name>.yaml`). */
  name: string
  path: string
  /** The git blob id of the file's text: equal ids mean equal manifests. */
  oid: string
  /** The validated data; null when the file does not parse or breaks its schema. */
  data: ManifestYaml | null
  /** Parse and schema problems, each with its line and column. */
  problems: ManifestProblem[]
}

export interface SnapshotVersion {
  /** First-parent depth on the branch. */
  version: number
  commit: string
  tree: string
  /** The number the commit message claims (null: it names none). */
  messageVersion: number | null
  /** What else breaks the branch's shape at this commit (see versionChain.ts); absent when nothing. */
  problem?: string
  metadata: Record<string, unknown>
  /** Committer time, seconds since the epoch. */
  time: number
}

export interface SnapshotBranch {
  artifact: string
  /** The ref read, e.g. `refs/heads/artifacts/churn` or `refs/remotes/origin/artifacts/churn`. */
  ref: string
  tip: string
  /** v0 first; null when they were not needed and so not read. */
  versions: SnapshotVersion[] | null
}

/** A file of a linked version that git-lfs checks out from the LFS store. */
export interface SnapshotLfsFile {
  /** The version commit. */
  commit: string
  path: string
  /** The pointer's SHA-256 and size. */
  oid: string
  size: number
  /** Whether the store holds the object. */
  present: boolean
  /** When it is not present but the store holds the oid with another size: that size. */
  storedSize?: number
}

/**
 * Read one manifest the way a check needs it: never throwing, every parse or schema
 * problem kept with its position. The file-name rule is a check rule of its own, so a
 * copied file is reported even when its content was validated before.
 */
export function readSnapshotManifest(kind: NameKind, path: string, oid: string, text: string): SnapshotManifest {
  const name = path.slice(path.lastIndexOf('/') + 1).replace(/\.yaml$/, '')
  const validate = kind === 'model' ? validateModel : validateArtifact
  const quick = text.length <= MAX_MANIFEST_BYTES ? parsePlainYaml(text) : undefined
  if (quick !== undefined && validate(quick)) return { kind, name, path, oid, data: quick, problems: [] }
  try {
    const { data } = parseYamlFile(text, path, validate)
    return { kind, name, path, oid, data, problems: [] }
  } catch (err) {
    return { kind, name, path, oid, data: null, problems: problemsOf(err) }
  }
}

/** `registry/registry.yaml` with defaults filled in, or its problems. */
export function readSnapshotConfig(path: string, text: string | null): SnapshotConfig {
  if (text === null) return { path, data: null, problems: [] }
  try {
    return { path, data: parseRegistryConfig(text, path), problems: [] }
  } catch (err) {
    return { path, data: null, problems: problemsOf(err) }
  }
}

export function readSnapshotRetired(path: string, text: string | null): SnapshotRetired {
  if (text === null) return { path, data: null, problems: [] }
  try {
    return { path, data: parseRetired(text, path).data, problems: [] }
  } catch (err) {
    return { path, data: null, problems: problemsOf(err) }
  }
}

function problemsOf(err: unknown): ManifestProblem[] {
  // Whatever a damaged file makes the YAML library do, it is a finding, never a crash.
  if (!(err instanceof ManifestError)) return [{ line: 1, col: 1, message: `cannot be read as YAML: ${err instanceof Error ? err.message : String(err)}` }]
  const problems = err.data.problems as ManifestProblem[] | undefined
  if (problems && problems.length > 0) return problems
  const line = typeof err.data.line === 'number' ? err.data.line : 1
  const col = typeof err.data.col === 'number' ? err.data.col : 1
  return [{ line, col, message: err.message.replace(/^[^:]*:\d+:\d+: /, '') }]
}

/** Manifests by path, for pairing two snapshots. */
export function manifestsByPath(snapshot: RegistrySnapshot): Map<string, SnapshotManifest> {
  return new Map(snapshot.manifests.map((m) => [m.path, m]))
}

export function validModels(snapshot: RegistrySnapshot): Array<SnapshotManifest & { data: ModelYaml }> {
  return snapshot.manifests.filter((m): m is SnapshotManifest & { data: ModelYaml } => m.kind === 'model' && m.data !== null)
}

/** Where each commit is: the artifact branch and version number that hold it. */
export function commitIndex(branches: ReadonlyMap<string, SnapshotBranch>): Map<string, { artifact: string; version: number }> {
  const index = new Map<string, { artifact: string; version: number }>()
  for (const branch of branches.values()) {
    for (const v of branch.versions ?? []) index.set(v.commit, { artifact: branch.artifact, version: v.version })
  }
  return index
}

/** A version commit and the first place in the manifests that names it. */
export interface VersionUse {
  artifact: string
  /** `churn:v3` */
  version: string
  /** `linked as churn-model:v1`, `alias production of churn` */
  by: string
  file: string
  yamlPath: ReadonlyArray<string | number>
}

/** versionUses' answer per snapshot: several rules ask, and a thousand models name fifty thousand links. */
const usesOf = new WeakMap<RegistrySnapshot, ReadonlyMap<string, VersionUse>>()

/**
 * Every version the manifests name (by a link, or by an artifact's alias), by commit.
 * Computed once per snapshot: a snapshot's manifests and branches do not change after it
 * is loaded.
 */
export function versionUses(snapshot: RegistrySnapshot): ReadonlyMap<string, VersionUse> {
  let known = usesOf.get(snapshot)
  if (!known) {
    known = findVersionUses(snapshot)
    usesOf.set(snapshot, known)
  }
  return known
}

function findVersionUses(snapshot: RegistrySnapshot): Map<string, VersionUse> {
  const uses = new Map<string, VersionUse>()
  for (const model of validModels(snapshot)) {
    ;(model.data.versions ?? []).forEach((link, i) => {
      if (uses.has(link.commit)) return
      uses.set(link.commit, {
        artifact: link.artifact,
        version: `${link.artifact}:v${link.artifactVersion}`,
        by: `linked as ${model.name}:v${link.version}`,
        file: model.path,
        yamlPath: ['versions', i],
      })
    })
  }
  for (const manifest of snapshot.manifests) {
    if (manifest.kind !== 'artifact' || manifest.data === null) continue
    const versions = snapshot.branches.get(manifest.name)?.versions ?? []
    for (const [alias, number] of Object.entries(manifest.data.aliases ?? {})) {
      const commit = versions[number]?.commit
      if (commit === undefined || uses.has(commit)) continue
      uses.set(commit, {
        artifact: manifest.name,
        version: `${manifest.name}:v${number}`,
        by: `alias ${alias} of ${manifest.name}`,
        file: manifest.path,
        yamlPath: ['aliases', alias],
      })
    }
  }
  return uses
}

/**
 * The versions whose LFS objects are looked up: every one the manifests name, or with a
 * base only those the change newly names (the others were looked up when they were
 * proposed), which keeps a pull request's check fast however large the registry.
 */
export function lfsToLookUp(head: RegistrySnapshot, base: RegistrySnapshot | undefined): string[] {
  const named = [...versionUses(head).keys()]
  if (!base) return named
  const before = versionUses(base)
  return named.filter((commit) => !before.has(commit))
}
