import { createHash } from 'node:crypto'
import { manifestPath } from '../../src/domain/layout.js'
import { renderManifest, type ArtifactYaml, type ModelYaml } from '../../src/domain/manifests.js'
import type { RegistryConfig } from '../../src/domain/registryConfig.js'
import {
  readSnapshotManifest,
  type RegistrySnapshot,
  type SnapshotBranch,
  type SnapshotLfsFile,
  type SnapshotVersion,
} from '../../src/domain/registrySnapshot.js'

/** A fake but well-formed commit id, the same for the same seed. */
export function oid(seed: string): string {
  return createHash('sha1').update(seed).digest('hex')
}

/** The commit of version `n` of `artifact` in snapshots built here. */
export function commitOf(artifact: string, n: number): string {
  return oid(`${artifact}:v${n}`)
}

export interface VersionSpec {
  metadata?: Record<string, unknown>
  /** Default: the version number. */
  messageVersion?: number | null
  /** Default: commitOf(artifact, n). */
  commit?: string
}

export interface SnapshotSpec {
  label?: string
  commit?: string | null
  config?: Partial<RegistryConfig> | null
  /** Data (rendered as gmr writes it) or raw text. */
  models?: Record<string, ModelYaml | string>
  artifacts?: Record<string, ArtifactYaml | string>
  /** A number of plain versions, or one spec per version. */
  branches?: Record<string, number | VersionSpec[]>
  /** Where branches are read from, for the remote-tracking case. */
  branchRef?: (artifact: string) => string
  strays?: string[]
  lfs?: SnapshotLfsFile[]
  offBranchObjects?: Record<string, 'missing' | 'commit' | 'tree' | 'blob' | 'tag'>
}

export interface BuiltSnapshot {
  snapshot: RegistrySnapshot
  /** Each manifest's text, by path, for locating findings. */
  texts: Map<string, string>
}

/** A registry snapshot as the loader would build it, without any repository. */
export function buildSnapshot(spec: SnapshotSpec = {}): BuiltSnapshot {
  const texts = new Map<string, string>()
  const manifests = []
  for (const [kind, entries] of [
    ['artifact', spec.artifacts ?? {}],
    ['model', spec.models ?? {}],
  ] as const) {
    for (const [name, content] of Object.entries(entries)) {
      const path = manifestPath(kind, name)
      const text = typeof content === 'string' ? content : renderManifest(kind, content)
      texts.set(path, text)
      manifests.push(readSnapshotManifest(kind, path, oid(text), text))
    }
  }
  manifests.sort((a, b) => (a.path < b.path ? -1 : 1))
  const branches = new Map<string, SnapshotBranch>()
  for (const [artifact, versions] of Object.entries(spec.branches ?? {})) {
    const specs = typeof versions === 'number' ? Array.from({ length: versions }, () => ({})) : versions
    const list: SnapshotVersion[] = specs.map((v: VersionSpec, n) => ({
      version: n,
      commit: v.commit ?? commitOf(artifact, n),
      tree: oid(`tree ${artifact} ${n}`),
      messageVersion: v.messageVersion === undefined ? n : v.messageVersion,
      metadata: v.metadata ?? {},
      time: 1_700_000_000 + n,
    }))
    branches.set(artifact, {
      artifact,
      ref: spec.branchRef ? spec.branchRef(artifact) : `refs/heads/artifacts/${artifact}`,
      tip: list[list.length - 1]!.commit,
      versions: list,
    })
  }
  const config =
    spec.config === null
      ? null
      : { formatVersion: 1 as const, registryBranch: 'main', largeFileThreshold: 1048576, protectedAliases: ['production'], requireSignatures: false, ...spec.config }
  const snapshot: RegistrySnapshot = {
    label: spec.label ?? 'work tree',
    commit: spec.commit ?? null,
    config: { path: 'registry/registry.yaml', data: config, problems: [] },
    manifests,
    strays: spec.strays ?? [],
    branches,
    ...(spec.lfs && { lfs: spec.lfs }),
    ...(spec.offBranchObjects && { offBranchObjects: new Map(Object.entries(spec.offBranchObjects)) }),
  }
  return { snapshot, texts }
}

/** A model manifest linking versions of `artifact` (link K → artifact version K unless given). */
export function model(name: string, options: { artifact?: string; links?: number[]; aliases?: Record<string, number>; tags?: string[]; description?: string; nextVersion?: number } = {}): ModelYaml {
  const artifact = options.artifact ?? 'churn'
  const links = (options.links ?? []).map((artifactVersion, version) => ({
    version,
    artifact,
    artifactVersion,
    commit: commitOf(artifact, artifactVersion),
    linkedAt: '2026-11-01T10:00:00Z',
  }))
  return {
    name,
    description: options.description ?? '',
    tags: options.tags ?? [],
    versions: links,
    aliases: options.aliases ?? {},
    ...(options.nextVersion !== undefined && { nextVersion: options.nextVersion }),
  }
}
