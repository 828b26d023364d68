import { describe, expect, it } from 'vitest'
import { formatVersionMessage, parseVersionMessage } from '../../src/domain/versionMessage.js'

describe('version commit messages', () => {
  it('round-trips subject and YAML body', () => {
    const text = formatVersionMessage({
      artifact: 'churn',
      version: 3,
      metadata: { metrics: { auc: 0.9 }, note: 'multi\nline' },
      source: { commit: 'a'.repeat(40), dirty: true },
    })
    expect(text.split('\n').slice(0, 4)).toEqual(['churn v3', '', 'artifact: churn', 'version: 3'])
    expect(parseVersionMessage(text)).toEqual({
      subject: 'churn v3',
      artifact: 'churn',
      version: 3,
      metadata: { metrics: { auc: 0.9 }, note: 'multi\nline' },
      source: { commit: 'a'.repeat(40), dirty: true },
    })
  })
  it('reads damaged or foreign messages as far as they go', () => {
    expect(parseVersionMessage('just a subject')).toEqual({ subject: 'just a subject' })
    expect(parseVersionMessage('m v2\n\n: : not yaml [')).toEqual({ subject: 'm v2', artifact: 'm', version: 2 })
    expect(parseVersionMessage('m v2\n\n- a list\n')).toEqual({ subject: 'm v2', artifact: 'm', version: 2 })
  })
})
