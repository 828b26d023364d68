import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { versionsJson, writeVersionsJson } from '../../src/cli/jsonOutput.js'
import { json } from '../../src/cli/render.js'
import type { VersionRecord } from '../../src/git/versionIndex.js'
import type { ListVersionsResult } from '../../src/ops/listVersions.js'
import { gmr } from '../helpers/cli.js'
import { appendVersions as appendChain } from '../helpers/fastImport.js'
import { gmrProcess, makeRepo, type TempRepo } from '../helpers/gitRepo.js'
import { expectValid } from '../helpers/jsonSchemas.js'

// `gmr versions --json` is written version by version from a template; the document
// must stay byte for byte what rendering versionsJson's object would print.

function record(version: number, fields: Partial<VersionRecord> = {}): VersionRecord {
  return {
    version,
    commit: version.toString(16).padStart(40, 'a'),
    tree: version.toString(16).padStart(40, 'b'),
    time: 1_700_000_000 + version * 3_601,
    author: 'Ada Lovelace <ada@example.com>',
    messageVersion: version,
    metadata: { step: version },
    source: null,
    ...fields,
  }
}

function rendered(result: ListVersionsResult): { text: string; writes: number } {
  let text = ''
  let writes = 0
  writeVersionsJson(result, (chunk) => {
    text += chunk
    writes++
  })
  return { text, writes }
}

describe('versions --json, written version by version', () => {
  it('is byte for byte the rendered object, for every shape a version can take', () => {
    const versions = [
      record(0),
      record(1, { description: 'first "real" run\nwith a newline, a tab\t and ü', metadata: {} }),
      record(2, { metadata: { nested: { deeper: { list: [1, 'two', null, { x: true }], empty: [] }, none: {} }, 'ключ': 0.125 } }),
      record(3, { source: { commit: 'c'.repeat(40), dirty: true }, author: 'No Email <>' }),
      record(4, { author: 'just a name', description: '' }),
      record(5, { metadata: { note: 'line one\nline two', emoji: '🚀', quote: '"\\' } }),
      record(6, { description: 'logged', metadata: { a: 1, b: { c: 2 } } }),
      record(7, { author: 'Zoë Q. <zq@example.com>', time: 0 }),
      // Times on other days and at their edges: a leap day, the last second of 9999, the year 10000, before 1970.
      ...[951_868_799, 951_868_800, 253_402_300_799, 253_402_300_800, -1, 86_399, 86_400].map((time, i) => record(8 + i, { time })),
    ]
    const result: ListVersionsResult = {
      artifact: 'churn-model.v2',
      tip: versions[14]!.commit,
      versions,
      additions: {
        v5: { description: 'added later' },
        v6: { metadata: { b: { d: 3 }, e: [1] } },
        v7: {},
      },
    }
    expect(rendered(result).text).toBe(json(versionsJson(result)))
  })

  it('is byte for byte the rendered object with no versions and no branch', () => {
    const result: ListVersionsResult = { artifact: 'empty', tip: null, versions: [], additions: {} }
    expect(rendered(result)).toEqual({ text: json(versionsJson(result)), writes: 1 })
  })

  it('writes thousands of versions in pieces, not one write each, and the pieces add up to the document', () => {
    const versions = Array.from({ length: 2_000 }, (_, v) => record(v))
    const result: ListVersionsResult = { artifact: 'big', tip: versions[1_999]!.commit, versions, additions: { v10: { description: 'x' } } }
    const { text, writes } = rendered(result)
    expect(text).toBe(json(versionsJson(result)))
    expect(writes).toBeGreaterThan(1)
    expect(writes).toBeLessThan(100)
  })
})

describe('versions after a run killed between writing the version index and its line table', () => {
  let repo: TempRepo
  beforeEach(() => {
    repo = makeRepo()
  })
  afterEach(() => repo.cleanup())

  const appendVersions = (start: number, count: number, from: string | null) => void appendChain(repo, 'a', start, count, from)

  it('answers every lookup as a fresh index would', async () => {
    const ok = async (...args: string[]) => {
      const result = await gmr(repo.dir, repo.env, args)
      expect(result.code, result.stderr).toBe(0)
      return result.stdout
    }
    fs.writeFileSync(join(repo.scratch, 'model.bin'), 'weights\n')
    await ok('init')
    await ok('log', 'a', join(repo.scratch, 'model.bin'))
    appendVersions(1, 5, repo.git('rev-parse', 'artifacts/a').trim())
    await ok('versions', 'a')
    const table = join(repo.dir, '.git/gmr/versions/a.lines')
    const staleTable = fs.readFileSync(table)
    appendVersions(6, 3, repo.git('rev-parse', 'artifacts/a').trim())

    const killed = await gmrProcess(repo.dir, { ...repo.env, GMR_CRASH_AT: 'version-index:written' }, ['versions', 'a', '--json'])
    expect(killed.code).toBe(-1)
    expect(fs.readFileSync(table).equals(staleTable)).toBe(true)

    const resolved = JSON.parse(await ok('resolve', 'a:v7', '--json'))
    expect(resolved.version).toMatchObject({ version: 7, commit: repo.git('rev-parse', 'artifacts/a~1').trim(), metadata: { step: 7 } })
    const listed = JSON.parse(await ok('versions', 'a', '--json'))
    expectValid('versions', listed)
    fs.rmSync(join(repo.dir, '.git/gmr/versions'), { recursive: true })
    expect(JSON.parse(await ok('versions', 'a', '--json'))).toEqual(listed)
    expect(listed.versions.map((v: { version: number }) => v.version)).toEqual([...Array(9).keys()])
  })
})
