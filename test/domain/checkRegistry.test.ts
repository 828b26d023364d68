import { describe, expect, it } from 'vitest'
import { locateFindings, type Finding } from '../../src/domain/checkFindings.js'
import { checkRegistry } from '../../src/domain/checkRegistry.js'
import { renderManifest } from '../../src/domain/manifests.js'
import { readSnapshotManifest } from '../../src/domain/registrySnapshot.js'
import { buildSnapshot, commitOf, model, oid, type SnapshotSpec } from '../helpers/registrySnapshot.js'

const MODEL = 'registry/models/churn-model.yaml'

/** Run every rule over a built snapshot and place the findings, as `gmr check` does. */
function check(spec: SnapshotSpec): Finding[] {
  const { snapshot, texts } = buildSnapshot(spec)
  return locateFindings(checkRegistry({ head: snapshot }), texts)
}

/** `file:line:col rule: message`, one string per finding, to compare whole results. */
function lines(findings: Finding[]): string[] {
  return findings.map((f) => `${[f.file, f.line, f.col].filter((p) => p !== undefined).join(':')} ${f.severity} ${f.rule}: ${f.message}`)
}

const HEADER = '# yaml-language-server: $schema=https://gmr.dev/schemas/model.schema.json\n'

describe('check rules over one snapshot', () => {
  it('a consistent registry has no findings', () => {
    expect(
      check({
        models: { 'churn-model': model('churn-model', { links: [0, 1], aliases: { production: 1, staging: 0 }, tags: ['tabular'] }) },
        artifacts: { churn: { name: 'churn', type: 'model', description: '', aliases: { best: 1 } } },
        branches: { churn: 2 },
      }),
    ).toEqual([])
  })

  // Hand-edited manifests with every kind of damage: each gives findings with a
  // position, and nothing throws.
  const damaged: Array<[string, string, string[]]> = [
    ['unclosed quote', `${HEADER}name: "churn-model\nversions: []\n`, [`${MODEL}:4:1 error manifest-invalid: invalid YAML: missing closing "quote`]],
    ['tab indentation', `${HEADER}name: churn-model\ntags:\n\t- a\n`, [`${MODEL}:4:1 error manifest-invalid: invalid YAML: tabs are not allowed as indentation`]],
    ['duplicate key', `${HEADER}name: churn-model\ntags: []\ntags: [a]\n`, [`${MODEL}:4:1 error manifest-invalid: duplicate key "tags"; each key may appear only once in a map`]],
    ['anchor and alias', `${HEADER}name: churn-model\ntags: &t [a]\ndescription: *t\n`, [
      `${MODEL}:3:7 error manifest-invalid: YAML anchors (&t) are not allowed in manifests; remove the anchor`,
      `${MODEL}:4:14 error manifest-invalid: YAML aliases (*t) are not allowed in manifests; write the value out in full`,
    ]],
    ['two documents', `${HEADER}name: churn-model\n---\nname: other\n`, [`${MODEL}:3:1 error manifest-invalid: a manifest holds one YAML document; remove the "---" and what follows it`]],
    ['a list, not a map', `${HEADER}- name: churn-model\n`, [`${MODEL}:2:1 error manifest-invalid: manifest must be a map, not a list`]],
    ['empty file', '', [`${MODEL}:1:1 error manifest-invalid: manifest must be a map, not empty`]],
    ['wrong types', `${HEADER}name: churn-model\nversions: 3\naliases: [production]\n`, [
      `${MODEL}:3:11 error manifest-invalid: versions must be a list, not the integer 3`,
      `${MODEL}:4:10 error manifest-invalid: aliases must be a map, not a list`,
    ]],
    [
      'a broken link, a bad alias and a bad tag at once',
      `${HEADER}name: churn-model\ntags:\n  - Bad\nversions:\n  - version: 0\n    artifact: churn\n    commit: xyz\naliases:\n  Prod: 0\n  staging: -1\n`,
      [
        `${MODEL}:4:5 error manifest-invalid: tag "Bad" must match ^[a-z0-9][a-z0-9._:-]{0,63}$`,
        `${MODEL}:6:5 error manifest-invalid: missing required fields "artifactVersion" and "linkedAt"`,
        `${MODEL}:8:13 error manifest-invalid: commit "xyz" must match ^[0-9a-f]{40}$`,
        `${MODEL}:10:3 error manifest-invalid: alias "Prod" must match ^[a-z][a-z0-9._-]{0,62}$`,
        `${MODEL}:11:12 error manifest-invalid: version number of alias "staging" must be at least 0, not -1`,
      ],
    ],
    ['an unknown field', `${HEADER}name: churn-model\nowner: ada\n`, [`${MODEL}:3:1 error manifest-invalid: unknown field "owner" (allowed: name, description, tags, versions, aliases, nextVersion)`]],
    ['the name of another file', `${HEADER}name: other-model\n`, [`${MODEL}:2:7 error manifest-name: name "other-model" does not match the file name; rename the file or set name: churn-model`]],
    ['no name at all', `${HEADER}description: x\n`, [`${MODEL}:2:1 error manifest-invalid: missing required field "name"`]],
    ['bytes that are not text', '\u0000\u0001\ufffd\ufffd: [', [`${MODEL}:1:8 error manifest-invalid: invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]`]],
  ]
  for (const [what, text, expected] of damaged) {
    it(`a manifest with ${what} is a finding at its line`, () => {
      const findings = check({ models: { 'churn-model': text }, branches: { churn: 1 } })
      const got = lines(findings)
      // The exact YAML library wording may differ for syntax errors; position and rule may not.
      expect(got.map((l) => l.split(': ')[0])).toEqual(expected.map((l) => l.split(': ')[0]))
      if (!/quote|tabs/.test(expected[0]!)) expect(got).toEqual(expected)
    })
  }

  it('a manifest over the size limit is one finding, not a crash', () => {
    const text = `${HEADER}name: churn-model\ndescription: "${'x'.repeat(1024 * 1024)}"\n`
    expect(lines(check({ models: { 'churn-model': text } }))).toEqual([
      `${MODEL}:1:1 error manifest-invalid: file is larger than 1048576 bytes, the most a manifest may be`,
    ])
  })

  it('never throws on a damaged manifest: each cut, insertion or swap of a valid one reads as data or as placed problems', () => {
    const valid = renderManifest('model', model('churn-model', { links: [0, 1], aliases: { production: 1 }, tags: ['a'] }))
    const noise = ['"', "'", ':', '- ', '{', '[', '&a ', '*a', '\t', '\n', '#', '---\n', '? ', '|', '%', '!!', '\u0000']
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let i = 0; i < 500; i++) {
      const at = random(valid.length)
      const text =
        i % 3 === 0
          ? valid.slice(0, at) + valid.slice(at + 1 + random(20))
          : i % 3 === 1
            ? valid.slice(0, at) + noise[random(noise.length)] + valid.slice(at)
            : valid.slice(0, at) + valid.slice(at, at + 30).split('').reverse().join('') + valid.slice(at + 30)
      const read = readSnapshotManifest('model', MODEL, oid(text), text)
      if (read.data !== null) expect(read.problems).toEqual([])
      else {
        expect(read.problems.length, text).toBeGreaterThan(0)
        for (const p of read.problems) expect(p.line >= 1 && p.col >= 1 && p.message.length > 0, text).toBe(true)
      }
    }
  })

  it('files that are not manifests are warnings; registry.yaml problems are errors', () => {
    const { snapshot } = buildSnapshot({ strays: ['registry/models/churn.yml', 'registry/models/old/', 'registry/artifacts/link.yaml'] })
    snapshot.config = { path: 'registry/registry.yaml', data: null, problems: [{ line: 3, col: 19, message: 'protected alias "Prod" must match ^[a-z][a-z0-9._-]{0,62}$' }] }
    expect(lines(locateFindings(checkRegistry({ head: snapshot }), new Map()))).toEqual([
      'registry/artifacts/link.yaml warning manifest-stray: registry/artifacts/link.yaml is not a regular file, so gmr does not read it; manifests are regular files named <name>.yaml',
      'registry/models/churn.yml warning manifest-stray: registry/models/churn.yml does not end in .yaml, so gmr does not read it; manifests are regular files named <name>.yaml',
      'registry/models/old warning manifest-stray: registry/models/old/ is a folder, so gmr does not read it; manifests are regular files named <name>.yaml',
      'registry/registry.yaml:3:19 error registry-config: protected alias "Prod" must match ^[a-z][a-z0-9._-]{0,62}$',
    ])
    expect(lines(check({ config: null }))).toEqual([
      ' error registry-config: registry/registry.yaml is missing; this is not a gmr registry at work tree (run "gmr init")',
    ])
  })

  it('a name may be an artifact or a registered model, not both', () => {
    expect(
      lines(
        check({
          models: { churn: model('churn'), ranker: model('ranker') },
          artifacts: { churn: { name: 'churn' } },
          branches: { ranker: 1 },
        }),
      ),
    ).toEqual([
      'registry/models/churn.yaml:2:7 error name-collision: "churn" is both a registered model and an artifact (registry/artifacts/churn.yaml); artifacts and registered models share one namespace, so rename one',
      'registry/models/ranker.yaml:2:7 error name-collision: "ranker" is both a registered model and an artifact (the artifact branch artifacts/ranker); artifacts and registered models share one namespace, so rename one',
    ])
  })

  it('every link must name an existing commit at its number on its artifact branch', () => {
    const m = model('churn-model', { links: [0, 1, 2, 3, 0] })
    const links = m.versions!
    links[1]!.artifactVersion = 2 // the commit of v1, said to be v2
    links[2]!.commit = commitOf('ranker', 0) // a version of another artifact
    links[3]!.commit = oid('never logged') // not in the repository
    links[4]!.commit = oid('a loose commit') // a commit, but on no branch
    const findings = check({
      models: { 'churn-model': m },
      branches: { churn: 4, ranker: 1 },
      offBranchObjects: { [oid('never logged')]: 'missing', [oid('a loose commit')]: 'commit' },
    })
    expect(lines(findings)).toEqual([
      `${MODEL}:13:22 error link-version: link v1 of churn-model says churn:v2 is ${commitOf('churn', 1).slice(0, 10)}, but that commit is churn:v1; set artifactVersion: 1 (or fix the commit)`,
      `${MODEL}:19:13 error link-commit: link v2 of churn-model says churn:v2 is ${commitOf('ranker', 0).slice(0, 10)}, but that commit is ranker:v0, a version of another artifact`,
      `${MODEL}:24:13 error link-commit: link v3 of churn-model says churn:v3 is ${oid('never logged').slice(0, 10)}, but no such commit exists in this repository; fetch the artifact branches (git fetch origin "+refs/heads/artifacts/*:refs/heads/artifacts/*") or fix the link`,
      `${MODEL}:29:13 error link-commit: link v4 of churn-model says churn:v0 is ${oid('a loose commit').slice(0, 10)}, but that commit is not on artifacts/churn (it has v0 to v3); fetch the branch or fix the link`,
    ])
  })

  it('a missing artifact branch is one finding per model, and a link to a model is refused', () => {
    const m = model('churn-model', { links: [0, 1, 2] })
    m.versions!.push({ version: 3, artifact: 'ranker', artifactVersion: 0, commit: commitOf('ranker', 0), linkedAt: '2026-11-01T10:00:00Z' })
    expect(lines(check({ models: { 'churn-model': m, ranker: model('ranker') } }))).toEqual([
      `${MODEL}:7:15 error link-artifact: artifact branch artifacts/churn does not exist here (3 links of churn-model name it); fetch it (git fetch origin "+refs/heads/artifacts/*:refs/heads/artifacts/*") or fix the link`,
      `${MODEL}:22:15 error link-artifact: "ranker" is a registered model, not an artifact; a link points at a version of an artifact`,
    ])
  })

  it('link numbers are unique, one link per version, and nextVersion is above them', () => {
    const m = model('churn-model', { links: [0, 1, 1], nextVersion: 1 })
    m.versions![2]!.version = 1
    expect(lines(check({ models: { 'churn-model': m }, branches: { churn: 2 } }))).toEqual([
      `${MODEL}:16:14 error link-duplicate: link number v1 is used twice (items 2 and 3 of versions); each link has its own number`,
      `${MODEL}:19:13 warning link-duplicate: links v1 and v1 both point at churn:v1 (${commitOf('churn', 1).slice(0, 10)}); one link per version is enough`,
      `${MODEL}:22:14 error next-version: nextVersion 1 must be above the highest link number (v1); remove it or set it to 2`,
    ])
  })

  it('a version whose message number disagrees with its depth is corruption; a few are shown, then a count', () => {
    const shifted = Array.from({ length: 6 }, (_, n) => ({ messageVersion: n === 0 ? 0 : n + 1 }))
    const findings = check({ branches: { churn: shifted, ranker: [{ messageVersion: null }] } })
    const c = (n: number) => commitOf('churn', n).slice(0, 10)
    expect(lines(findings)).toEqual([
      ` error version-number: churn:v1 (commit ${c(1)}, first-parent depth 1 on artifacts/churn): its message says v2; the branch was rewritten or built by hand, so links and aliases may now name other files than when they were made`,
      ` error version-number: churn:v2 (commit ${c(2)}, first-parent depth 2 on artifacts/churn): its message says v3; the branch was rewritten or built by hand, so links and aliases may now name other files than when they were made`,
      ` error version-number: churn:v3 (commit ${c(3)}, first-parent depth 3 on artifacts/churn): its message says v4; the branch was rewritten or built by hand, so links and aliases may now name other files than when they were made`,
      ' error version-number: artifacts/churn: 2 more versions whose message number disagrees with their depth',
      ` warning version-number: ranker:v0 (commit ${commitOf('ranker', 0).slice(0, 10)}, first-parent depth 0 on artifacts/ranker): its message names no version number (gmr writes the subject "ranker v0"); it was not logged by gmr`,
    ])
  })

  it('every alias names a linked version (models) or an existing version (artifacts)', () => {
    const findings = check({
      models: { 'churn-model': model('churn-model', { links: [0, 1], aliases: { production: 1, staging: 5 } }), empty: model('empty', { aliases: { best: 0 } }) },
      artifacts: { churn: { name: 'churn', aliases: { best: 9 } }, ranker: { name: 'ranker', aliases: { best: 0 } } },
      branches: { churn: 2 },
    })
    expect(lines(findings)).toEqual([
      'registry/artifacts/churn.yaml:4:9 error alias-target: alias best names v9, but churn has only v0 to v1',
      'registry/artifacts/ranker.yaml:4:9 error alias-target: alias best names v0, but ranker has no versions here (no branch artifacts/ranker); fetch it (git fetch origin "+refs/heads/artifacts/*:refs/heads/artifacts/*") or log one',
      `${MODEL}:18:12 error alias-target: alias staging names v5, which is not a link of churn-model (links: v0, v1); link the version first or point the alias at one of these`,
      'registry/models/empty.yaml:7:9 error alias-target: alias best names v0, which is not a link of empty (it has no links); link the version first or point the alias at one of these',
    ])
  })

  it('an LFS object missing from the store is an error on the first link that names the version', () => {
    const lfsOid = 'a'.repeat(64)
    const findings = check({
      models: { 'churn-model': model('churn-model', { links: [0, 1] }), other: model('other', { links: [1] }) },
      branches: { churn: 2 },
      lfs: [
        { commit: commitOf('churn', 1), path: 'weights/model.bin', oid: lfsOid, size: 2_000_000, present: false },
        { commit: commitOf('churn', 0), path: 'weights/model.bin', oid: 'b'.repeat(64), size: 5, present: true },
      ],
    })
    expect(lines(findings)).toEqual([
      `${MODEL}:11:5 error lfs-missing: churn:v1 (linked as churn-model:v1): weights/model.bin is a Git LFS object (sha256 aaaaaaaaaaaa…, 2000000 bytes) that is not in .git/lfs/objects; fetch it (git lfs fetch origin artifacts/churn) or log the version again from its files`,
    ])
  })

  it('findings come in file and line order, whatever order the rules found them in', () => {
    const findings = check({
      models: {
        'b-model': model('b-model', { links: [0], aliases: { production: 3 } }),
        'a-model': model('a-model', { links: [7], aliases: { production: 3 } }),
      },
      branches: { churn: 1, ranker: [{ messageVersion: 4 }] },
    })
    expect(findings.map((f) => `${f.file ?? '-'}:${f.line ?? '-'} ${f.rule}`)).toEqual([
      'registry/models/a-model.yaml:9 link-commit',
      'registry/models/a-model.yaml:12 alias-target',
      'registry/models/b-model.yaml:12 alias-target',
      '-:- version-number',
    ])
  })
})
