import { planAliasSync } from './aliasSync.js'
import type { AliasRefState } from './checkRegistry.js'
import { error, inFile, short, warning, type Finding } from './checkFindings.js'
import { ALIAS_REF_PREFIX, aliasRef } from './layout.js'
import type { ModelYaml } from './manifests.js'
import type { RegistrySnapshot } from './registrySnapshot.js'

interface DesiredRef {
  commit: string
  path: string
  name: string
  alias: string
  version: number
}

/**
 * On the registry branch the refs must say what its manifests say (docs/storage-format.md, Alias refs):
 * every ref `gmr sync` would create, move or delete is a finding whose message names
 * that command — except a ref still at the remote's value while the remote's registry
 * branch has commits this one lacks: a warning that says to pull. Aliases that name no
 * version are the alias-target rule's to report.
 */
export function checkAliasRefs(state: AliasRefState): Finding[] {
  const { desired, dangling } = desiredRefs(state.registry)
  const commits = new Map([...desired].map(([ref, d]) => [ref, d.commit]))
  const paths = new Map(state.registry.manifests.filter((m) => m.data !== null).map((m) => [m.name, m.path]))
  const findings: Finding[] = []
  const on = `the ${state.registryBranch} branch`
  const { upstream } = state
  for (const change of planAliasSync(commits, state.current)) {
    // Fetched, not pulled: the ref is the remote's, and the manifests will say so after a pull (a warning: nothing is wrong).
    if (upstream !== undefined && (upstream.aliases.get(change.ref) ?? null) === (change.action === 'create' ? null : change.from)) {
      const d = desired.get(change.ref)
      const [name] = change.ref.slice(ALIAS_REF_PREFIX.length).split('/')
      const path = d?.path ?? paths.get(name!)
      findings.push(
        warning(
          'alias-ref',
          `${change.ref} is at ${upstream.remote}'s value (${change.action === 'create' ? 'no ref' : short(change.from)}), but ${on} says ${d === undefined ? 'no such alias' : `v${d.version} (${short(d.commit)})`}: ${upstream.remote}/${state.registryBranch} has commits ${state.registryBranch} lacks; run "gmr pull" to take them`,
          d !== undefined ? inFile(d.path, ['aliases', d.alias], 'key') : path === undefined ? {} : inFile(path, ['aliases'], 'key'),
        ),
      )
      continue
    }
    if (change.action === 'delete') {
      if (dangling.has(change.ref)) continue
      const [name] = change.ref.slice(ALIAS_REF_PREFIX.length).split('/')
      const path = paths.get(name!)
      findings.push(
        error(
          'alias-ref',
          `${change.ref} points at ${short(change.from)}, but no manifest on ${on} declares that alias; run "gmr sync" to delete it`,
          path === undefined ? {} : inFile(path, ['aliases'], 'key'),
        ),
      )
      continue
    }
    const d = desired.get(change.ref)!
    const where = inFile(d.path, ['aliases', d.alias], 'key')
    const declared = `alias ${d.alias} of ${d.name} is v${d.version} (${short(d.commit)}) on ${on}`
    findings.push(
      change.action === 'create'
        ? error('alias-ref', `${declared}, but ${change.ref} does not exist; run "gmr sync" to create it`, where)
        : error('alias-ref', `${declared}, but ${change.ref} points at ${short(change.from)}; run "gmr sync" to move it`, where),
    )
  }
  return findings
}

function desiredRefs(snapshot: RegistrySnapshot): { desired: Map<string, DesiredRef>; dangling: Set<string> } {
  const desired = new Map<string, DesiredRef>()
  const dangling = new Set<string>()
  for (const manifest of snapshot.manifests) {
    if (manifest.data === null || manifest.data.name !== manifest.name) continue
    const versions = snapshot.branches.get(manifest.name)?.versions
    for (const [alias, version] of Object.entries(manifest.data.aliases ?? {})) {
      const ref = aliasRef(manifest.name, alias)
      const commit =
        manifest.kind === 'model'
          ? ((manifest.data as ModelYaml).versions ?? []).find((l) => l.version === version)?.commit
          : versions?.[version]?.commit
      if (commit === undefined) dangling.add(ref)
      else desired.set(ref, { commit, path: manifest.path, name: manifest.name, alias, version })
    }
  }
  return { desired, dangling }
}
