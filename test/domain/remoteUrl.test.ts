import { describe, expect, it } from 'vitest'
import { httpsLfsEndpointFor, isLocalRemote, isSshRemote, lfsEndpointFor, redactUrl, urlCredentials } from '../../src/domain/remoteUrl.js'

describe('remote URLs', () => {
  it('derive the LFS endpoint as git-lfs does', () => {
    expect(lfsEndpointFor('https://host/org/models.git')).toBe('https://host/org/models.git/info/lfs')
    expect(lfsEndpointFor('https://host/org/models')).toBe('https://host/org/models.git/info/lfs')
    expect(lfsEndpointFor('https://host/org/models.git/')).toBe('https://host/org/models.git/info/lfs')
    expect(lfsEndpointFor('/srv/git/models.git')).toBe('/srv/git/models.git')
  })
  it('leave an ssh remote to git-lfs-authenticate, with HTTPS on the same host as the fallback', () => {
    expect(lfsEndpointFor('git@github.com:org/models.git')).toBe('git@github.com:org/models.git')
    expect(lfsEndpointFor('ssh://git@host:2222/org/models')).toBe('ssh://git@host:2222/org/models')
    expect(httpsLfsEndpointFor('git@github.com:org/models.git')).toBe('https://github.com/org/models.git/info/lfs')
    expect(httpsLfsEndpointFor('ssh://git@host:2222/org/models')).toBe('https://host/org/models.git/info/lfs')
    expect(httpsLfsEndpointFor('git+ssh://host/org/models.git')).toBe('https://host/org/models.git/info/lfs')
    expect(httpsLfsEndpointFor('git://host/org/models')).toBe('https://host/org/models.git/info/lfs')
    expect(lfsEndpointFor('git://host/org/models')).toBe('https://host/org/models.git/info/lfs')
    for (const url of ['git@host:org/m.git', 'host:m.git', 'ssh://host/m', 'git+ssh://u@h:22/m']) expect(isSshRemote(url)).toBe(true)
    for (const url of ['https://host/m.git', '/srv/m.git', './m', 'file:///m', 'git://host/m']) expect(isSshRemote(url)).toBe(false)
  })
  it('read and hide credentials', () => {
    expect(urlCredentials('https://ada:s%40cret@host/x.git')).toEqual({ username: 'ada', password: 's@cret' })
    expect(urlCredentials('https://host/x.git')).toBeNull()
    expect(redactUrl('https://ada:secret@host/x.git')).toBe('https://host/x.git')
  })
  it('tell local paths from network remotes', () => {
    expect(isLocalRemote('/a/b.git')).toBe(true)
    expect(isLocalRemote('file:///a/b.git')).toBe(true)
    expect(isLocalRemote('https://host/a.git')).toBe(false)
    expect(isLocalRemote('git@host:a.git')).toBe(false)
  })
})
