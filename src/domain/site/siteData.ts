import type { RenderedCard } from './modelCard.js'

/**
 * Everything a site shows, gathered by src/ops/buildSite.ts from the registry's own
 * loaders; the pages are a pure function of it (src/domain/site/pages.ts).
 */
export interface SiteData {
  /** What the site was built from: the branch checked out and its commit. */
  source: { branch: string | null; commit: string | null; registryBranch: string }
  models: SiteModel[]
  artifacts: SiteArtifact[]
  /** Registry-branch changes, newest first (at most `historyLimit`). */
  history: SiteHistoryEntry[]
  historyTotal: number
}

export interface SiteLink {
  version: number
  artifact: string
  artifactVersion: number
  commit: string
  linkedAt: string
  aliases: string[]
  /** The version's metadata, flattened (`metrics.auc`); null when the version is not on its branch here. */
  metadata: Map<string, unknown> | null
}

export interface SiteModel {
  name: string
  description: string
  tags: string[]
  /** Alias → link number, and the commit its ref points at now (null: no ref yet). */
  aliases: Array<{ alias: string; version: number; ref: string | null }>
  links: SiteLink[]
  card: RenderedCard | null
  /** The metric charted, when any linked version has a numeric one. */
  metric: string | null
}

export interface SiteFileEntry {
  path: string
  kind: string
  size: number
  lfs: boolean
}

export interface SiteVersion {
  version: number
  commit: string
  time: number
  author: string
  metadata: Map<string, unknown>
  files: SiteFileEntry[]
}

export interface SiteArtifact {
  name: string
  type: string
  description: string
  aliases: Record<string, number>
  /** Oldest first. */
  versions: SiteVersion[]
  /** `<model>:v<K>` links to this artifact's versions, by version number. */
  linkedFrom: Map<number, string[]>
}

export interface SiteHistoryEntry {
  commit: string
  time: number
  author: string
  subject: string
  changed: Array<{ kind: 'model' | 'artifact'; name: string; removed: boolean }>
}
