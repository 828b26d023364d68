import { Document, isSeq } from 'yaml'
import { describe, expect, it } from 'vitest'
import { ManifestError } from '../../src/domain/errors.js'
import {
  schemaIds,
  validateArtifact,
  validateModel,
  validateRegistry,
  type ValidateFunction,
} from '../../src/domain/generated/validators.js'
import { manifestHeader, parseYamlFile, stringifyManifest, type ManifestProblem } from '../../src/domain/yamlFile.js'

const MODEL_FILE = 'registry/models/churn.yaml'

interface Failure {
  message: string
  data: { file: string; line: number; col: number; problems: ManifestProblem[] }
}

function failure(text: string, validate: ValidateFunction<unknown> = validateModel, maxBytes?: number): Failure {
  try {
    parseYamlFile(text, MODEL_FILE, validate, maxBytes === undefined ? {} : { maxBytes })
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError)
    const e = error as ManifestError
    expect(e.code).toBe('ManifestError')
    return { message: e.message, data: e.data as Failure['data'] }
  }
  throw new Error('expected a ManifestError')
}

const COMMIT = '0123456789abcdef0123456789abcdef01234567'

const COMMENTED_MODEL = `# yaml-language-server: $schema=https://gmr.dev/schemas/model.schema.json

# Churn prediction for the retention team.
name: churn
description: Predicts who leaves next month # keep it short
tags:
  - tabular
  # vision was dropped in May
  - retention
versions:
  - version: 0
    artifact: churn-xgb
    artifactVersion: 3
    commit: ${COMMIT}
    linkedAt: 2024-05-01T12:00:00Z
aliases:
  production: 0 # promoted after review
`

describe('parseYamlFile: valid documents', () => {
  it('parses a model manifest and keeps the Document', () => {
    const { data, doc } = parseYamlFile(COMMENTED_MODEL, MODEL_FILE, validateModel)
    expect(data).toEqual({
      name: 'churn',
      description: 'Predicts who leaves next month',
      tags: ['tabular', 'retention'],
      versions: [{ version: 0, artifact: 'churn-xgb', artifactVersion: 3, commit: COMMIT, linkedAt: '2024-05-01T12:00:00Z' }],
      aliases: { production: 0 },
    })
    expect(doc.getIn(['tags', 1])).toBe('retention')
  })

  it('parses an artifact manifest', () => {
    const text = `name: churn-xgb\ntype: model\ndescription: ""\naliases:\n  staging: 2\n`
    expect(parseYamlFile(text, 'registry/artifacts/churn-xgb.yaml', validateArtifact).data).toEqual({
      name: 'churn-xgb',
      type: 'model',
      description: '',
      aliases: { staging: 2 },
    })
  })

  it('parses a registry config', () => {
    const text = `formatVersion: 1\nregistryBranch: main\nlargeFileThreshold: 1048576\nprotectedAliases: [production]\n`
    expect(parseYamlFile(text, 'registry/registry.yaml', validateRegistry).data).toEqual({
      formatVersion: 1,
      registryBranch: 'main',
      largeFileThreshold: 1048576,
      protectedAliases: ['production'],
    })
  })
})

describe('parseYamlFile: schema problems with their positions', () => {
  it('points at a bad tag in a list, quoting value and pattern', () => {
    const text = COMMENTED_MODEL.replace('  - retention\n', '  - retention\n  - Vision Team\n')
    const f = failure(text)
    expect(f.message).toBe(`${MODEL_FILE}:10:5: tag "Vision Team" must match ^[a-z0-9][a-z0-9._:-]{0,63}$`)
    expect(f.data).toEqual({
      file: MODEL_FILE,
      line: 10,
      col: 5,
      problems: [{ line: 10, col: 5, message: 'tag "Vision Team" must match ^[a-z0-9][a-z0-9._:-]{0,63}$' }],
    })
  })

  it('points at the key of an unknown field and lists the allowed ones', () => {
    const f = failure('name: churn\nowner: data-team\n')
    expect(f.message).toBe(
      `${MODEL_FILE}:2:1: unknown field "owner" (allowed: name, description, tags, versions, aliases, nextVersion)`,
    )
  })

  it('says which type was expected and which was found', () => {
    const f = failure('name: churn\ndescription:\n  - a list\n')
    expect(f.message).toBe(`${MODEL_FILE}:3:3: description must be a string, not a list`)
    expect(failure('name: churn\ntags: vision\n').message).toBe(
      `${MODEL_FILE}:2:7: tags must be a list, not the string "vision"`,
    )
  })

  it('points at the map that lacks a required field', () => {
    expect(failure('# about churn\ndescription: x\n').message).toBe(`${MODEL_FILE}:2:1: missing required field "name"`)
    const f = failure(`name: churn\nversions:\n  - version: 0\n    artifact: churn-xgb\n`)
    expect(f.message).toBe(
      `${MODEL_FILE}:3:5: missing required fields "artifactVersion", "commit" and "linkedAt"`,
    )
  })

  it('reports every problem, in file order, and counts the rest in the message', () => {
    const text = 'formatVersion: 3\nregistryBranch: -main.\nlargeFileThreshold: 0\nprotectedAliases: [prod, latest, prod]\n'
    const f = failure(text, validateRegistry)
    expect(f.message).toBe('registry/models/churn.yaml:1:16: formatVersion must be one of 1, 2, not 3 (and 4 more problems)')
    expect(f.data.problems).toEqual([
      { line: 1, col: 16, message: 'formatVersion must be one of 1, 2, not 3' },
      { line: 2, col: 17, message: 'registryBranch "-main." may not start with "-" or end in "."' },
      { line: 3, col: 21, message: 'largeFileThreshold must be at least 1, not 0' },
      { line: 4, col: 26, message: 'protected alias "latest" may not be "latest"' },
      { line: 4, col: 34, message: 'protected alias "prod" is listed more than once; list each protected alias once' },
    ])
  })

  it('points at a bad alias name as a key, and at a bad version number as its value', () => {
    const f = failure('name: churn-xgb\naliases:\n  Prod: 1\n  v2: 1\n  staging: -1\n', validateArtifact)
    expect(f.data.problems).toEqual([
      { line: 3, col: 3, message: 'alias "Prod" must match ^[a-z][a-z0-9._-]{0,62}$' },
      { line: 4, col: 3, message: 'alias "v2" may not be v<N>' },
      { line: 5, col: 12, message: 'version number of alias "staging" must be at least 0, not -1' },
    ])
  })

  it('names fields of a version link and shows an example timestamp', () => {
    const text = `name: churn\nversions:\n  - version: 0\n    artifact: churn..xgb\n    artifactVersion: 1\n    commit: ABC\n    linkedAt: yesterday\n  - 3\n`
    expect(failure(text).data.problems).toEqual([
      { line: 4, col: 15, message: 'artifact "churn..xgb" may not contain ".."' },
      { line: 6, col: 13, message: 'commit "ABC" must match ^[0-9a-f]{40}$' },
      {
        line: 7,
        col: 15,
        message:
          'linkedAt "yesterday" must match ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$ (e.g. 2024-05-01T12:00:00Z)',
      },
      { line: 8, col: 5, message: 'version link must be a map, not the integer 3' },
    ])
  })

  it('gives one complaint per value, the most basic one', () => {
    expect(failure('name: 42\n').data.problems).toEqual([
      { line: 1, col: 7, message: 'name must be a string, not the integer 42' },
    ])
  })

  it('points an empty value at its key', () => {
    expect(failure('name: churn\ndescription:\n').message).toBe(`${MODEL_FILE}:2:1: description must be a string, not empty`)
  })

  it('refuses an empty file and a file that is not a map', () => {
    expect(failure('').message).toBe(`${MODEL_FILE}:1:1: manifest must be a map, not empty`)
    expect(failure('- churn\n').message).toBe(`${MODEL_FILE}:1:1: manifest must be a map, not a list`)
  })
})

describe('parseYamlFile: YAML-level problems', () => {
  it('refuses a duplicate key, naming it', () => {
    const f = failure('name: churn\ndescription: a\nname: other\n')
    expect(f.message).toBe(`${MODEL_FILE}:3:1: duplicate key "name"; each key may appear only once in a map`)
  })

  it('refuses anchors and aliases, pointing at each & and *', () => {
    const f = failure('name: churn\ndescription: &d long text\ntags:\n  - *d\n  - &t [a]\n')
    expect(f.message).toBe(
      `${MODEL_FILE}:2:14: YAML anchors (&d) are not allowed in manifests; remove the anchor (and 2 more problems)`,
    )
    expect(f.data.problems).toEqual([
      { line: 2, col: 14, message: 'YAML anchors (&d) are not allowed in manifests; remove the anchor' },
      { line: 4, col: 5, message: 'YAML aliases (*d) are not allowed in manifests; write the value out in full' },
      { line: 5, col: 5, message: 'YAML anchors (&t) are not allowed in manifests; remove the anchor' },
    ])
  })

  it('refuses a billion-laughs document without expanding it', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n'
    for (let i = 1; i < 10; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`
    const f = failure(text)
    expect(f.data.problems).toHaveLength(100)
    expect(f.data.problems[0]).toEqual({
      line: 1,
      col: 5,
      message: 'YAML anchors (&a0) are not allowed in manifests; remove the anchor',
    })
  })

  it('reports a syntax error at its position', () => {
    const f = failure('name: churn\ntags: [a, b\ndescription: x\n')
    expect(f.message).toBe(
      `${MODEL_FILE}:3:1: invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]`,
    )
    expect(failure('name: "churn\n').message).toBe(`${MODEL_FILE}:2:1: invalid YAML: missing closing "quote`)
  })

  it('refuses a second document', () => {
    expect(failure('name: churn\n---\nname: other\n').message).toBe(
      `${MODEL_FILE}:2:1: a manifest holds one YAML document; remove the "---" and what follows it`,
    )
  })

  it('refuses a file over the size limit, counting UTF-8 bytes', () => {
    const text = 'name: churn\ndescription: "ééééé"\n' // 33 characters, 38 bytes
    expect(failure(text, validateModel, 37).message).toBe(
      `${MODEL_FILE}:1:1: file is larger than 37 bytes, the most a manifest may be`,
    )
    expect(parseYamlFile(text, MODEL_FILE, validateModel, { maxBytes: 38 }).data.name).toBe('churn')
    expect(failure(`name: churn\ndescription: ${'x'.repeat(1024 * 1024)}\n`).message).toBe(
      `${MODEL_FILE}:1:1: file is larger than 1048576 bytes, the most a manifest may be`,
    )
  })
})

describe('stringifyManifest', () => {
  it('writes an unchanged commented document back byte for byte', () => {
    const { doc } = parseYamlFile(COMMENTED_MODEL, MODEL_FILE, validateModel)
    expect(stringifyManifest(doc)).toBe(COMMENTED_MODEL)
    expect(stringifyManifest(doc, schemaIds.model)).toBe(COMMENTED_MODEL)
  })

  it('keeps comments and key order through an edit', () => {
    const { doc } = parseYamlFile(COMMENTED_MODEL, MODEL_FILE, validateModel)
    const tags = doc.get('tags')
    if (!isSeq(tags)) throw new Error('tags is not a list')
    tags.add(doc.createNode('churn'))
    doc.setIn(['aliases', 'staging'], 0)
    expect(stringifyManifest(doc)).toBe(
      COMMENTED_MODEL.replace('  - retention\n', '  - retention\n  - churn\n').concat('  staging: 0\n'),
    )
  })

  it('starts a new manifest with the schema header, and rewrites it unchanged', () => {
    const doc = new Document({ name: 'churn-xgb', type: 'model', description: '', aliases: { staging: 2 } })
    const text = stringifyManifest(doc, schemaIds.artifact)
    expect(text).toBe(
      '# yaml-language-server: $schema=https://gmr.dev/schemas/artifact.schema.json\n' +
        'name: churn-xgb\ntype: model\ndescription: ""\naliases:\n  staging: 2\n',
    )
    expect(text).toBe(manifestHeader(schemaIds.artifact) + doc.toString({ lineWidth: 0 }))
    const reparsed = parseYamlFile(text, 'registry/artifacts/churn-xgb.yaml', validateArtifact)
    expect(stringifyManifest(reparsed.doc)).toBe(text)
    expect(stringifyManifest(reparsed.doc, schemaIds.artifact)).toBe(text)
  })

  it('quotes strings that would otherwise read back as another type', () => {
    const doc = new Document({ name: 'churn', versions: [{ commit: '1234567890123456789012345678901234567890' }] })
    expect(stringifyManifest(doc)).toBe('name: churn\nversions:\n  - commit: "1234567890123456789012345678901234567890"\n')
  })

  it('replaces an outdated schema header instead of adding a second one', () => {
    const { doc } = parseYamlFile(
      '# yaml-language-server: $schema=https://example.com/old.json\nname: churn\n',
      MODEL_FILE,
      validateModel,
    )
    expect(stringifyManifest(doc, schemaIds.model)).toBe(`${manifestHeader(schemaIds.model)}name: churn\n`)
  })
})
