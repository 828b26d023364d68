import { InvalidInputError } from './errors.js'
import { ATTR_MAX_LINE_LENGTH, GitAttributes } from './gitattributes.js'

/** What `git lfs track` writes after each pattern. */
const LFS_ATTRIBUTES = 'filter=lfs diff=lfs merge=lfs -text'
const GITATTRIBUTES = '.gitattributes'

/**
 * A literal path as a gitattributes pattern, escaped as `git lfs track --filename` does
 * (glob characters and `\` backslash-escaped, a space as `[[:space:]]`, `#` as `\#`), so
 * that git and git-lfs both read it back as exactly this name. Beyond git-lfs: tab, CR
 * and LF also become `[[:space:]]` (raw, they would end the pattern or the line), other
 * control characters are backslash-escaped, and a leading `!` or `"` is escaped so the
 * line is neither a negative nor a quoted pattern.
 */
export function escapeAttributePattern(path: string): string {
  let out = ''
  for (const ch of path) {
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') out += '[[:space:]]'
    else if ('\\*?[]#'.includes(ch) || ch === '\v' || ch === '\f') out += `\\${ch}`
    else out += ch
  }
  return /^[!"]/.test(out) ? `\\${out}` : out
}

/** `<escaped path> filter=lfs diff=lfs merge=lfs -text`, without the line ending. */
export function lfsAttributeLine(path: string): string {
  return `${escapeAttributePattern(path)} ${LFS_ATTRIBUTES}`
}

export interface LfsAttributesInput {
  /** The version's own `.gitattributes` files (regular files), by path in the version. */
  attributes: ReadonlyMap<string, string>
  /** Paths that must be stored in LFS: the files at or above the threshold. */
  required: readonly string[]
  /**
   * Files that already are LFS pointers: they stay pointers in LFS, unless the user's own
   * attributes explicitly give them another filter (then they are content, as git would see them).
   */
  pointers?: readonly string[]
  /** Every regular file of the version except `.gitattributes` files. */
  files: readonly string[]
}

export interface LfsAttributesPlan {
  /**
   * Text to append to `.gitattributes` files (by path), a line ending first where the file
   * lacks a final one; a path not among the inputs is a new file.
   */
  additions: Map<string, string>
  /** Every file git and git-lfs will treat as `filter=lfs`: each must be stored as a pointer. */
  lfs: Set<string>
}

/**
 * Decide the `.gitattributes` of a version. The user's own files are kept; each required
 * path that they do not already mark `filter=lfs` gets a line at the end of the deepest
 * `.gitattributes` on its way (the top one, created if there is none), since that file
 * and that position take precedence over every other line. Then every file the result
 * marks `filter=lfs` is LFS, as `git add` with git-lfs would make it: a user's own
 * `*.onnx filter=lfs …` line, or a same-named file deeper down matched by a top-level
 * entry. The plan depends only on the inputs, so the same files give the same tree.
 */
export function planLfsAttributes(input: LfsAttributesInput): LfsAttributesPlan {
  const contents = new Map(input.attributes)
  const dirs = [...contents.keys()].map(attributesDir)
  const before = new GitAttributes(toFiles(contents))
  const additions = new Map<string, string[]>()
  const pointers = (input.pointers ?? []).filter((path) => {
    const filter = before.get(path, 'filter')
    return filter === undefined || filter === 'lfs'
  })
  const required = [...input.required, ...pointers]
  for (const path of [...required].sort(byBytes)) {
    if (before.get(path, 'filter') === 'lfs') continue
    const dir = deepestDir(dirs, path)
    const file = dir === '' ? GITATTRIBUTES : `${dir}/${GITATTRIBUTES}`
    const line = lfsAttributeLine(dir === '' ? path : path.slice(dir.length + 1))
    if (Buffer.byteLength(line) + 1 >= ATTR_MAX_LINE_LENGTH) {
      throw new InvalidInputError(
        `cannot store ${path} in Git LFS: its path is too long for a .gitattributes line (git ignores lines over ${ATTR_MAX_LINE_LENGTH - 1} bytes); use a shorter path`,
        { path },
      )
    }
    const lines = additions.get(file)
    if (lines) lines.push(line)
    else additions.set(file, [line])
  }
  const appended = new Map<string, string>()
  for (const [file, lines] of additions) {
    const existing = contents.get(file) ?? ''
    const eol = usesCrlf(existing) ? '\r\n' : '\n'
    const separator = existing === '' || existing.endsWith('\n') ? '' : eol
    const text = separator + lines.map((line) => line + eol).join('')
    contents.set(file, existing + text)
    appended.set(file, text)
  }
  const after = additions.size === 0 ? before : new GitAttributes(toFiles(contents))
  const lfs = new Set(required)
  for (const path of input.files) if (after.get(path, 'filter') === 'lfs') lfs.add(path)
  return { additions: appended, lfs }
}

/** Whether a path in a version names a `.gitattributes` file. */
export function isAttributesPath(path: string): boolean {
  return path === GITATTRIBUTES || path.endsWith(`/${GITATTRIBUTES}`)
}

/** The folder a `.gitattributes` file applies to: '' for the top one. */
export function attributesDir(file: string): string {
  return file === GITATTRIBUTES ? '' : file.slice(0, -(GITATTRIBUTES.length + 1))
}

function toFiles(contents: ReadonlyMap<string, string>): Array<{ dir: string; text: string }> {
  return [...contents].map(([file, text]) => ({ dir: attributesDir(file), text }))
}

function deepestDir(dirs: readonly string[], path: string): string {
  let best = ''
  for (const dir of dirs) if (dir !== '' && path.startsWith(`${dir}/`) && dir.length > best.length) best = dir
  return best
}

// git-lfs keeps the line ending a .gitattributes already uses; so do we.
function usesCrlf(text: string): boolean {
  const crlf = text.split('\r\n').length - 1
  return crlf > 0 && crlf * 2 > text.split('\n').length - 1
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/**
 * A version's `.gitattributes` as its user logged it, for writing into a deployed folder:
 * the lines gmr appended for Git LFS removed (the storage format records no marker, so
 * they are recognised by their exact form). gmr appends, in byte order, one
 * `lfsAttributeLine` for each LFS file whose deepest `.gitattributes` this is and that
 * the earlier lines did not already mark `filter=lfs`; the longest run of trailing lines
 * that fits that description is taken to be gmr's. Returns null when nothing of the
 * user's remains: gmr wrote the whole file, and it is not deployed.
 * A line a user wrote in exactly gmr's form, at the very end, is indistinguishable from
 * gmr's and is dropped too; that loses nothing a deployed folder needs.
 */
export function userAttributesText(file: string, text: string, lfsPaths: readonly string[], attributeFiles: readonly string[]): string | null {
  const dir = attributesDir(file)
  const dirs = attributeFiles.map(attributesDir)
  const mine = new Map<string, string>()
  for (const path of lfsPaths) {
    if (deepestDir(dirs, path) !== dir) continue
    mine.set(lfsAttributeLine(dir === '' ? path : path.slice(dir.length + 1)), path)
  }
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  const bare = (line: string) => line.replace(/\r$/, '')
  let run = 0
  while (run < lines.length && mine.has(bare(lines[lines.length - 1 - run]!))) run++
  for (let k = run; k > 0; k--) {
    const kept = lines.slice(0, lines.length - k)
    const stripped = lines.slice(lines.length - k).map((line) => mine.get(bare(line))!)
    const sorted = stripped.every((path, i) => i === 0 || byBytes(stripped[i - 1]!, path) < 0)
    const keptText = kept.map((line) => `${line}\n`).join('')
    const before = new GitAttributes([{ dir, text: keptText }])
    if (sorted && stripped.every((path) => before.get(path, 'filter') !== 'lfs')) {
      return kept.every((line) => bare(line).trim() === '') ? null : keptText
    }
  }
  return text
}
