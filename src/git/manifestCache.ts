import { schemaFingerprint } from '../domain/generated/schemaSummary.js'
import type { NameKind } from '../domain/layout.js'
import type { GitDir } from './repo.js'

/** One validated manifest in the bulk file, with the kind it was validated as. */
interface BulkEntry {
  kind: NameKind | null
  data: unknown
}

/**
 * A bulk entry as stored: a model's links, fifty objects with the same five keys, are
 * kept as rows under one key list, which halves the file and the time to parse it.
 */
interface StoredEntry {
  kind: NameKind | null
  data: unknown
  /** When present, `data.versions` is stored as `rows` of values for these keys. */
  keys?: string[]
  rows?: unknown[][]
}

interface BulkFile {
  format: typeof BULK_FORMAT
  entries: Record<string, StoredEntry>
}

const BULK_FORMAT = 1
const BULK_FILE = 'bulk.json'
/** Reading this many manifests or more, a reader uses the bulk file. */
const BULK_FROM = 64
/** Past this many entries a save keeps only those this process used or added. */
const BULK_LIMIT = 20_000

/**
 * Validated manifests by the git blob id of their text. Parsing YAML costs ~6 ms for a
 * model with fifty links, so listing a thousand models would take seconds; the parsed,
 * validated data is kept as JSON under `.git/gmr/manifests/<schemas>/`. Keyed by content
 * and by the schemas it was checked against, an entry can never be stale; deleting the
 * folder is always safe.
 *
 * One manifest is one file (`<oid[0:2]>/<oid[2:]>.json`), for commands that read a few.
 * A reader of all of them (check, diff, models) calls `openBulk` first: every entry it
 * reads or adds then lives in one file, `bulk.json`, read with one call and written
 * once by `saveBulk` when something new was parsed (a thousand small files cost a fresh
 * clone more to write than the parsing they save).
 */
export class ManifestCache {
  private readonly dir: string
  private readonly memory = new Map<string, BulkEntry>()
  /** Bulk mode: the fan-out folders of the one-file-per-manifest cache (read only where one exists). */
  private fanouts: Set<string> | null = null
  private readonly used = new Set<string>()
  private added = 0
  private opening: Promise<void> | undefined

  constructor(private readonly repo: GitDir) {
    this.dir = `${repo.gitdir}/gmr/manifests/${schemaFingerprint}`
  }

  private path(oid: string): string {
    return `${this.dir}/${oid.slice(0, 2)}/${oid.slice(2)}.json`
  }

  /**
   * The data cached for blob `oid`; with `kind`, only when it was validated as that kind
   * (a model's text copied into registry/artifacts/ is validated again).
   */
  async get<T>(oid: string, kind?: NameKind): Promise<T | undefined> {
    const known = this.memory.get(oid) ?? (await this.readOne(oid))
    if (known === undefined || (kind !== undefined && known.kind !== null && known.kind !== kind)) return undefined
    this.used.add(oid)
    return known.data as T
  }

  async put(oid: string, data: unknown, kind?: NameKind): Promise<void> {
    this.memory.set(oid, { kind: kind ?? null, data })
    this.used.add(oid)
    if (this.fanouts !== null) {
      this.added++
      return
    }
    try {
      await this.repo.fs.writeAtomic(this.path(oid), JSON.stringify(data))
    } catch {
      // Only a cache: a read-only .git still answers, more slowly.
    }
  }

  /**
   * About to read `count` manifests: from `BULK_FROM` on, read the bulk file into memory
   * and from now on let `put` defer writing to `saveBulk`. Fewer are read one file each.
   */
  openBulk(count: number): Promise<void> {
    if (count < BULK_FROM) return this.opening ?? Promise.resolve()
    this.opening ??= this.readBulk()
    return this.opening
  }

  private async readBulk(): Promise<void> {
    const names = (await this.repo.fs.readdir(this.dir)) ?? []
    this.fanouts = new Set(names.filter((name) => name.length === 2))
    if (!names.includes(BULK_FILE)) return
    const text = await this.repo.fs.readText(`${this.dir}/${BULK_FILE}`)
    try {
      const file = JSON.parse(text ?? '') as BulkFile
      if (file.format !== BULK_FORMAT) return
      for (const [oid, entry] of Object.entries(file.entries)) if (!this.memory.has(oid)) this.memory.set(oid, unpack(entry))
    } catch {
      // A damaged cache is an empty one; the next save replaces it.
    }
  }

  /** Whether reads and writes go through the bulk file. */
  get bulk(): boolean {
    return this.fanouts !== null
  }

  /** Write the bulk file when this process parsed something it did not hold. */
  async saveBulk(): Promise<void> {
    if (this.fanouts === null || this.added === 0) return
    const keep = this.memory.size > BULK_LIMIT ? [...this.used] : [...this.memory.keys()]
    const entries: Record<string, StoredEntry> = {}
    for (const oid of keep) entries[oid] = pack(this.memory.get(oid)!)
    this.added = 0
    try {
      await this.repo.fs.writeAtomic(`${this.dir}/${BULK_FILE}`, JSON.stringify({ format: BULK_FORMAT, entries } satisfies BulkFile))
    } catch {
      // Only a cache.
    }
  }

  private async readOne(oid: string): Promise<BulkEntry | undefined> {
    if (this.fanouts !== null && !this.fanouts.has(oid.slice(0, 2))) return undefined
    const text = await this.repo.fs.readText(this.path(oid))
    if (text === null) return undefined
    try {
      const entry = { kind: null, data: JSON.parse(text) as unknown }
      this.memory.set(oid, entry)
      return entry
    } catch {
      return undefined
    }
  }
}

type Row = Record<string, unknown>

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The stored form: `versions` as rows when every link has the same keys in the same order. */
function pack(entry: BulkEntry): StoredEntry {
  const data = entry.data
  if (!isRow(data) || !Array.isArray(data.versions) || data.versions.length === 0 || !data.versions.every(isRow)) return entry
  const links = data.versions as Row[]
  const keys = Object.keys(links[0]!)
  const shape = keys.join('\n')
  if (!links.every((link) => Object.keys(link).join('\n') === shape)) return entry
  return { kind: entry.kind, data: { ...data, versions: null }, keys, rows: links.map((link) => keys.map((key) => link[key])) }
}

function unpack(stored: StoredEntry): BulkEntry {
  const { keys, rows } = stored
  if (keys === undefined || rows === undefined || !isRow(stored.data)) return { kind: stored.kind, data: stored.data }
  const versions = rows.map((row) => {
    const link: Row = {}
    for (let i = 0; i < keys.length; i++) link[keys[i]!] = row[i]
    return link
  })
  // Assigned in place, so `versions` keeps its place among the keys.
  stored.data.versions = versions
  return { kind: stored.kind, data: stored.data }
}

/**
 * Small values derived from manifests (a model's summary for `gmr models`), by the blob
 * id of the manifest's text, all in one file beside the manifest cache: a thousand
 * summaries are a few hundred kilobytes, read in one call instead of a thousand
 * manifests' full data. Keyed by content and the schemas' fingerprint, never stale.
 */
export class DerivedCache<T> {
  private readonly file: string
  private readonly entries = new Map<string, T>()
  private readonly used = new Set<string>()
  private added = 0

  private constructor(private readonly repo: GitDir, name: string) {
    this.file = `${repo.gitdir}/gmr/manifests/${schemaFingerprint}/${name}.json`
  }

  static async open<T>(repo: GitDir, name: string): Promise<DerivedCache<T>> {
    const cache = new DerivedCache<T>(repo, name)
    try {
      const stored = JSON.parse((await repo.fs.readText(cache.file)) ?? '{}') as Record<string, T>
      for (const [oid, value] of Object.entries(stored)) cache.entries.set(oid, value)
    } catch {
      // A damaged cache is an empty one.
    }
    return cache
  }

  get(oid: string): T | undefined {
    const value = this.entries.get(oid)
    if (value !== undefined) this.used.add(oid)
    return value
  }

  set(oid: string, value: T): void {
    this.entries.set(oid, value)
    this.used.add(oid)
    this.added++
  }

  /** Written only when something was added; past the limit, only what this process used. */
  async save(): Promise<void> {
    if (this.added === 0) return
    const keep = this.entries.size > BULK_LIMIT ? [...this.used] : [...this.entries.keys()]
    const out: Record<string, T> = {}
    for (const oid of keep) out[oid] = this.entries.get(oid)!
    this.added = 0
    try {
      await this.repo.fs.writeAtomic(this.file, JSON.stringify(out))
    } catch {
      // Only a cache.
    }
  }
}
