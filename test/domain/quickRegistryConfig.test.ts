import { describe, expect, it } from 'vitest'
import { validateRegistry } from '../../src/domain/generated/validators.js'
import { quickRegistryConfig, registryConfigFrom } from '../../src/domain/quickRegistryConfig.js'
import { formatRegistryConfig, parseRegistryConfig } from '../../src/domain/registryConfig.js'
import { parseYamlFile } from '../../src/domain/yamlFile.js'

/** What the YAML library and the schema make of `text`, with defaults filled in. */
const fullParse = (text: string) => registryConfigFrom(parseYamlFile(text, 'registry/registry.yaml', validateRegistry).data)

describe('registry.yaml read without the YAML library', () => {
  it.each([
    formatRegistryConfig({ formatVersion: 2, registryBranch: 'main', largeFileThreshold: 1048576, protectedAliases: ['production'], requireSignatures: false }),
    formatRegistryConfig({ formatVersion: 1, registryBranch: 'release/models', largeFileThreshold: 10, protectedAliases: [], requireSignatures: true }),
    'formatVersion: 2\nregistryBranch: main\n',
    '# settings\nformatVersion: 2 # current\nregistryBranch: trunk\nprotectedAliases:\n  - production\n  - staging\nretention:\n  keepLast: 5\n  keepWithin: 30d\n',
    'formatVersion: 2\nregistryBranch: main\nprotectedAliases: [production, canary]\nrequireSignatures: true\n',
  ])('reads what the YAML library reads: %j', (text) => {
    const quick = quickRegistryConfig(text)
    expect(quick).toBeDefined()
    expect(quick).toEqual(fullParse(text))
    expect(parseRegistryConfig(text)).toEqual(quick)
  })

  it.each([
    // Outside the plain subset: escapes, anchors, a flow map.
    'formatVersion: 2\nregistryBranch: "ma\\x69n"\n',
    'formatVersion: 2\nregistryBranch: &b main\n',
    'formatVersion: 2\nregistryBranch: main\nretention: { keepLast: 3 }\n',
  ])('leaves what it is unsure of to the YAML library: %j', (text) => {
    expect(quickRegistryConfig(text)).toBeUndefined()
    if (!text.includes('&b')) expect(parseRegistryConfig(text)).toEqual(fullParse(text))
  })

  it.each([
    ['formatVersion: 3\nregistryBranch: main\n', /formatVersion/],
    ['formatVersion: 2\nregistryBranch: main\nunknownSetting: 1\n', /unknownSetting/],
    ['formatVersion: 2\nregistryBranch: -main\n', /registryBranch/],
    ['formatVersion: 2\n', /registryBranch/],
  ])('says nothing of an invalid file, which the full parser explains with its line: %j', (text, message) => {
    expect(quickRegistryConfig(text)).toBeUndefined()
    expect(() => parseRegistryConfig(text)).toThrow(message)
  })
})
