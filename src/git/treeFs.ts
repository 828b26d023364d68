import { UnsupportedStateError } from '../domain/errors.js'
import { FileSystem, type FsStat } from './fs.js'
import { readObject } from './objects.js'
import type { GitDir } from './repo.js'
import { entryAt, readTreeEntries } from './treePath.js'

/**
 * The file system of a bare repository as gmr's readers see it: `<root>/<folder>` holds
 * that folder of one tree (the registry branch's `registry/`), read from the object store
 * as if checked out there; everything else is the real file system. Nothing can be
 * written there: there is no work tree, and the error says so.
 */
export class TreeOverlayFs extends FileSystem {
  private readonly cache = {}

  constructor(
    base: FileSystem,
    private readonly root: string,
    private readonly folder: string,
    private readonly objects: GitDir,
    private readonly tree: string | null,
    private readonly refusal: string,
  ) {
    super(base.client)
  }

  /** The path in the tree that `path` shows, or null outside the overlay. */
  private inside(path: string): string | null {
    const mount = `${this.root}/${this.folder}`
    if (path === mount) return this.folder
    return path.startsWith(`${mount}/`) ? path.slice(this.root.length + 1) : null
  }

  private async entry(rel: string) {
    if (this.tree === null) return null
    return entryAt(this.objects, this.tree, rel, this.cache)
  }

  override async read(path: string): Promise<Buffer | null> {
    const rel = this.inside(path)
    if (rel === null) return super.read(path)
    const entry = await this.entry(rel)
    if (!entry || entry.mode === '40000') return null
    return Buffer.from((await readObject(this.objects, entry.oid, { cache: this.cache })).content)
  }

  override async stat(path: string): Promise<FsStat | null> {
    return this.inside(path) === null ? super.stat(path) : this.treeStat(path)
  }

  override async lstat(path: string): Promise<FsStat | null> {
    return this.inside(path) === null ? super.lstat(path) : this.treeStat(path)
  }

  private async treeStat(path: string): Promise<FsStat | null> {
    const rel = this.inside(path)!
    const entry = await this.entry(rel)
    if (!entry) return null
    const folder = entry.mode === '40000'
    const size = folder ? 0 : (await readObject(this.objects, entry.oid, { cache: this.cache })).content.length
    return {
      size,
      mode: parseInt(entry.mode, 8),
      mtimeMs: 0,
      ino: 0,
      isFile: () => !folder && entry.mode !== '120000',
      isDirectory: () => folder,
      isSymbolicLink: () => entry.mode === '120000',
    }
  }

  override async readdir(path: string): Promise<string[] | null> {
    const rel = this.inside(path)
    if (rel === null) return super.readdir(path)
    const entry = await this.entry(rel)
    if (!entry || entry.mode !== '40000') return null
    return (await readTreeEntries(this.objects, entry.oid, this.cache)).map((e) => e.name).sort()
  }

  private refuse(path: string): never {
    throw new UnsupportedStateError(this.refusal, { path })
  }

  override async mkdirp(path: string): Promise<void> {
    return this.inside(path) === null ? super.mkdirp(path) : this.refuse(path)
  }

  override async write(path: string, data: Uint8Array | string, mode?: number): Promise<void> {
    return this.inside(path) === null ? super.write(path, data, mode) : this.refuse(path)
  }

  override async writeAtomic(path: string, data: Uint8Array | string, mode?: number): Promise<void> {
    return this.inside(path) === null ? super.writeAtomic(path, data, mode) : this.refuse(path)
  }

  override async remove(path: string): Promise<void> {
    return this.inside(path) === null ? super.remove(path) : this.refuse(path)
  }

  override async rename(from: string, to: string): Promise<void> {
    return this.inside(to) === null && this.inside(from) === null ? super.rename(from, to) : this.refuse(to)
  }
}
