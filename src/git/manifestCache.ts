import { schemaFingerprint } from '../domain/generated/schemaSummary.js'
import type { GitDir } from './repo.js'

/**
 * Validated manifests by the git blob id of their text. Parsing YAML costs ~6 ms for a
 * model with fifty links, so listing a thousand models would take seconds; the parsed,
 * validated data is kept as JSON under `.git/gmr/manifests/<schemas>/`. Keyed by content
 * and by the schemas it was checked against, an entry can never be stale; deleting the
 * folder is always safe.
 */
export class ManifestCache {
  private readonly dir: string
  private readonly memory = new Map<string, unknown>()

  constructor(private readonly repo: GitDir) {
    this.dir = `${repo.gitdir}/gmr/manifests/${schemaFingerprint}`
  }

  private path(oid: string): string {
    return `${this.dir}/${oid.slice(0, 2)}/${oid.slice(2)}.json`
  }

  async get<T>(oid: string): Promise<T | undefined> {
    if (this.memory.has(oid)) return this.memory.get(oid) as T
    const text = await this.repo.fs.readText(this.path(oid))
    if (text === null) return undefined
    try {
      const data = JSON.parse(text) as T
      this.memory.set(oid, data)
      return data
    } catch {
      return undefined
    }
  }

  async put(oid: string, data: unknown): Promise<void> {
    this.memory.set(oid, data)
    try {
      await this.repo.fs.writeAtomic(this.path(oid), JSON.stringify(data))
    } catch {
      // Only a cache: a read-only .git still answers, more slowly.
    }
  }
}
