import { StorageError } from '../domain/errors.js'
import { FileSystem, type FsClient } from './fs.js'

/** What a read-only disk answers to a write, said as gmr says a storage failure. */
function refused(path: string): StorageError {
  return new StorageError(`cannot write '${path}': read-only file system (EROFS); this is a dry run, which writes nothing`, { code: 'EROFS', path })
}

const WRITES = new Set(['writeFile', 'appendFile', 'mkdir', 'rename', 'unlink', 'rmdir', 'symlink', 'chmod', 'link', 'copyFile'])
const SYNC_WRITES = new Set(['writeFileSync', 'mkdirSync', 'renameSync', 'createWriteStream'])

/**
 * `fs` seen as a read-only disk: every read as before, every write refused with EROFS.
 * A dry run plans and checks on it, so that it provably writes nothing; the caches a
 * read fills (parsed manifests, the version index) already skip their write on a
 * read-only .git, and any other write would fail the dry run loudly.
 */
export function readOnlyFileSystem(fs: FileSystem): FileSystem {
  const client = fs.client
  const promises = new Proxy(client.promises, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown
      if (typeof value !== 'function') return value
      if (WRITES.has(String(name))) return async (path: string) => Promise.reject(refused(path))
      if (name === 'open') {
        return async (path: string, flags: string, mode?: number) => (flags === 'r' ? value.call(target, path, flags, mode) : Promise.reject(refused(path)))
      }
      return value.bind(target)
    },
  })
  const readOnly = new Proxy(client, {
    get(target, name, receiver) {
      if (name === 'promises') return promises
      const value = Reflect.get(target, name, receiver) as unknown
      if (typeof value !== 'function') return value
      if (SYNC_WRITES.has(String(name))) {
        return (path: string) => {
          throw refused(path)
        }
      }
      return value.bind(target)
    },
  }) as FsClient
  return new FileSystem(readOnly)
}
