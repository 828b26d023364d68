import { manifestPath, type NameKind } from '../../domain/layout.js'
import type { ManifestYaml } from '../../domain/manifests.js'
import { loadRegistryLog, type RegistryLogEntry } from '../../git/registryLog.js'
import type { RegistryContext } from './context.js'
import { ManifestStore } from './manifestStore.js'

/** The manifest of `name` after each registry-branch commit that changed it, oldest first. */
export async function manifestTimeline(
  ctx: RegistryContext,
  name: string,
): Promise<{ states: Array<{ entry: RegistryLogEntry; kind: NameKind; data: ManifestYaml | null }> }> {
  const { registryBranch } = await ctx.config()
  const log = await loadRegistryLog(ctx.repo, `refs/heads/${registryBranch}`)
  const store = new ManifestStore(ctx.repo)
  const paths: Array<[NameKind, string]> = [
    ['model', manifestPath('model', name)],
    ['artifact', manifestPath('artifact', name)],
  ]
  const states: Array<{ entry: RegistryLogEntry; kind: NameKind; data: ManifestYaml | null }> = []
  for (const entry of log) {
    for (const [kind, path] of paths) {
      if (!(path in entry.changes)) continue
      const oid = entry.changes[path]!
      states.push({ entry, kind, data: oid === null ? null : (await store.readBlob(path, oid)).data })
    }
  }
  return { states }
}
