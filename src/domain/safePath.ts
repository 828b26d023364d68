/**
 * Rules that keep a version's files inside the folder they are written to. A tree
 * read from git may have been crafted by anyone who can push, so every name is
 * checked before anything is written.
 */

/** Why a tree path is unsafe to write under a target folder, or null when it is safe. */
export function unsafePathReason(path: string): string | null {
  if (path === '') return 'it is empty'
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'it is absolute'
  if (path.includes('\\')) return 'it contains a backslash'
  if (path.includes('\0')) return 'it contains a NUL byte'
  for (const part of path.split('/')) {
    if (part === '') return 'it has an empty path component'
    if (part === '.' || part === '..') return `it has a "${part}" component`
    if (isGitDirName(part)) return 'it has a ".git" component'
  }
  return null
}

/** `.git`, also as case variants and with the trailing dots/spaces that Windows and macOS drop. */
export function isGitDirName(name: string): boolean {
  return /^\.git[. ]*$/i.test(name) || /^git~1$/i.test(name)
}

/**
 * Whether a symlink at `linkPath` (relative to the target folder) whose content is
 * `target` would resolve outside the folder. Absolute targets always escape. Other
 * links of the same tree (`links`: path → target) are followed as the OS would follow
 * them, since `t -> .` plus `s -> t/..` is harmless read lexically but escapes on disk.
 */
export function symlinkEscapes(
  linkPath: string,
  target: string,
  links: ReadonlyMap<string, string> = new Map(),
): boolean {
  return resolveInside(linkPath.split('/').slice(0, -1), target, links, 0) === null
}

const MAX_LINK_DEPTH = 40

/** The resolved path as components, or null when it leaves the folder (or loops). */
function resolveInside(
  base: string[],
  target: string,
  links: ReadonlyMap<string, string>,
  depth: number,
): string[] | null {
  if (depth > MAX_LINK_DEPTH) return null
  if (target === '' || target.startsWith('/') || /^[A-Za-z]:/.test(target) || target.includes('\\')) return null
  let parts = [...base]
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (parts.length === 0) return null
      parts.pop()
      continue
    }
    if (isGitDirName(part)) return null
    parts.push(part)
    const link = links.get(parts.join('/'))
    if (link !== undefined) {
      const resolved = resolveInside(parts.slice(0, -1), link, links, depth + 1)
      if (resolved === null) return null
      parts = resolved
    }
  }
  return parts
}
