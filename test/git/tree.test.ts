import { execFileSync } from 'node:child_process'
import * as nodeFs from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CorruptObjectError } from '../../src/domain/errors.js'
import { encodeCommit } from '../../src/git/commit.js'
import { hashObject, writeLooseObject } from '../../src/git/objects.js'
import { decodeTree, encodeTree, type TreeEntry } from '../../src/git/tree.js'
import { diskRepos, GIT_ENV } from '../helpers/diskRepo.js'

const { diskRepo, tempDir } = diskRepos('tree')

const IDENTITY = { name: 'Gmr Test', email: 'gmr@example.com', timestamp: 1_700_000_000, timezoneOffset: -60 }

/** What `git mktree` makes of the same entries: its oid and raw bytes. */
function gitMktree(git: (args: string[], input?: string) => Buffer, entries: TreeEntry[]): { oid: string; raw: Buffer } {
  const typeOf = (mode: string) => (mode === '40000' ? 'tree' : mode === '160000' ? 'commit' : 'blob')
  const input = entries.map((e) => `${e.mode} ${typeOf(e.mode)} ${e.oid}\t${e.name}\n`).join('')
  const oid = git(['mktree', '--missing'], input).toString().trim()
  return { oid, raw: git(['cat-file', 'tree', oid]) }
}

describe('encodeTree', () => {
  it('sorts a folder as if its name ended in "/", exactly as git mktree does', async () => {
    const { repo, git } = diskRepo()
    const blob = await writeLooseObject(repo, 'blob', Buffer.from('x'))
    const sub = await writeLooseObject(repo, 'tree', encodeTree([{ mode: '100644', name: 'inner', oid: blob }]))
    // Given in the wrong order on purpose: git wants a-b, a.b, a/ (the folder), a0.
    const withFolder: TreeEntry[] = [
      { mode: '100644', name: 'a0', oid: blob },
      { mode: '40000', name: 'a', oid: sub },
      { mode: '100644', name: 'a.b', oid: blob },
      { mode: '100644', name: 'a-b', oid: blob },
    ]
    const encoded = encodeTree(withFolder)
    const expected = gitMktree(git, withFolder)
    expect(encoded.equals(expected.raw)).toBe(true)
    expect(hashObject('tree', encoded)).toBe(expected.oid)
    expect(decodeTree(encoded).map((e) => e.name)).toEqual(['a-b', 'a.b', 'a', 'a0'])

    // A file named "a" sorts before "a-b" instead.
    const withFile: TreeEntry[] = [
      { mode: '100644', name: 'a-b', oid: blob },
      { mode: '100644', name: 'a', oid: blob },
      { mode: '100644', name: 'a.b', oid: blob },
    ]
    expect(encodeTree(withFile).equals(gitMktree(git, withFile).raw)).toBe(true)
    expect(decodeTree(encodeTree(withFile)).map((e) => e.name)).toEqual(['a', 'a-b', 'a.b'])
  })

  it('sorts by UTF-8 bytes, not by JavaScript string order', () => {
    const { git } = diskRepo()
    const blob = hashObject('blob', Buffer.from('x'))
    // U+FF5E is above the UTF-16 surrogates an emoji is made of, but below it in UTF-8.
    const entries: TreeEntry[] = ['😀.bin', '～.bin', 'é.bin', 'z.bin', 'Z.bin'].map((name) => ({ mode: '100644', name, oid: blob }))
    const encoded = encodeTree(entries)
    expect(encoded.equals(gitMktree(git, entries).raw)).toBe(true)
    expect(decodeTree(encoded).map((e) => e.name)).toEqual(['Z.bin', 'z.bin', 'é.bin', '～.bin', '😀.bin'])
  })

  it('stores executables and symlinks so a checkout restores them', async () => {
    const { repo, git } = diskRepo()
    const script = await writeLooseObject(repo, 'blob', Buffer.from('#!/bin/sh\necho hi\n'))
    const target = await writeLooseObject(repo, 'blob', Buffer.from('weights/model.bin'))
    const weights = await writeLooseObject(repo, 'blob', Buffer.from('0123'))
    const weightsTree = await writeLooseObject(repo, 'tree', encodeTree([{ mode: '100644', name: 'model.bin', oid: weights }]))
    const entries: TreeEntry[] = [
      { mode: '120000', name: 'link', oid: target },
      { mode: '100755', name: 'run.sh', oid: script },
      { mode: '40000', name: 'weights', oid: weightsTree },
    ]
    const encoded = encodeTree(entries)
    expect(encoded.equals(gitMktree(git, entries).raw)).toBe(true)
    const tree = await writeLooseObject(repo, 'tree', encoded)
    const commit = await writeLooseObject(
      repo,
      'commit',
      encodeCommit({ tree, parents: [], author: IDENTITY, committer: IDENTITY, message: 'modes' }),
    )
    git(['update-ref', 'refs/heads/x', commit])
    expect(git(['fsck', '--strict', '--no-dangling']).toString()).toBe('')
    expect(git(['ls-tree', '-r', 'x']).toString()).toBe(
      [`120000 blob ${target}\tlink`, `100755 blob ${script}\trun.sh`, `100644 blob ${weights}\tweights/model.bin`, ''].join('\n'),
    )

    const checkout = tempDir()
    execFileSync('git', ['clone', '-q', '-b', 'x', repo.gitdir, checkout], { env: GIT_ENV, stdio: 'pipe' })
    expect(nodeFs.readlinkSync(join(checkout, 'link'))).toBe('weights/model.bin')
    expect(nodeFs.readFileSync(join(checkout, 'link'), 'utf8')).toBe('0123')
    expect(nodeFs.statSync(join(checkout, 'run.sh')).mode & 0o111).not.toBe(0)
    expect(nodeFs.statSync(join(checkout, 'weights/model.bin')).mode & 0o111).toBe(0)
  })

  it('encodes the empty tree as git does', () => {
    expect(hashObject('tree', encodeTree([]))).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904')
  })

  const blob = hashObject('blob', Buffer.from('x'))
  const bad: Array<[string, TreeEntry[]]> = [
    ['an empty name', [{ mode: '100644', name: '', oid: blob }]],
    ['"."', [{ mode: '100644', name: '.', oid: blob }]],
    ['".."', [{ mode: '40000', name: '..', oid: blob }]],
    ['a slash', [{ mode: '100644', name: 'a/b', oid: blob }]],
    ['a NUL byte', [{ mode: '100644', name: 'a\0b', oid: blob }]],
    ['".git" in any case', [{ mode: '40000', name: '.GiT', oid: blob }]],
    ['a duplicate name', [{ mode: '100644', name: 'x', oid: blob }, { mode: '100755', name: 'x', oid: blob }]],
    ['a file and a folder with one name', [{ mode: '100644', name: 'x', oid: blob }, { mode: '40000', name: 'x', oid: blob }]],
    ['an unknown mode', [{ mode: '100664' as TreeEntry['mode'], name: 'x', oid: blob }]],
    ['an oid that is not hex', [{ mode: '100644', name: 'x', oid: 'z'.repeat(40) }]],
  ]
  for (const [label, entries] of bad) {
    it(`rejects ${label}`, () => {
      expect(() => encodeTree(entries)).toThrow(CorruptObjectError)
    })
  }
})

describe('decodeTree', () => {
  it('reads a tree git wrote', () => {
    const { dir, git } = diskRepo()
    nodeFs.mkdirSync(join(dir, 'sub'))
    nodeFs.writeFileSync(join(dir, 'sub/file.txt'), 'inner')
    nodeFs.writeFileSync(join(dir, 'top.sh'), 'echo', { mode: 0o755 })
    nodeFs.symlinkSync('top.sh', join(dir, 'alias'))
    git(['add', '-A'])
    git(['commit', '-q', '-m', 'x'])
    const raw = git(['cat-file', 'tree', 'HEAD^{tree}'])
    const rev = (spec: string) => git(['rev-parse', spec]).toString().trim()
    expect(decodeTree(raw)).toEqual([
      { mode: '120000', name: 'alias', oid: rev('HEAD:alias') },
      { mode: '40000', name: 'sub', oid: rev('HEAD:sub') },
      { mode: '100755', name: 'top.sh', oid: rev('HEAD:top.sh') },
    ])
    expect(encodeTree(decodeTree(raw)).equals(raw)).toBe(true)
  })

  it('normalises the zero-padded 040000 old git versions wrote', () => {
    const oid = 'ab'.repeat(20)
    const raw = Buffer.concat([Buffer.from('040000 old\0'), Buffer.from(oid, 'hex')])
    expect(decodeTree(raw)).toEqual([{ mode: '40000', name: 'old', oid }])
  })

  it('rejects a truncated tree', () => {
    const raw = encodeTree([{ mode: '100644', name: 'f', oid: 'cd'.repeat(20) }])
    expect(() => decodeTree(raw.subarray(0, raw.length - 1))).toThrow(CorruptObjectError)
    expect(() => decodeTree(Buffer.from('100644 no-nul'))).toThrow(CorruptObjectError)
  })
})

describe('buildCommit', () => {
  it('changes several paths under one folder in one commit, the folder rebuilt only in memory between them', async () => {
    const { buildCommit } = await import('../../src/git/commitFiles.js')
    const { repo, git } = diskRepo()
    const one = await buildCommit(repo, {
      parent: null,
      files: [
        { path: 'registry/models/a.yaml', content: Buffer.from('a\n') },
        { path: 'registry/models/b.yaml', content: Buffer.from('b\n') },
      ],
      message: 'one',
      author: IDENTITY,
      committer: IDENTITY,
    })
    // Deleting one file and adding another in the same folder: the second change reads the folder the first rebuilt.
    const two = await buildCommit(repo, {
      parent: one,
      files: [
        { path: 'registry/models/a.yaml', content: null },
        { path: 'registry/models/c.yaml', content: Buffer.from('c\n') },
        { path: 'registry/retired.yaml', content: Buffer.from('retired: []\n') },
      ],
      message: 'two',
      author: IDENTITY,
      committer: IDENTITY,
    })
    expect(git(['ls-tree', '-r', '--name-only', two]).toString()).toBe('registry/models/b.yaml\nregistry/models/c.yaml\nregistry/retired.yaml\n')
    git(['update-ref', 'refs/heads/main', two])
    // Nothing dangling: the models folder the first path rebuilt and the second replaced was never written.
    expect(git(['fsck', '--strict', '--no-progress', '--no-reflogs']).toString()).toBe('')
  })
})
