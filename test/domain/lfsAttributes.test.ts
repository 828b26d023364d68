import { describe, expect, it } from 'vitest'
import { GitAttributes } from '../../src/domain/gitattributes.js'
import { wildmatchRegExp } from '../../src/domain/glob.js'
import { escapeAttributePattern, lfsAttributeLine, planLfsAttributes, userAttributesText } from '../../src/domain/lfsAttributes.js'

const LFS = 'filter=lfs diff=lfs merge=lfs -text'

function attrs(files: Record<string, string>): GitAttributes {
  return new GitAttributes(Object.entries(files).map(([dir, text]) => ({ dir, text })))
}

describe('escaping a path as git lfs track --filename does', () => {
  it.each([
    ['model.bin', 'model.bin'],
    ['weights/model.bin', 'weights/model.bin'],
    ['a b.bin', 'a[[:space:]]b.bin'],
    ['tab\tx', 'tab[[:space:]]x'],
    ['new\nline', 'new[[:space:]]line'],
    ['cr\r', 'cr[[:space:]]'],
    ['h#x', 'h\\#x'],
    ['st*r?', 'st\\*r\\?'],
    ['br[1]', 'br\\[1\\]'],
    ['back\\slash', 'back\\\\slash'],
    ['!bang', '\\!bang'],
    ['"quote', '\\"quote'],
    ['mid!dle"', 'mid!dle"'],
    ['v\vf\f', 'v\\\vf\\\f'],
    ['ü.bin', 'ü.bin'],
  ])('%j -> %j', (path, pattern) => {
    expect(escapeAttributePattern(path)).toBe(pattern)
    // And the pattern names exactly that file again.
    const only = attrs({ '': `${pattern} filter=lfs\n` })
    expect(only.get(path, 'filter')).toBe('lfs')
    expect(only.get(`${path}x`, 'filter')).toBeUndefined()
  })

  it('writes the attributes git lfs track writes', () => {
    expect(lfsAttributeLine('a b.bin')).toBe(`a[[:space:]]b.bin ${LFS}`)
  })
})

describe('reading .gitattributes as git does', () => {
  it('matches a slash-less pattern at any depth and a slashed one from its own folder', () => {
    const a = attrs({ '': '*.bin filter=lfs\ndocs/*.md filter=md\n' })
    expect(a.get('x.bin', 'filter')).toBe('lfs')
    expect(a.get('deep/down/x.bin', 'filter')).toBe('lfs')
    expect(a.get('docs/a.md', 'filter')).toBe('md')
    expect(a.get('docs/sub/a.md', 'filter')).toBeUndefined()
    expect(a.get('other/docs/a.md', 'filter')).toBeUndefined()
  })

  it('reads patterns in a sub-folder file relative to that folder, and lets it override the top', () => {
    const a = attrs({ '': '*.bin filter=lfs\n', sub: '*.bin -filter\n/top.txt filter=t\n' })
    expect(a.get('x.bin', 'filter')).toBe('lfs')
    expect(a.get('sub/x.bin', 'filter')).toBe(false)
    expect(a.get('sub/top.txt', 'filter')).toBe('t')
    expect(a.get('top.txt', 'filter')).toBeUndefined()
    expect(a.get('subway/x.bin', 'filter')).toBe('lfs')
  })

  it('lets a later line win, and keeps set, unset, unspecified and values apart', () => {
    const a = attrs({ '': '*.bin filter=lfs\nkeep.bin !filter\nraw.bin -filter\nplain.bin filter\n' })
    expect(a.get('x.bin', 'filter')).toBe('lfs')
    expect(a.get('keep.bin', 'filter')).toBeUndefined()
    expect(a.get('raw.bin', 'filter')).toBe(false)
    expect(a.get('plain.bin', 'filter')).toBe(true)
    expect(a.get('x.bin', 'diff')).toBeUndefined()
  })

  it('expands macros defined at the top, including the built-in binary, but not ones defined deeper', () => {
    const a = attrs({ '': '[attr]lfs filter=lfs diff=lfs merge=lfs -text\n*.bin lfs\n*.png binary\n', sub: '[attr]mine filter=x\n*.dat mine\n' })
    expect(a.get('x.bin', 'filter')).toBe('lfs')
    expect(a.get('x.bin', 'text')).toBe(false)
    expect(a.get('x.png', 'diff')).toBe(false)
    expect(a.get('sub/x.dat', 'filter')).toBeUndefined()
    // Within a line the last attribute wins, so a macro can be overridden after it.
    expect(attrs({ '': '[attr]lfs filter=lfs\n*.bin lfs -filter\n' }).get('x.bin', 'filter')).toBe(false)
    expect(attrs({ '': '[attr]lfs filter=lfs\n*.bin -filter lfs\n' }).get('x.bin', 'filter')).toBe('lfs')
  })

  it('skips comments, negative patterns, folder-only patterns, invalid attribute names and over-long lines', () => {
    const a = attrs({
      '': [
        '# *.bin filter=lfs',
        '!*.txt filter=lfs',
        'dir/ filter=lfs',
        '*.x filter=lfs b@d',
        `${'a'.repeat(2100)} filter=lfs`,
        '   *.ok   filter=lfs   ',
      ].join('\n'),
    })
    expect(a.get('x.bin', 'filter')).toBeUndefined()
    expect(a.get('x.txt', 'filter')).toBeUndefined()
    expect(a.get('dir', 'filter')).toBeUndefined()
    expect(a.get('dir/x', 'filter')).toBeUndefined()
    expect(a.get('y.x', 'filter')).toBeUndefined()
    expect(a.get('y.ok', 'filter')).toBe('lfs')
  })

  it('reads C-quoted patterns and CRLF files', () => {
    const a = attrs({ '': '"a b\\tc.bin" filter=lfs\r\n"\\303\\274.bin" filter=lfs\r\n' })
    expect(a.get('a b\tc.bin', 'filter')).toBe('lfs')
    expect(a.get('ü.bin', 'filter')).toBe('lfs')
  })

  it.each([
    ['**/x.bin', ['x.bin', 'a/x.bin', 'a/b/x.bin'], ['ax.bin']],
    ['a/**/x', ['a/x', 'a/b/x', 'a/b/c/x'], ['b/a/x', 'ax']],
    ['a/**', ['a/x', 'a/b/c'], ['a', 'b/a/x']],
    ['a/*.bin', ['a/x.bin'], ['a/b/x.bin']],
    ['a/x**y', ['a/xy', 'a/xzzy'], ['a/x/y']],
    ['a/[a-c]?', ['a/bz'], ['a/dz', 'a/b/']],
    ['a/[!a-c]', ['a/d'], ['a/b', 'a//']],
    ['a/[]x]', ['a/]', 'a/x'], ['a/y']],
    ['a/[[:digit:][:upper:]]', ['a/7', 'a/Q'], ['a/q']],
    ['a/[[:bogus:]]', [], ['a/b']],
    ['a/[unclosed', [], ['a/[unclosed']],
    ['a/trailing\\', [], ['a/trailing\\']],
    ['a/\\*', ['a/*'], ['a/x']],
  ])('wildmatch %j', (pattern, yes, no) => {
    const a = attrs({ '': `${pattern} filter=lfs\n` })
    for (const path of yes) expect(a.get(path, 'filter'), path).toBe('lfs')
    for (const path of no) expect(a.get(path, 'filter'), path).toBeUndefined()
  })

  it('matches ? against one byte, as git does, not one character', () => {
    expect(wildmatchRegExp('?.bin')!.test(Buffer.from('ü.bin').toString('latin1'))).toBe(false)
    expect(wildmatchRegExp('??.bin')!.test(Buffer.from('ü.bin').toString('latin1'))).toBe(true)
  })
})

describe('planning the .gitattributes of a version', () => {
  it('writes a top-level file with one line per large file, sorted, when the user has none', () => {
    const plan = planLfsAttributes({ attributes: new Map(), required: ['z.bin', 'a b.bin', 'w/m.bin'], files: ['z.bin', 'a b.bin', 'w/m.bin', 'cfg.json'] })
    expect([...plan.additions]).toEqual([['.gitattributes', `a[[:space:]]b.bin ${LFS}\nw/m.bin ${LFS}\nz.bin ${LFS}\n`]])
    expect([...plan.lfs].sort()).toEqual(['a b.bin', 'w/m.bin', 'z.bin'])
  })

  it('needs nothing when no file is large', () => {
    const plan = planLfsAttributes({ attributes: new Map(), required: [], files: ['a', 'b/c'] })
    expect(plan.additions.size).toBe(0)
    expect(plan.lfs.size).toBe(0)
  })

  it("keeps the user's file and appends after it, ending its last line first", () => {
    const plan = planLfsAttributes({ attributes: new Map([['.gitattributes', '*.txt text']]), required: ['m.bin'], files: ['m.bin', 'a.txt'] })
    expect(plan.additions.get('.gitattributes')).toBe(`\nm.bin ${LFS}\n`)
  })

  it('adds nothing for a path the user already tracks, so a downloaded version logs to the same tree', () => {
    const plan = planLfsAttributes({
      attributes: new Map([['.gitattributes', `m.bin ${LFS}\n`]]),
      required: ['m.bin'],
      files: ['m.bin'],
    })
    expect(plan.additions.size).toBe(0)
    expect([...plan.lfs]).toEqual(['m.bin'])
  })

  it("puts the line in the deepest user file on the way, so that nothing there overrides it", () => {
    const plan = planLfsAttributes({
      attributes: new Map([
        ['.gitattributes', '* text=auto\n'],
        ['w/.gitattributes', '*.bin -filter\n'],
      ]),
      required: ['w/deep/m.bin', 'top.bin'],
      files: ['w/deep/m.bin', 'top.bin', 'w/small.bin'],
    })
    expect(plan.additions.get('w/.gitattributes')).toBe(`deep/m.bin ${LFS}\n`)
    expect(plan.additions.get('.gitattributes')).toBe(`top.bin ${LFS}\n`)
    expect([...plan.lfs].sort()).toEqual(['top.bin', 'w/deep/m.bin'])
  })

  it("puts every file the result marks filter=lfs in LFS: the user's own patterns, and same-named files deeper down", () => {
    const plan = planLfsAttributes({
      attributes: new Map([['.gitattributes', `*.onnx ${LFS}\n`]]),
      required: ['model.bin'],
      files: ['model.bin', 'tiny.onnx', 'ckpt/model.bin', 'readme.md'],
    })
    expect([...plan.lfs].sort()).toEqual(['ckpt/model.bin', 'model.bin', 'tiny.onnx'])
  })

  it('keeps CRLF line endings in a CRLF file', () => {
    const plan = planLfsAttributes({ attributes: new Map([['.gitattributes', '*.txt text\r\n']]), required: ['m.bin'], files: ['m.bin'] })
    expect(plan.additions.get('.gitattributes')).toBe(`m.bin ${LFS}\r\n`)
  })

  it('refuses a path too long for a line git would read', () => {
    const long = `${'d/'.repeat(1100)}m.bin`
    expect(() => planLfsAttributes({ attributes: new Map(), required: [long], files: [long] })).toThrow(
      /cannot store .*m\.bin in Git LFS: its path is too long for a \.gitattributes line/,
    )
  })
})

describe('the .gitattributes a download deploys', () => {
  const LINE = 'filter=lfs diff=lfs merge=lfs -text'
  it('a file gmr wrote on its own is not deployed; a line not in gmr\'s exact form is the user\'s', () => {
    expect(userAttributesText('.gitattributes', `a b.bin ${LINE}\nw/big.bin ${LINE}\n`, ['w/big.bin', 'a b.bin'], ['.gitattributes'])).toBe(
      `a b.bin ${LINE}\n`,
    )
    expect(userAttributesText('.gitattributes', `a[[:space:]]b.bin ${LINE}\nw/big.bin ${LINE}\n`, ['w/big.bin', 'a b.bin'], ['.gitattributes'])).toBeNull()
  })

  it('the user\'s own lines are deployed as logged, gmr\'s appended ones dropped (LF, CRLF, no final newline)', () => {
    const user = `*.onnx ${LINE}\n*.json text eol=lf\n`
    expect(userAttributesText('.gitattributes', `${user}big.bin ${LINE}\n`, ['big.bin', 'm.onnx'], ['.gitattributes'])).toBe(user)
    expect(userAttributesText('.gitattributes', `*.json text\r\nbig.bin ${LINE}\r\n`, ['big.bin'], ['.gitattributes'])).toBe('*.json text\r\n')
    expect(userAttributesText('.gitattributes', `*.json text\nbig.bin ${LINE}\n`, ['big.bin'], ['.gitattributes'])).toBe('*.json text\n')
    expect(userAttributesText('.gitattributes', user, ['m.onnx'], ['.gitattributes'])).toBe(user)
  })

  it('undoes exactly what planLfsAttributes appended, for every kind of name', () => {
    const required = ['weights.bin', 'a b/c d.bin', '#hash!.bin', '!bang.bin', 'st*r[1]?.bin', 'tab\there.bin', 'ünï/cödé.bin', 'm.onnx']
    for (const user of ['', `*.onnx ${LINE}\n*.json text eol=lf\n`, '*.json text', '*.json text\r\n']) {
      const attributes = new Map(user === '' ? [] : [['.gitattributes', user]])
      const plan = planLfsAttributes({ attributes, required, files: [...required, 'config.json'] })
      const stored = user + plan.additions.get('.gitattributes')!
      const expected = user === '' ? null : user.endsWith('\n') ? user : `${user}\n`
      expect(userAttributesText('.gitattributes', stored, [...plan.lfs], ['.gitattributes'])).toBe(expected)
    }
  })

  it('a line the user\'s own pattern already covered is the user\'s (gmr adds none for it)', () => {
    const text = `*.bin ${LINE}\nbig.bin ${LINE}\n`
    expect(userAttributesText('.gitattributes', text, ['big.bin'], ['.gitattributes'])).toBe(text)
  })

  it('in a subfolder, lines are relative to it; a file with a deeper .gitattributes is that file\'s', () => {
    expect(userAttributesText('w/.gitattributes', `*.txt text\nbig.bin ${LINE}\n`, ['w/big.bin', 'big.bin'], ['.gitattributes', 'w/.gitattributes'])).toBe('*.txt text\n')
    expect(userAttributesText('.gitattributes', `*.txt text\nbig.bin ${LINE}\n`, ['w/big.bin', 'big.bin'], ['.gitattributes', 'w/.gitattributes'])).toBe('*.txt text\n')
    expect(userAttributesText('.gitattributes', `*.txt text\nw/big.bin ${LINE}\n`, ['w/big.bin'], ['.gitattributes', 'w/.gitattributes'])).toBe(
      `*.txt text\nw/big.bin ${LINE}\n`,
    )
  })
})
