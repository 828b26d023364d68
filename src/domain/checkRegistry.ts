import { retiredRecordRule } from './checkRetired.js'
import { checkAliasRefs } from './checkAliasRefs.js'
import { error, inFile, short, warning, type Finding } from './checkFindings.js'
import { checkHistory } from './checkHistory.js'
import { checkIndexState, type RegistryFileState } from './checkIndexState.js'
import { treeShapeRule } from './checkTreeShape.js'
import { lfsSizeMismatch } from './lfsPointer.js'
import { additionsRule } from './metadataAdditionsRule.js'
import { modelCardRule } from './modelCardRules.js'
import type { ModelLinkYaml, ModelYaml } from './manifests.js'
import { chainRepair } from './versionChain.js'
import {
  commitIndex,
  validModels,
  versionUses,
  type RegistrySnapshot,
  type SnapshotBranch,
  type SnapshotManifest,
} from './registrySnapshot.js'

export interface CheckInput {
  /** The state being checked: the work tree, or a commit. */
  head: RegistrySnapshot
  /** The state it is proposed against (`--base`): enables the append-only history rules. */
  base?: RegistrySnapshot
  /** On the registry branch: the refs that exist, and the manifests they must follow. */
  aliasRefs?: AliasRefState
  /** When checking the work tree: each registry file in HEAD, the index and the work tree. */
  indexState?: readonly RegistryFileState[]
}

export interface AliasRefState {
  registryBranch: string
  /** The registry branch's tip (what `gmr sync` follows). */
  registry: RegistrySnapshot
  /** `refs/aliases/**` → commit, as they are now. */
  current: ReadonlyMap<string, string>
  /** When the remote's registry branch, as last fetched, has commits this one lacks: that remote, and its alias refs as last fetched (`refs/aliases/**` → commit). */
  upstream?: { remote: string; aliases: ReadonlyMap<string, string> }
}

/** The command that fetches every artifact branch under its own name, quoted for a shell. */
const FETCH_ARTIFACTS = `git fetch origin "+refs/heads/artifacts/*:refs/heads/artifacts/*"`

/**
 * Every rule, over plain data: each problem becomes a finding (nothing stops at the
 * first); `locateFindings` then places and orders them. Rules that need data the snapshot does
 * not hold (version lists not read, LFS not looked up) are skipped for that data.
 */
export function checkRegistry(input: CheckInput): Finding[] {
  const { head } = input
  const findings: Finding[] = [
    ...configRule(head),
    ...manifestRules(head),
    ...namespaceRule(head),
    ...linkRules(head),
    ...versionNumberRule(head),
    ...branchShapeRule(head),
    ...aliasTargetRule(head),
    ...lfsRule(head),
    ...treeShapeRule(head),
    ...retiredRecordRule(head),
    ...additionsRule(head),
    ...modelCardRule(head),
  ]
  if (input.base) {
    const protectedAliases = input.base.config.data?.protectedAliases ?? head.config.data?.protectedAliases ?? []
    findings.push(...checkHistory(input.base, head, protectedAliases))
  }
  if (input.aliasRefs) findings.push(...checkAliasRefs(input.aliasRefs))
  if (input.indexState) findings.push(...checkIndexState(input.indexState))
  return findings
}

function configRule(snapshot: RegistrySnapshot): Finding[] {
  const { config } = snapshot
  if (config.data === null && config.problems.length === 0) {
    return [error('registry-config', `${config.path} is missing; this is not a gmr registry at ${snapshot.label} (run "gmr init")`)]
  }
  return config.problems.map((p) => error('registry-config', p.message, { file: config.path, line: p.line, col: p.col }))
}

function manifestRules(snapshot: RegistrySnapshot): Finding[] {
  const findings: Finding[] = []
  for (const stray of snapshot.strays) {
    const what = stray.endsWith('/') ? 'is a folder' : stray.endsWith('.yaml') ? 'is not a regular file' : 'does not end in .yaml'
    findings.push(
      warning('manifest-stray', `${stray} ${what}, so gmr does not read it; manifests are regular files named <name>.yaml`, {
        file: stray.replace(/\/$/, ''),
      }),
    )
  }
  for (const manifest of snapshot.manifests) {
    for (const p of manifest.problems) {
      findings.push(error('manifest-invalid', p.message, { file: manifest.path, line: p.line, col: p.col }))
    }
    if (manifest.data !== null && manifest.data.name !== manifest.name) {
      findings.push(
        error(
          'manifest-name',
          `name "${manifest.data.name}" does not match the file name; rename the file or set name: ${manifest.name}`,
          inFile(manifest.path, ['name']),
        ),
      )
    }
  }
  return findings
}

function namespaceRule(snapshot: RegistrySnapshot): Finding[] {
  const artifacts = new Map(snapshot.manifests.filter((m) => m.kind === 'artifact').map((m) => [m.name, m]))
  const findings: Finding[] = []
  for (const model of snapshot.manifests.filter((m) => m.kind === 'model')) {
    const artifact = artifacts.get(model.name)
    const branch = snapshot.branches.get(model.name)
    if (!artifact && !branch) continue
    const other = artifact ? artifact.path : `the artifact branch artifacts/${model.name}`
    findings.push(
      error(
        'name-collision',
        `"${model.name}" is both a registered model and an artifact (${other}); artifacts and registered models share one namespace, so rename one`,
        inFile(model.path, ['name']),
      ),
    )
  }
  return findings
}

function linkRules(snapshot: RegistrySnapshot): Finding[] {
  const findings: Finding[] = []
  const where = commitIndex(snapshot.branches)
  const modelNames = new Set(snapshot.manifests.filter((m) => m.kind === 'model').map((m) => m.name))
  for (const model of validModels(snapshot)) {
    const links = model.data.versions ?? []
    const numbers = new Map<number, number>()
    const commits = new Map<string, number>()
    const missingBranches = new Map<string, number[]>()
    links.forEach((link, i) => {
      const at = (field: keyof ModelLinkYaml) => inFile(model.path, ['versions', i, field])
      const sameNumber = numbers.get(link.version)
      if (sameNumber !== undefined) {
        findings.push(error('link-duplicate', `link number v${link.version} is used twice (items ${sameNumber + 1} and ${i + 1} of versions); each link has its own number`, at('version')))
      } else numbers.set(link.version, i)
      const sameCommit = commits.get(link.commit)
      if (sameCommit !== undefined) {
        const first = links[sameCommit]!
        const same = first.artifact === link.artifact && first.artifactVersion === link.artifactVersion
        const target = same ? `${link.artifact}:v${link.artifactVersion} (${short(link.commit)})` : `commit ${short(link.commit)}`
        findings.push(warning('link-duplicate', `links v${first.version} and v${link.version} both point at ${target}; one link per version is enough`, at('commit')))
      } else commits.set(link.commit, i)

      const branch = snapshot.branches.get(link.artifact)
      if (!branch) {
        if (modelNames.has(link.artifact) && !snapshot.manifests.some((m) => m.kind === 'artifact' && m.name === link.artifact)) {
          findings.push(error('link-artifact', `"${link.artifact}" is a registered model, not an artifact; a link points at a version of an artifact`, at('artifact')))
        } else {
          missingBranches.set(link.artifact, [...(missingBranches.get(link.artifact) ?? []), i])
        }
        return
      }
      if (branch.versions === null) return
      if (branch.versions[link.artifactVersion]?.commit === link.commit) return
      findings.push(misplacedLink(model.data.name, link, branch, where.get(link.commit), snapshot.offBranchObjects?.get(link.commit), at))
    })
    for (const [artifact, items] of missingBranches) {
      const more = items.length > 1 ? ` (${items.length} links of ${model.name} name it)` : ''
      findings.push(
        error(
          'link-artifact',
          `artifact branch artifacts/${artifact} does not exist here${more}; fetch it (${FETCH_ARTIFACTS}) or fix the link`,
          inFile(model.path, ['versions', items[0]!, 'artifact']),
        ),
      )
    }
    const highest = Math.max(-1, ...links.map((l) => l.version))
    if (model.data.nextVersion !== undefined && model.data.nextVersion <= highest) {
      findings.push(
        error('next-version', `nextVersion ${model.data.nextVersion} must be above the highest link number (v${highest}); remove it or set it to ${highest + 1}`, inFile(model.path, ['nextVersion'])),
      )
    }
  }
  return findings
}

function misplacedLink(
  model: string,
  link: ModelLinkYaml,
  branch: SnapshotBranch,
  found: { artifact: string; version: number } | undefined,
  object: string | undefined,
  at: (field: keyof ModelLinkYaml) => Partial<Finding>,
): Finding {
  const said = `link v${link.version} of ${model} says ${link.artifact}:v${link.artifactVersion} is ${short(link.commit)}`
  if (found && found.artifact === link.artifact) {
    return error('link-version', `${said}, but that commit is ${link.artifact}:v${found.version}; set artifactVersion: ${found.version} (or fix the commit)`, at('artifactVersion'))
  }
  if (found) {
    return error('link-commit', `${said}, but that commit is ${found.artifact}:v${found.version}, a version of another artifact`, at('commit'))
  }
  const count = branch.versions?.length ?? 0
  const has = count === 0 ? 'it has no versions' : `it has v0 to v${count - 1}`
  if (object === 'missing') {
    return error('link-commit', `${said}, but no such commit exists in this repository; fetch the artifact branches (${FETCH_ARTIFACTS}) or fix the link`, at('commit'))
  }
  if (object !== undefined && object !== 'commit') {
    return error('link-commit', `${said}, but ${short(link.commit)} is a ${object}, not a commit`, at('commit'))
  }
  return error('link-commit', `${said}, but that commit is not on artifacts/${link.artifact} (${has}); fetch the branch or fix the link`, at('commit'))
}

/** Show at most this many numbering problems per branch: one rewrite shifts every later version. */
const VERSION_PROBLEMS_SHOWN = 3

function versionNumberRule(snapshot: RegistrySnapshot): Finding[] {
  const findings: Finding[] = []
  for (const branch of snapshot.branches.values()) {
    const wrong = (branch.versions ?? []).filter((v) => v.messageVersion !== v.version)
    for (const v of wrong.slice(0, VERSION_PROBLEMS_SHOWN)) {
      const which = `${branch.artifact}:v${v.version} (commit ${short(v.commit)}, first-parent depth ${v.version} on artifacts/${branch.artifact})`
      findings.push(
        v.messageVersion === null
          ? warning('version-number', `${which}: its message names no version number (gmr writes the subject "${branch.artifact} v${v.version}"); it was not logged by gmr`)
          : error('version-number', `${which}: its message says v${v.messageVersion}; the branch was rewritten or built by hand, so links and aliases may now name other files than when they were made`),
      )
    }
    if (wrong.length > VERSION_PROBLEMS_SHOWN) {
      const rest = wrong.slice(VERSION_PROBLEMS_SHOWN)
      const severity = rest.some((v) => v.messageVersion !== null) ? error : warning
      findings.push(severity('version-number', `artifacts/${branch.artifact}: ${rest.length} more versions whose message number disagrees with their depth`))
    }
  }
  return findings
}

/** Merge commits and messages naming another artifact (the number is versionNumberRule's). */
function branchShapeRule(snapshot: RegistrySnapshot): Finding[] {
  const findings: Finding[] = []
  for (const branch of snapshot.branches.values()) {
    const versions = branch.versions ?? []
    const broken = versions.filter((v) => v.problem !== undefined)
    for (const v of broken.slice(0, VERSION_PROBLEMS_SHOWN)) {
      const which = `${branch.artifact}:v${v.version} (commit ${short(v.commit)} on artifacts/${branch.artifact})`
      const repair = chainRepair(branch.artifact, versions, { version: v.version, commit: v.commit, problem: v.problem! }, branch.tip)
      findings.push(error('branch-shape', `${which}: ${v.problem}; ${repair}`))
    }
    if (broken.length > VERSION_PROBLEMS_SHOWN) {
      findings.push(error('branch-shape', `artifacts/${branch.artifact}: ${broken.length - VERSION_PROBLEMS_SHOWN} more versions that break the branch's shape`))
    }
  }
  return findings
}

function aliasTargetRule(snapshot: RegistrySnapshot): Finding[] {
  const findings: Finding[] = []
  for (const manifest of snapshot.manifests) {
    if (manifest.data === null) continue
    for (const [alias, version] of Object.entries(manifest.data.aliases ?? {})) {
      const problem = aliasProblem(snapshot, manifest, version)
      if (problem) findings.push(error('alias-target', `alias ${alias} names v${version}, ${problem}`, inFile(manifest.path, ['aliases', alias])))
    }
  }
  return findings
}

/** Why `version` is not a version of the manifest's model or artifact; null when it is. */
function aliasProblem(snapshot: RegistrySnapshot, manifest: SnapshotManifest, version: number): string | null {
  const name = manifest.name
  if (manifest.kind === 'model') {
    const links = (manifest.data as ModelYaml).versions ?? []
    if (links.some((l) => l.version === version)) return null
    const numbers = links.map((l) => `v${l.version}`)
    return `which is not a link of ${name} (${numbers.length === 0 ? 'it has no links' : `links: ${numbers.join(', ')}`}); link the version first or point the alias at one of these`
  }
  const branch = snapshot.branches.get(name)
  if (!branch) return `but ${name} has no versions here (no branch artifacts/${name}); fetch it (${FETCH_ARTIFACTS}) or log one`
  if (branch.versions === null || version < branch.versions.length) return null
  const count = branch.versions.length
  return `but ${name} has ${count === 0 ? 'no versions' : `only v0 to v${count - 1}`}`
}

function lfsRule(snapshot: RegistrySnapshot): Finding[] {
  if (!snapshot.lfs) return []
  const users = versionUses(snapshot)
  const findings: Finding[] = []
  for (const file of snapshot.lfs) {
    if (file.present) continue
    const use = users.get(file.commit)
    const version = use ? `${use.version} (${use.by})` : `version ${short(file.commit)}`
    if (file.storedSize !== undefined) {
      findings.push(error('lfs-size', `${version}: ${lfsSizeMismatch(file.path, file, file.storedSize)}`, use ? inFile(use.file, use.yamlPath) : {}))
      continue
    }
    findings.push(
      error(
        'lfs-missing',
        `${version}: ${file.path} is a Git LFS object (sha256 ${file.oid.slice(0, 12)}…, ${file.size} bytes) that is not in .git/lfs/objects; fetch it (git lfs fetch origin ${use ? `artifacts/${use.artifact}` : '<branch>'}) or log the version again from its files`,
        use ? inFile(use.file, use.yamlPath) : {},
      ),
    )
  }
  return findings
}
