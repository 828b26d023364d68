import { tempOwner, type FileSystem } from './fs.js'
import { pidExists } from './processes.js'

/**
 * Whether `name` is a temporary file or folder (named by `tempPathFor`) whose process is
 * gone: a leftover of a killed run, never to be trusted or counted as content.
 */
export function isAbandonedTemp(name: string): boolean {
  const owner = tempOwner(name)
  return owner !== null && owner !== process.pid && !pidExists(owner)
}

/**
 * Remove the leftovers of killed runs from `dir` (not below it): temporary names of
 * processes that are gone, only those starting with `prefix` when given. Returns the
 * names removed. Every place gmr writes temporary files sweeps them this way on its next run.
 */
export async function sweepTempFiles(fs: FileSystem, dir: string, prefix = ''): Promise<string[]> {
  const names = ((await fs.readdir(dir)) ?? []).filter((name) => name.startsWith(prefix) && isAbandonedTemp(name))
  for (const name of names) await fs.removeTree(`${dir}/${name}`)
  return names
}
