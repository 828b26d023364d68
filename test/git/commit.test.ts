import * as nodeFs from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CorruptObjectError } from '../../src/domain/errors.js'
import { decodeCommit, encodeCommit, formatIdentity, type GitIdentity } from '../../src/git/commit.js'
import { hashObject, readObject, writeLooseObject } from '../../src/git/objects.js'
import { encodeTree } from '../../src/git/tree.js'
import { diskRepos } from '../helpers/diskRepo.js'

const { diskRepo } = diskRepos('commit')

const text = (b: Buffer) => b.toString().trim()

describe('formatIdentity', () => {
  const id = (timezoneOffset: number): GitIdentity => ({ name: 'A B', email: 'a@b.c', timestamp: 1_700_000_000, timezoneOffset })
  it('signs offsets as git does (UTC+1 is -60)', () => {
    expect(formatIdentity(id(-60))).toBe('A B <a@b.c> 1700000000 +0100')
    expect(formatIdentity(id(-330))).toBe('A B <a@b.c> 1700000000 +0530')
    expect(formatIdentity(id(480))).toBe('A B <a@b.c> 1700000000 -0800')
    expect(formatIdentity(id(-840))).toBe('A B <a@b.c> 1700000000 +1400')
    expect(formatIdentity(id(0))).toBe('A B <a@b.c> 1700000000 +0000')
    expect(formatIdentity(id(-0))).toBe('A B <a@b.c> 1700000000 -0000')
  })

  it('refuses names and emails that would break the header', () => {
    expect(() => formatIdentity({ ...id(0), name: 'Evil <x>' })).toThrow(CorruptObjectError)
    expect(() => formatIdentity({ ...id(0), email: 'a@b\ncommitter x' })).toThrow(CorruptObjectError)
  })
})

describe('decodeCommit and encodeCommit against real git', () => {
  it('round-trip commits git made, byte for byte, with their timezones', () => {
    const { dir, git } = diskRepo()
    nodeFs.writeFileSync(join(dir, 'a.txt'), 'one')
    git(['add', 'a.txt'])
    git(['commit', '-q', '-m', 'first line', '-m', 'body paragraph\nwith two lines'], {
      env: { GIT_AUTHOR_DATE: '1700000000 +0530', GIT_COMMITTER_DATE: '1700000100 -0800' },
    })
    nodeFs.writeFileSync(join(dir, 'a.txt'), 'two')
    git(['commit', '-q', '-am', 'second'], { env: { GIT_AUTHOR_DATE: '1700000200 +0000', GIT_COMMITTER_DATE: '1700000300 +1345' } })

    const first = text(git(['rev-parse', 'HEAD~1']))
    const raw = git(['cat-file', 'commit', first])
    const decoded = decodeCommit(raw)
    expect(decoded).toEqual({
      tree: text(git(['rev-parse', 'HEAD~1^{tree}'])),
      parents: [],
      author: { name: 'Test Author', email: 'author@example.com', timestamp: 1_700_000_000, timezoneOffset: -330 },
      committer: { name: 'Test Committer', email: 'committer@example.com', timestamp: 1_700_000_100, timezoneOffset: 480 },
      message: 'first line\n\nbody paragraph\nwith two lines\n',
      headers: {},
    })
    expect(encodeCommit(decoded).equals(raw)).toBe(true)

    const secondRaw = git(['cat-file', 'commit', 'HEAD'])
    const second = decodeCommit(secondRaw)
    expect(second.parents).toEqual([first])
    expect(second.committer.timezoneOffset).toBe(-(13 * 60 + 45))
    expect(hashObject('commit', encodeCommit(second))).toBe(text(git(['rev-parse', 'HEAD'])))
  })

  it('decodes merges and keeps a multi-line gpgsig, re-encoding it exactly', () => {
    const { git } = diskRepo()
    const tree = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
    const p1 = 'a'.repeat(40)
    const p2 = 'b'.repeat(40)
    const signature = ['-----BEGIN PGP SIGNATURE-----', '', 'iQEzBAABCAAdFiEE', '=abcd', '-----END PGP SIGNATURE-----'].join('\n')
    const raw = Buffer.from(
      `tree ${tree}\nparent ${p1}\nparent ${p2}\n` +
        'author A <a@x> 1700000000 +0100\ncommitter C <c@x> 1700000001 -0230\n' +
        `encoding UTF-8\ngpgsig ${signature.replace(/\n/g, '\n ')}\n\nMerge things\n\n- one\n`,
    )
    // git itself accepts the object (hash-object checks commit syntax).
    const oid = text(git(['hash-object', '-t', 'commit', '-w', '--stdin'], { input: raw }))
    expect(git(['cat-file', 'commit', oid]).equals(raw)).toBe(true)

    const decoded = decodeCommit(raw)
    expect(decoded.parents).toEqual([p1, p2])
    expect(decoded.committer.timezoneOffset).toBe(150)
    expect(decoded.headers).toEqual({ encoding: 'UTF-8', gpgsig: signature })
    expect(decoded.message).toBe('Merge things\n\n- one\n')
    expect(encodeCommit(decoded).equals(raw)).toBe(true)
  })
})

describe('encodeCommit', () => {
  it('writes commits git fsck --strict accepts and git log shows as written', async () => {
    const { repo, git } = diskRepo()
    const blob = await writeLooseObject(repo, 'blob', Buffer.from('model bytes'))
    const tree = await writeLooseObject(repo, 'tree', encodeTree([{ mode: '100644', name: 'model.bin', oid: blob }]))
    const author: GitIdentity = { name: 'Ada Lovelace', email: 'ada@example.com', timestamp: 1_700_000_000, timezoneOffset: -330 }
    const committer: GitIdentity = { name: 'CI Bot', email: 'ci@example.com', timestamp: 1_700_000_500, timezoneOffset: 480 }
    const v0 = await writeLooseObject(repo, 'commit', encodeCommit({ tree, parents: [], author, committer, message: 'clf v0\n\nartifact: clf\nversion: 0\n\n\n' }))
    const v1 = await writeLooseObject(repo, 'commit', encodeCommit({ tree, parents: [v0], author, committer, message: 'clf v1' }))
    git(['update-ref', 'refs/heads/x', v1])

    expect(git(['fsck', '--strict', '--no-dangling']).toString()).toBe('')
    expect(git(['log', '--format=%H %P|%an <%ae> %ai|%cn <%ce> %ci|%s', 'x']).toString()).toBe(
      `${v1} ${v0}|Ada Lovelace <ada@example.com> 2023-11-15 03:43:20 +0530|CI Bot <ci@example.com> 2023-11-14 14:21:40 -0800|clf v1\n` +
        `${v0} |Ada Lovelace <ada@example.com> 2023-11-15 03:43:20 +0530|CI Bot <ci@example.com> 2023-11-14 14:21:40 -0800|clf v0\n`,
    )
    // The message ends in exactly one newline, however many it was given.
    const raw = git(['cat-file', 'commit', v0])
    expect(raw.toString().endsWith('version: 0\n')).toBe(true)
    expect(raw.toString().endsWith('\n\n')).toBe(false)

    const read = await readObject(repo, v1)
    expect(read.type).toBe('commit')
    expect(decodeCommit(read.content)).toMatchObject({ tree, parents: [v0], author, committer, message: 'clf v1\n' })
  })

  it('rejects a tree or parent that is not an oid', () => {
    const id: GitIdentity = { name: 'a', email: 'b', timestamp: 0, timezoneOffset: 0 }
    expect(() => encodeCommit({ tree: 'nope', parents: [], author: id, committer: id, message: 'm' })).toThrow(CorruptObjectError)
    expect(() =>
      encodeCommit({ tree: 'a'.repeat(40), parents: ['B'.repeat(40)], author: id, committer: id, message: 'm' }),
    ).toThrow(CorruptObjectError)
  })

  it('rejects content that is not a commit', () => {
    expect(() => decodeCommit(Buffer.from('hello\n\nworld'))).toThrow(CorruptObjectError)
    expect(() => decodeCommit(Buffer.from(`tree ${'a'.repeat(40)}\n\nno author`))).toThrow(CorruptObjectError)
  })
})
