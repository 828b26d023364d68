import { UnsupportedStateError } from '../../domain/errors.js'
import { manifestDir, manifestPath, type NameKind } from '../../domain/layout.js'
import type { ArtifactYaml, ManifestYaml, ModelYaml } from '../../domain/manifests.js'
import { ManifestCache } from '../../git/manifestCache.js'
import { hashObject, readObject } from '../../git/objects.js'
import type { GitDir, Repo } from '../../git/repo.js'
import { loadManifests } from './lazyModules.js'

/** A manifest as read: where it is, its content id, and its validated data. */
export interface ManifestRecord<T extends ManifestYaml = ManifestYaml> {
  kind: NameKind
  name: string
  path: string
  /** The git blob id of the file's text (also the cache key). */
  oid: string
  data: T
}

/**
 * Reads manifests from the work tree or from git objects, parsing and validating each
 * text once: validated data is cached by content (see ManifestCache), and the YAML
 * library loads only when something new has to be parsed.
 */
export class ManifestStore {
  private readonly cache: ManifestCache
  private readonly objectCache = {}

  constructor(private readonly repo: GitDir & Partial<Pick<Repo, 'dir'>>) {
    this.cache = new ManifestCache(repo)
  }

  /** The manifest in the work tree, or null when there is none. */
  async read(kind: 'model', name: string): Promise<ManifestRecord<ModelYaml> | null>
  async read(kind: 'artifact', name: string): Promise<ManifestRecord<ArtifactYaml> | null>
  async read(kind: NameKind, name: string): Promise<ManifestRecord | null>
  async read(kind: NameKind, name: string): Promise<ManifestRecord | null> {
    const path = manifestPath(kind, name)
    const text = await this.repo.fs.read(`${this.workTree()}/${path}`)
    if (text === null) return null
    return this.fromText(kind, name, path, text)
  }

  /** Every manifest of one kind in the work tree, by name. */
  async list(kind: NameKind): Promise<ManifestRecord[]> {
    const dir = `${this.workTree()}/${manifestDir(kind)}`
    const names = ((await this.repo.fs.readdir(dir)) ?? []).filter((n) => n.endsWith('.yaml'))
    await this.cache.openBulk(names.length)
    const out: ManifestRecord[] = []
    for (const file of names) {
      const record = await this.read(kind, file.slice(0, -'.yaml'.length))
      if (record) out.push(record)
    }
    await this.cache.saveBulk()
    return out
  }

  /** A manifest stored in git as blob `oid` at `path`. */
  async readBlob(path: string, oid: string): Promise<ManifestRecord> {
    const kind: NameKind = path.startsWith(manifestDir('model')) ? 'model' : 'artifact'
    const name = path.slice(path.lastIndexOf('/') + 1).replace(/\.yaml$/, '')
    const cached = await this.cache.get<ManifestYaml>(oid)
    if (cached !== undefined) return { kind, name, path, oid, data: cached }
    const { content } = await readObject(this.repo, oid, { cache: this.objectCache })
    return this.fromText(kind, name, path, content)
  }

  private async fromText(kind: NameKind, name: string, path: string, text: Buffer): Promise<ManifestRecord> {
    const oid = hashObject('blob', text)
    const cached = await this.cache.get<ManifestYaml>(oid, kind)
    if (cached !== undefined) return { kind, name, path, oid, data: cached }
    const { readManifestData } = await loadManifests()
    const data = readManifestData(kind, text.toString('utf8'), path)
    await this.cache.put(oid, data, kind)
    return { kind, name, path, oid, data }
  }

  private workTree(): string {
    if (this.repo.dir === undefined) {
      throw new UnsupportedStateError('this repository has no work tree: run gmr in a clone with a work tree, not in a bare repository')
    }
    return this.repo.dir
  }
}

/** A model manifest with its defaults filled in, for readers. */
export interface ModelView {
  name: string
  description: string
  tags: string[]
  versions: NonNullable<ModelYaml['versions']>
  aliases: Record<string, number>
}

export function modelView(data: ModelYaml): ModelView {
  return {
    name: data.name,
    description: data.description ?? '',
    tags: data.tags ?? [],
    versions: data.versions ?? [],
    aliases: data.aliases ?? {},
  }
}
