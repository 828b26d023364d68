import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'

/**
 * A fingerprint of everything in a repository folder (work tree and .git) except
 * gmr's derived caches under .git/gmr (unless `caches`): two equal fingerprints mean
 * nothing was written, moved or left behind.
 */
export function repoFingerprint(dir: string, options: { caches?: boolean } = {}): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (rel: string) => {
    const full = join(dir, rel)
    for (const name of fs.readdirSync(full).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`
      if (path === '.git/gmr' && !options.caches) continue
      const st = fs.lstatSync(join(dir, path))
      if (st.isDirectory()) walk(path)
      else if (st.isSymbolicLink()) out.set(path, `link:${fs.readlinkSync(join(dir, path))}`)
      else out.set(path, `${st.mode.toString(8)}:${createHash('sha1').update(fs.readFileSync(join(dir, path))).digest('hex')}`)
    }
  }
  walk('')
  return out
}
