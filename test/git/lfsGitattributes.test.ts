import { spawnSync } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GitAttributes } from '../../src/domain/gitattributes.js'
import { escapeAttributePattern } from '../../src/domain/lfsAttributes.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
beforeEach(() => {
  repo = makeRepo()
})
afterEach(() => repo.cleanup())

/**
 * What real git says attribute `filter` is for each path (git check-attr reads the work
 * tree), and the warnings it printed: they are captured so the test can assert them
 * instead of letting them spill into the suite's output.
 */
function gitFilter(paths: string[]): Map<string, string> & { warnings: string } {
  const run = spawnSync('git', ['check-attr', '--stdin', '-z', 'filter'], {
    cwd: repo.dir,
    env: repo.env,
    input: paths.map((p) => `${p}\0`).join(''),
  })
  if (run.status !== 0) throw new Error(`git check-attr failed: ${run.stderr.toString('utf8')}`)
  const fields = run.stdout.toString('utf8').split('\0')
  const result = Object.assign(new Map<string, string>(), { warnings: run.stderr.toString('utf8') })
  for (let i = 0; i + 2 < fields.length; i += 3) result.set(fields[i]!, fields[i + 2]!)
  return result
}

function ours(attributes: GitAttributes, path: string): string {
  const state = attributes.get(path, 'filter')
  return state === undefined ? 'unspecified' : state === true ? 'set' : state === false ? 'unset' : state
}

describe('gmr reads .gitattributes as git does', () => {
  it('agrees with git check-attr on patterns, precedence, macros and quoting', () => {
    const files: Record<string, string> = {
      '': [
        '[attr]big filter=lfs diff=lfs merge=lfs -text',
        '*.bin filter=lfs',
        'docs/**/*.pdf big',
        '/anchored.dat filter=anchor',
        'weights/[0-9]*.pt filter=digits',
        '*.tmp -filter',
        '"quoted name.bin" filter=quoted',
        'keep.bin !filter',
        '**/logs/** filter=logs',
        'a?c filter=q',
        '!negative.bin filter=never',
      ].join('\n'),
      sub: ['*.bin filter=sub', '[attr]ignored filter=never', '*.x ignored', 'deep/*.y filter=deepy'].join('\n'),
      'sub/deeper': '*.bin -filter\n',
    }
    const paths = [
      'x.bin', 'keep.bin', 'a/keep.bin', 'sub/x.bin', 'sub/deeper/x.bin', 'sub/deeper/more/x.bin', 'subway/x.bin',
      'docs/a.pdf', 'docs/a/b/c.pdf', 'other/docs/a.pdf', 'anchored.dat', 'sub/anchored.dat',
      'weights/1.pt', 'weights/x.pt', 'weights/1/2.pt', 'a.tmp', 'quoted name.bin', 'quoted name.binx',
      'logs/a', 'x/logs/b/c', 'abc', 'a/c', 'axc/d', 'negative.bin', 'sub/z.x', 'sub/deep/q.y', 'deep/q.y',
    ]
    for (const [dir, text] of Object.entries(files)) repo.write(dir === '' ? '.gitattributes' : `${dir}/.gitattributes`, text)
    const attributes = new GitAttributes(Object.entries(files).map(([dir, text]) => ({ dir, text })))
    const git = gitFilter(paths)
    expect(Object.fromEntries(paths.map((p) => [p, ours(attributes, p)]))).toEqual(Object.fromEntries(paths.map((p) => [p, git.get(p)])))
    // git ignores the negative pattern and the macro defined below the top level, and says so.
    expect(git.warnings).toMatch(/Negative patterns are ignored in git attributes/)
    expect(git.warnings).toMatch(/\[attr\]ignored filter=never not allowed: sub\/\.gitattributes:2/)
  })

  it('agrees with git check-attr where exact lines and wildcard lines take turns (last match wins)', () => {
    // Exact lines are looked up by path or name, wildcard lines run as globs: the order
    // across the two kinds must still be the file's order.
    const files: Record<string, string> = {
      '': [
        'models/a.bin filter=lfs',
        '*.bin filter=glob',
        'models/b.bin filter=lfs',
        'c.bin filter=name',
        'models/*.bin -filter',
        'models/d.bin filter=lfs',
        'e\\.bin filter=escaped',
        '/top.bin filter=anchored',
        'models/a.bin diff=lfs',
        'x/y/z.dat filter=first',
        'x/y/z.dat filter=second',
        'z.dat filter=byname',
        'deep/top.bin filter=deepexact',
      ].join('\n'),
      sub: ['inner.bin filter=inner', '*.bin filter=subglob', 'late.bin filter=late', 'sub/nested.bin filter=never'].join('\n'),
    }
    const paths = [
      'models/a.bin', 'models/b.bin', 'models/c.bin', 'c.bin', 'other/c.bin', 'models/d.bin', 'models/e.bin', 'e.bin',
      'top.bin', 'deep/top.bin', 'x/top.bin', 'x/y/z.dat', 'z.dat', 'q/z.dat', 'sub/inner.bin', 'sub/a/inner.bin',
      'sub/late.bin', 'sub/other.bin', 'sub/sub/nested.bin', 'sub/nested.bin', 'models/a.binx',
    ]
    for (const [dir, text] of Object.entries(files)) repo.write(dir === '' ? '.gitattributes' : `${dir}/.gitattributes`, text)
    const attributes = new GitAttributes(Object.entries(files).map(([dir, text]) => ({ dir, text })))
    const git = gitFilter(paths)
    expect(Object.fromEntries(paths.map((p) => [p, ours(attributes, p)]))).toEqual(Object.fromEntries(paths.map((p) => [p, git.get(p)])))
  })

  it('agrees with git check-attr on every escaped name it writes', () => {
    const names = [
      '!bang.bin', '"quote.bin', '#hash.bin', 'a b.bin', 'tab\tx.bin', 'new\nline.bin', 'cr\r.bin', 'st*r.bin',
      'q?.bin', 'br[1].bin', 'back\\sl.bin', 'ü.bin', 'd d/f.bin', 'trail ', ' lead', 'v\vf\f.bin',
    ]
    const text = names.map((n) => `${escapeAttributePattern(n)} filter=lfs\n`).join('')
    repo.write('.gitattributes', text)
    const attributes = new GitAttributes([{ dir: '', text }])
    const decoys = ['bang.bin', 'quote.bin', 'hash.bin', 'ab.bin', 'stxr.bin', 'qx.bin', 'br1.bin', 'u.bin', 'dd/f.bin']
    const git = gitFilter([...names, ...decoys])
    for (const name of names) {
      expect(git.get(name), JSON.stringify(name)).toBe('lfs')
      expect(ours(attributes, name), JSON.stringify(name)).toBe('lfs')
    }
    for (const name of decoys) {
      expect(git.get(name), name).toBe('unspecified')
      expect(ours(attributes, name), name).toBe('unspecified')
    }
  })
})
