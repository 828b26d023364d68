import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { toFileSystem, type GitDir } from '../../src/git/repo.js'
import { loadVersion, loadVersions } from '../../src/git/versionIndex.js'
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

  it('walks in-process when the git binary cannot be run', async () => {
    const commits = appendVersions(0, 300, null)
    const noGit: GitDir = { fs: toFileSystem(fs), gitdir: `${repo.dir}/.git`, binary: { env: { PATH: '/nonexistent' } } }
    expect((await loadVersions(noGit, 'a')).versions.map((v) => v.commit)).toEqual(commits)
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
    fs.writeFileSync(table(), Buffer.concat([Buffer.from(first[9]!, 'latin1'), staleTable.subarray(40)]))
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
