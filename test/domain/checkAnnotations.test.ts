import { describe, expect, it } from 'vitest'
import { escapeData, escapeProperty, formatAnnotation } from '../../src/domain/githubAnnotations.js'

describe('GitHub workflow commands', () => {
  it('escapes % CR LF in messages, and also : and , in properties (actions/toolkit command.ts)', () => {
    expect(escapeData('50% done\r\nnext: a, b')).toBe('50%25 done%0D%0Anext: a, b')
    expect(escapeProperty('dir,with:odd%\nname')).toBe('dir%2Cwith%3Aodd%25%0Aname')
  })

  it('formats an annotation with its location, and without one', () => {
    expect(formatAnnotation({ level: 'error', file: 'registry/models/m.yaml', line: 12, col: 3, title: 'gmr check: alias-ref', message: 'run "gmr sync"' })).toBe(
      '::error file=registry/models/m.yaml,line=12,col=3,title=gmr check%3A alias-ref::run "gmr sync"',
    )
    expect(formatAnnotation({ level: 'warning', message: 'plain' })).toBe('::warning::plain')
  })

  it('text from a manifest cannot end the command or start another one', () => {
    const hostile = 'x\n::set-env name=PATH::/evil\r\n::error::fake'
    const line = formatAnnotation({ level: 'notice', file: 'a,b:c.yaml', message: hostile, title: 't::x' })
    expect(line.split('\n')).toHaveLength(1)
    expect(line).toBe('::notice file=a%2Cb%3Ac.yaml,title=t%3A%3Ax::x%0A::set-env name=PATH::/evil%0D%0A::error::fake')
    // The runner's unescaping gives the original text back.
    const unescape = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%')
    expect(unescape(line.slice(line.indexOf('::', 2) + 2))).toBe(hostile)
  })
})
