import { InvalidInputError, UnsupportedStateError } from '../domain/errors.js'
import type { ModelYaml } from '../domain/manifests.js'
import { diffRegistry, type RegistryDiff } from '../domain/registryDiff.js'
import type { SnapshotManifest } from '../domain/registrySnapshot.js'
import { mergeBase } from '../git/mergeBase.js'
import { listRefs, readRef } from '../git/refs.js'
import { openRegistryContext, type RepoOptions } from './support/context.js'
import { SnapshotLoader, WORK_TREE, type SnapshotFiles, type SnapshotSource } from './support/registryStateLoader.js'

export interface DiffOptions extends RepoOptions {
  /** Default: where HEAD left the registry branch (their merge base). */
  base?: string
  /** Default: the work tree. */
  head?: string
}

export type DiffResult = RegistryDiff

/**
 * The semantic diff of two registry states. Manifests whose content is the same on
 * both sides are not even read, and version lists only of the artifacts a change
 * touches, so a small change to a large registry stays fast.
 */
export async function diff(options: DiffOptions): Promise<DiffResult> {
  const ctx = await openRegistryContext(options)
  const loader = new SnapshotLoader(ctx.repo)
  const headSource = options.head === undefined ? WORK_TREE : await loader.resolve(options.head)
  const baseSource =
    options.base === undefined ? await defaultBase(loader, (await ctx.config()).registryBranch) : await loader.resolve(options.base)
  const baseFiles = await loader.files(baseSource)
  const headFiles = await loader.files(headSource)

  // Only manifests whose content differs are read, and only the version lists of the
  // artifacts whose branch moved or that a changed manifest names.
  const changed = changedPaths(baseFiles, headFiles)
  const baseManifests = await loader.readManifests(baseFiles, changed)
  const headManifests = await loader.readManifests(headFiles, changed)
  const versions = new Set([...artifactsNamed(baseManifests), ...artifactsNamed(headManifests)])
  for (const [artifact, tip] of headFiles.tips) if (baseFiles.tips.get(artifact) !== tip) versions.add(artifact)
  for (const artifact of baseFiles.tips.keys()) if (!headFiles.tips.has(artifact)) versions.add(artifact)
  const base = await loader.load(baseFiles, { manifests: baseManifests, versions })
  const head = await loader.load(headFiles, { manifests: headManifests, versions })
  return diffRegistry(base, head)
}

function changedPaths(base: SnapshotFiles, head: SnapshotFiles): Set<string> {
  const before = new Map(base.manifests.map((m) => [m.path, m.oid]))
  const after = new Map(head.manifests.map((m) => [m.path, m.oid]))
  const changed = new Set<string>()
  for (const [path, oid] of after) if (before.get(path) !== oid) changed.add(path)
  for (const path of before.keys()) if (!after.has(path)) changed.add(path)
  return changed
}

function artifactsNamed(manifests: readonly SnapshotManifest[]): string[] {
  const names: string[] = []
  for (const m of manifests) {
    if (m.data === null) continue
    if (m.kind === 'artifact') names.push(m.name)
    else for (const link of (m.data as ModelYaml).versions ?? []) names.push(link.artifact)
  }
  return names
}

/**
 * Where HEAD left the registry branch: their merge base. The local branch, or where
 * there is none (a CI checkout), a remote-tracking one; then its remote's artifact
 * branches are the base's.
 */
async function defaultBase(loader: SnapshotLoader, registryBranch: string): Promise<SnapshotSource> {
  const { repo } = loader
  const head = await readRef(repo, 'HEAD')
  if (head === null) throw new UnsupportedStateError('HEAD has no commit yet; commit something first, or name both states: gmr diff <base> <head>')
  const local = `refs/heads/${registryBranch}`
  let ref: string | null = (await readRef(repo, local)) === null ? null : local
  if (ref === null) {
    const remoteOf = (r: string) => r.slice('refs/remotes/'.length, r.length - registryBranch.length - 1)
    const remotes = [...(await listRefs(repo, 'refs/remotes/')).keys()].filter(
      (r) => r.endsWith(`/${registryBranch}`) && remoteOf(r) !== '' && !remoteOf(r).includes('/'),
    )
    ref = remotes.find((r) => r === `refs/remotes/origin/${registryBranch}`) ?? remotes[0] ?? null
  }
  if (ref === null) {
    throw new InvalidInputError(
      `the registry branch ${registryBranch} is not here, so there is no default base; fetch it (git fetch origin ${registryBranch}) or name one: gmr diff <base> [<head>]`,
      { registryBranch },
    )
  }
  const tip = (await readRef(repo, ref))!
  const base = await mergeBase(repo, head, tip)
  if (base === null) {
    throw new InvalidInputError(`HEAD and ${ref.replace(/^refs\/(heads|remotes)\//, '')} share no history; name the base: gmr diff <base> [<head>]`, { ref })
  }
  const name = ref.replace(/^refs\/(heads|remotes)\//, '')
  return { kind: 'commit', label: base === tip ? name : `${name} (merge base)`, commit: base, branchPrefix: await loader.branchPrefixFor(ref) }
}
