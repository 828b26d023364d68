import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { toFileSystem, type GitDir } from '../../src/git/repo.js'
import { loadVersion, loadVersions, versionRecords } from '../../src/git/versionIndex.js'
import { decodeCommit, type CommitData } from '../../src/git/commit.js'
import { formatVersionMessage } from '../../src/domain/versionMessage.js'
import { appendVersions as appendChain } from '../helpers/fastImport.js'
import { makeRepo, type TempRepo } from '../helpers/gitRepo.js'

let repo: TempRepo
beforeEach(() => {
  repo = makeRepo()
})
afterEach(() => repo.cleanup())

/** Message bodies the plain reader takes, and some only the YAML library reads (or nobody). */
function body(v: number): string {
  if (v % 10 === 3) return `artifact: a\nversion: ${v}\nmetadata:\n  note: |\n    two\n    lines\n`
  if (v % 10 === 7) return `this is: [not yaml\n`
  return `artifact: a\nversion: ${v}\nmetadata:\n  step: ${v}\n  accuracy: 0.${v}5\n  name: run-${v}\nsource:\n  commit: ${'ab'.repeat(20)}\n  dirty: ${v % 2 === 0}\n`
}

/** `count` versions of artifact `a` after `from` (a commit id), through git fast-import; returns their ids. */
function appendVersions(start: number, count: number, from: string | null, salt = ''): string[] {
  let stream = ''
  for (let v = start; v < start + count; v++) {
    const message = `a v${v}\n\n${body(v)}`
    stream += `commit refs/heads/artifacts/a\nmark :${v + 1}\ncommitter Ada <ada@example.com> ${1_700_000_000 + v} +0000\n`
    stream += `data ${Buffer.byteLength(message)}\n${message}\n`
    if (v === start && from !== null) stream += `from ${from}\n`
    else if (v > start) stream += `from :${v}\n`
    stream += `M 100644 inline model.bin\ndata <<EOF\nweights ${v}${salt}\nEOF\n`
  }
  const marks = `${repo.scratch}/marks`
  execFileSync('git', ['fast-import', '--quiet', '--force', `--export-marks=${marks}`], { cwd: repo.dir, env: repo.env, input: stream })
  const byMark = new Map(fs.readFileSync(marks, 'utf8').trim().split('\n').map((l) => l.slice(1).split(' ') as [string, string]))
  return Array.from({ length: count }, (_, i) => byMark.get(String(start + i + 1))!)
}

function dirs(): { inProcess: GitDir; withGit: GitDir } {
  const gitdir = `${repo.dir}/.git`
  return { inProcess: { fs: toFileSystem(fs), gitdir }, withGit: { fs: toFileSystem(fs), gitdir, binary: { env: repo.env } } }
}

function dropIndex(): void {
  fs.rmSync(`${repo.dir}/.git/gmr`, { recursive: true, force: true })
}

// Chains longer than the in-process walk's 256 commits, so that git walks the rest.
describe('the version index, walked in-process or by the git binary', () => {
  it('gives the same records both ways: numbers, metadata, source, and bodies only the YAML library reads', async () => {
    const commits = appendVersions(0, 300, null)
    const { inProcess, withGit } = dirs()
    const ours = await loadVersions(inProcess, 'a')
    dropIndex()
    const git = await loadVersions(withGit, 'a')
    expect(git).toEqual(ours)
    expect(ours.versions.map((v) => v.commit)).toEqual(commits)
    expect(ours.versions[12]).toMatchObject({
      version: 12,
      messageVersion: 12,
      metadata: { step: 12, accuracy: 0.125, name: 'run-12' },
      source: { commit: 'ab'.repeat(20), dirty: true },
      time: 1_700_000_012,
    })
    expect(ours.versions[13]!.metadata).toEqual({ note: 'two\nlines\n' })
    expect(ours.versions[17]).toMatchObject({ version: 17, messageVersion: 17, metadata: {}, source: null })
  })

  it('extends the index by the new commits only, and answers one version from it', async () => {
    const first = appendVersions(0, 10, null)
    const { withGit, inProcess } = dirs()
    expect((await loadVersions(withGit, 'a')).versions).toHaveLength(10)
    const more = appendVersions(10, 300, first[9]!)
    const extended = await loadVersions(withGit, 'a')
    expect(extended.versions.map((v) => v.commit)).toEqual([...first, ...more])
    expect((await loadVersion(withGit, 'a', 12))?.commit).toBe(more[2])
    dropIndex()
    expect(await loadVersions(inProcess, 'a')).toEqual(extended)
  })

  it('rebuilds when history was rewritten on top of a shared prefix, or moved back', async () => {
    const first = appendVersions(0, 10, null)
    const { withGit, inProcess } = dirs()
    await loadVersions(withGit, 'a')
    // Versions 6.. replaced: git rev-list tip ^old-tip stops at the shared v5.
    const rewritten = appendVersions(6, 300, first[5]!, ' rewritten')
    const after = await loadVersions(withGit, 'a')
    expect(after.versions.map((v) => v.commit)).toEqual([...first.slice(0, 6), ...rewritten])
    expect(after.versions.map((v) => v.version)).toEqual([...Array(306).keys()])
    repo.git('update-ref', 'refs/heads/artifacts/a', first[3]!)
    const back = await loadVersions(withGit, 'a')
    expect(back.versions.map((v) => v.commit)).toEqual(first.slice(0, 4))
    dropIndex()
    expect(await loadVersions(inProcess, 'a')).toEqual(back)
  })

  it('writes a byte-identical index both ways, whatever the messages hold', async () => {
    // Messages as stored, odd on purpose: trailing blanks, no final newline, blank lines,
    // a description, non-ASCII, an author named differently from the committer.
    const odd = (v: number) =>
      [
        `a v${v}\n\nartifact: a\nversion: ${v}\nmetadata:\n  step: ${v}   \n`,
        `a v${v}\n\nartifact: a\nversion: ${v}\ndescription: "two\\nlines  "\nmetadata: {}\n\n\n`,
        `a v${v} ü\n\n\nartifact: a\nversion: ${v}\nmetadata:\n  name: "é ${v}"`,
        `a v${v}\n\nartifact: a\nversion: ${v}\nmetadata:\n  note: |\n    kept  \n\n    trailing\n`,
      ][v % 4]!
    let stream = ''
    for (let v = 0; v < 300; v++) {
      const message = odd(v)
      stream += `commit refs/heads/artifacts/a\nmark :${v + 1}\n`
      stream += `author Zoë Q. <zq@example.com> ${1_600_000_000 + v} +0530\ncommitter Ada <ada@example.com> ${1_700_000_000 + v} -0100\n`
      stream += `data ${Buffer.byteLength(message)}\n${message}\n`
      if (v > 0) stream += `from :${v}\n`
      stream += `M 100644 inline model.bin\ndata <<EOF\nweights ${v}\nEOF\n`
    }
    execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, env: repo.env, input: stream })
    const index = `${repo.dir}/.git/gmr/versions/a.ndjson`
    const { inProcess, withGit } = dirs()
    const ours = await loadVersions(inProcess, 'a')
    const written = fs.readFileSync(index)
    dropIndex()
    expect(await loadVersions(withGit, 'a')).toEqual(ours)
    expect(fs.readFileSync(index).equals(written)).toBe(true)
    expect(ours.versions[1]!.description).toBe('two\nlines  ')
    expect(ours.versions[2]!.metadata).toEqual({ name: 'é 2' })
    expect(ours.versions[0]!.author).toBe('Zoë Q. <zq@example.com>')
  })

  it("reads git's output as it arrives: records are the same when pieces end inside a character or a message", async () => {
    // 300 messages of ~3 KB of two-byte characters: git's output comes in many pieces, cut anywhere.
    let stream = ''
    for (let v = 0; v < 300; v++) {
      const message = `a v${v}\n\nartifact: a\nversion: ${v}\ndescription: ${'é'.repeat(1_000 + v)}\nmetadata:\n  step: ${v}\n`
      stream += `commit refs/heads/artifacts/a\nmark :${v + 1}\ncommitter Ada <ada@example.com> ${1_700_000_000 + v} +0000\n`
      stream += `data ${Buffer.byteLength(message)}\n${message}\n${v > 0 ? `from :${v}\n` : ''}`
    }
    execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, env: repo.env, input: stream })
    const { inProcess, withGit } = dirs()
    const ours = await loadVersions(inProcess, 'a')
    dropIndex()
    expect(await loadVersions(withGit, 'a')).toEqual(ours)
    expect(ours.versions[299]!.description).toBe('é'.repeat(1_299))
  })

  it('walks in-process when the git binary cannot be run', async () => {
    const commits = appendVersions(0, 300, null)
    const noGit: GitDir = { fs: toFileSystem(fs), gitdir: `${repo.dir}/.git`, binary: { env: { PATH: '/nonexistent' } } }
    expect((await loadVersions(noGit, 'a')).versions.map((v) => v.commit)).toEqual(commits)
  })
})

describe('commits read in place', () => {
  it('gives what decodeCommit gives, whatever the headers: signatures, encodings, odd names, duplicated or misplaced fields', async () => {
    const tree = repo.git('hash-object', '-t', 'tree', '-w', '/dev/null').trim()
    const people = [
      'Ada <ada@example.com> 1700000000 +0000',
      'Zoë  Q. <zq@example.com> 1700000001 -0130',
      '<nobody@example.com> 1700000002 +0000',
      'No Space<ns@example.com> 1700000003 +0100',
      'Odd<name <odd@example.com> 1700000004 +0000',
      'Gt>name <gt@example.com> 1700000005 +0000',
    ]
    const extras = [
      '',
      'encoding ISO-8859-1\n',
      'gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n',
      'mergetag object 0000000000000000000000000000000000000000\n type commit\n',
      'author Second <second@example.com> 1700000009 +0000\n',
      'x-custom value with spaces\n',
    ]
    let parent: string | null = null
    const chain: Array<{ oid: string; commit: CommitData }> = []
    for (let v = 0; v < 36; v++) {
      const message = v % 5 === 4 ? `a v${v}` : `a v${v}\n\nartifact: a\nversion: ${v}\nmetadata:\n  step: ${v}\n`
      const text: string =
        `tree ${tree}\n${parent === null ? '' : `parent ${parent}\n`}author ${people[v % people.length]}\n` +
        `committer ${people[(v + 1) % people.length]}\n${extras[Math.floor(v / people.length) % extras.length]}\n${message}`
      const oid: string = execFileSync('git', ['hash-object', '-t', 'commit', '-w', '--literally', '--stdin'], { cwd: repo.dir, input: text }).toString().trim()
      chain.push({ oid, commit: decodeCommit(Buffer.from(text)) })
      parent = oid
    }
    repo.git('update-ref', 'refs/heads/artifacts/a', parent!)
    const { inProcess } = dirs()
    expect((await loadVersions(inProcess, 'a')).versions).toEqual(await versionRecords('a', 0, chain))
  })
})

describe('one version through the line table beside the index', () => {
  const table = () => `${repo.dir}/.git/gmr/versions/a.lines`
  const index = () => `${repo.dir}/.git/gmr/versions/a.ndjson`

  it('answers every version exactly as the whole index does, and nothing past the last', async () => {
    appendVersions(0, 40, null)
    const { inProcess } = dirs()
    const all = await loadVersions(inProcess, 'a')
    expect(fs.existsSync(table())).toBe(true)
    for (const record of all.versions) expect(await loadVersion(inProcess, 'a', record.version)).toEqual(record)
    expect(await loadVersion(inProcess, 'a', 40)).toBeNull()
  })

  it('is ignored when the index was rewritten for another tip after it (a crash between the two writes)', async () => {
    const first = appendVersions(0, 10, null)
    const { inProcess } = dirs()
    await loadVersions(inProcess, 'a')
    const staleTable = fs.readFileSync(table())
    // The branch moves on and back; the index follows it, the table is left behind at the old tip.
    const more = appendVersions(10, 5, first[9]!)
    await loadVersions(inProcess, 'a')
    repo.git('update-ref', 'refs/heads/artifacts/a', more[4]!)
    fs.writeFileSync(table(), staleTable)
    expect((await loadVersion(inProcess, 'a', 12))?.commit).toBe(more[2])
    // Table for the current tip, index from an older one: neither is trusted, the answer is still right.
    repo.git('update-ref', 'refs/heads/artifacts/a', first[9]!)
    fs.writeFileSync(table(), Buffer.concat([Buffer.from(`gmr-lines-3\n${first[9]!}`, 'latin1'), staleTable.subarray(52)]))
    const indexBefore = fs.readFileSync(index(), 'utf8')
    expect(indexBefore.split('\n')[0]).toContain(more[4]!)
    expect((await loadVersion(inProcess, 'a', 3))?.commit).toBe(first[3])
    expect(await loadVersion(inProcess, 'a', 12)).toBeNull()
  })

  it('is not needed: an index written without it still answers, and gets one', async () => {
    const commits = appendVersions(0, 10, null)
    const { inProcess } = dirs()
    await loadVersions(inProcess, 'a')
    fs.rmSync(table())
    expect((await loadVersion(inProcess, 'a', 7))?.commit).toBe(commits[7])
    // ...and leaves one for the next lookup.
    expect(fs.existsSync(table())).toBe(true)
    expect((await loadVersion(inProcess, 'a', 8))?.commit).toBe(commits[8])
  })
})

describe('an index that is not the one written is rebuilt, never believed', () => {
  const index = () => `${repo.dir}/.git/gmr/versions/a.ndjson`
  const table = () => `${repo.dir}/.git/gmr/versions/a.lines`

  /** Versions 0..count-1 of `a`, indexed (with a line table), and the records as a fresh build makes them. */
  async function indexed(count: number) {
    appendVersions(0, count, null)
    const { inProcess } = dirs()
    return { inProcess, truth: (await loadVersions(inProcess, 'a')).versions }
  }

  /** Every way of asking: the whole list, and each version through the table (or without one). */
  async function expectAnswers(inProcess: GitDir, truth: unknown[]) {
    for (const record of truth as Array<{ version: number }>) expect(await loadVersion(inProcess, 'a', record.version)).toEqual(record)
    expect(await loadVersion(inProcess, 'a', truth.length)).toBeNull()
    expect((await loadVersions(inProcess, 'a')).versions).toEqual(truth)
  }

  it('an index cut short, anywhere (a full disk, a copy interrupted)', async () => {
    const { inProcess, truth } = await indexed(12)
    const whole = fs.readFileSync(index())
    const lastLine = whole.lastIndexOf(10, whole.length - 2) + 1
    // Inside the header, after it, at a line end (one version fewer), inside the last line, before its newline.
    for (const cut of [20, whole.indexOf(10) + 1, lastLine, lastLine + 30, whole.length - 1]) {
      fs.writeFileSync(index(), whole.subarray(0, cut))
      await expectAnswers(inProcess, truth)
      expect(fs.readFileSync(index()).equals(whole)).toBe(true)
    }
  })

  it('a line edited by hand, whatever its length, and a line deleted', async () => {
    const { inProcess, truth } = await indexed(12)
    const whole = fs.readFileSync(index(), 'utf8')
    const edits = [
      whole.replace('"step":5', '"step":6'),
      whole.replace('"step":5', '"step":500'),
      whole.replace(`"commit":"${truth[7]!.commit}"`, `"commit":"${truth[8]!.commit}"`),
      whole.split('\n').filter((_, i) => i !== 4).join('\n'),
    ]
    for (const edited of edits) {
      expect(edited).not.toBe(whole)
      // With the table written for the original bytes, and with no table at all.
      for (const keepTable of [true, false]) {
        await loadVersions(inProcess, 'a')
        fs.writeFileSync(index(), edited)
        if (!keepTable) fs.rmSync(table())
        await expectAnswers(inProcess, truth)
      }
    }
  })

  it('an index and table of the older layout (format 2, no checksums) for the same tip', async () => {
    const { inProcess, truth } = await indexed(12)
    const tip = truth[11]!.commit
    // What format 2 wrote, with a record that no longer says what the branch says.
    const lines = [JSON.stringify({ format: 2, tip, count: 12 }), ...truth.map((r) => JSON.stringify({ ...r, metadata: { stale: true } }))]
    fs.writeFileSync(index(), lines.join('\n') + '\n')
    const old = Buffer.alloc(40 + 4 * lines.length)
    old.write(tip, 0, 'latin1')
    let at = 0
    lines.forEach((line, i) => old.writeUInt32LE((at += Buffer.byteLength(line) + 1), 40 + 4 * i))
    fs.writeFileSync(table(), old)
    await expectAnswers(inProcess, truth)
    expect(JSON.parse(fs.readFileSync(index(), 'utf8').split('\n')[0]!)).toMatchObject({ format: 3, tip, count: 12 })
    expect(fs.readFileSync(table()).subarray(0, 12).toString()).toBe('gmr-lines-3\n')
  })

  it('a branch force-pushed to as many versions as before: no record of the old chain is served', async () => {
    const first = appendVersions(0, 12, null)
    const { inProcess, withGit } = dirs()
    await loadVersions(inProcess, 'a')
    const rewritten = appendVersions(4, 8, first[3]!, ' force-pushed')
    for (const v of [4, 11]) expect((await loadVersion(inProcess, 'a', v))?.commit).toBe(rewritten[v - 4])
    expect((await loadVersions(withGit, 'a')).versions.map((r) => r.commit)).toEqual([...first.slice(0, 4), ...rewritten])
  })

  it('a run killed between writing the index and its table leaves answers that are right', async () => {
    const { inProcess, truth } = await indexed(12)
    const staleTable = fs.readFileSync(table())
    const more = appendVersions(12, 3, truth[11]!.commit)
    // The crash point gmr's CLI passes between the two writes (GMR_CRASH_AT=version-index:written): the table stays behind.
    await loadVersions(inProcess, 'a')
    fs.writeFileSync(table(), staleTable)
    expect((await loadVersion(inProcess, 'a', 13))?.commit).toBe(more[1])
    expect((await loadVersion(inProcess, 'a', 5))).toEqual(truth[5])
  })
})

describe('the lines of the index', () => {
  it('are each record exactly as JSON.stringify writes it, whatever quotes, backslashes and brackets its strings hold', async () => {
    const tricky = ['a"b', 'back\\slash', 'ends in a backslash\\', '\\"', '\\\\"', 'x},{"version":1', '[', ']', '{', '}', ',', '","', 'ü 🚀', 'two\nlines', '']
    const messages = tricky.map((text, v) =>
      formatVersionMessage({
        artifact: 'a',
        version: v,
        description: text,
        metadata: { text, [`k${text}`]: [{ version: v, text }, [text, { '}': text }]], nested: { deeper: { text } } },
        ...(v % 2 === 0 && { source: { commit: 'c'.repeat(40), dirty: true } }),
      }),
    )
    const commits = appendChain(repo, 'a', 0, messages.length, null, { body: (v) => messages[v]!.slice(messages[v]!.indexOf('\n') + 2) })
    const { withGit } = dirs()
    const { versions } = await loadVersions(withGit, 'a')
    expect(versions.map((r) => r.commit)).toEqual(commits)
    expect(versions.map((r) => r.description)).toEqual(tricky)
    const lines = fs.readFileSync(`${repo.dir}/.git/gmr/versions/a.ndjson`, 'utf8').split('\n')
    expect(lines.slice(1)).toEqual([...versions.map((record) => JSON.stringify(record)), ''])
    // And the line table finds each of them.
    for (const record of versions) expect(await loadVersion(withGit, 'a', record.version)).toEqual(record)
  })

  it('are cut between records, not where metadata lists objects that start with a version', async () => {
    const messages = [0, 1, 2, 3].map((v) =>
      formatVersionMessage({ artifact: 'a', version: v, metadata: v === 2 ? { runs: [{ step: 1 }, { version: 7, step: 2 }], after: { version: 1 } } : { step: v } }),
    )
    appendChain(repo, 'a', 0, messages.length, null, { body: (v) => messages[v]!.slice(messages[v]!.indexOf('\n') + 2) })
    const { versions } = await loadVersions(dirs().withGit, 'a')
    expect(versions[2]!.metadata).toEqual({ runs: [{ step: 1 }, { version: 7, step: 2 }], after: { version: 1 } })
    const lines = fs.readFileSync(`${repo.dir}/.git/gmr/versions/a.ndjson`, 'utf8').split('\n')
    expect(lines.slice(1)).toEqual([...versions.map((record) => JSON.stringify(record)), ''])
    for (const record of versions) expect(await loadVersion(dirs().withGit, 'a', record.version)).toEqual(record)
  })
})
