import { NameTakenError } from '../domain/errors.js'
import { formatArtifactManifest, parseArtifactManifest, type ArtifactManifest } from '../domain/artifactManifest.js'
import { assertName } from '../domain/names.js'
import { commitFiles } from '../git/commitFiles.js'
import { manifestPath } from '../domain/layout.js'
import { assertNameFree } from './catalog.js'
import { commitIdentities, openRegistryContext, type RepoOptions } from './context.js'

export interface CreateArtifactOptions extends RepoOptions {
  name: string
  type?: string
  description?: string
  /** Leave the manifest in the work tree without committing it. */
  noCommit?: boolean
}

export interface CreateArtifactResult {
  manifest: ArtifactManifest
  path: string
  commit: string | null
}

/** Declare an artifact before (or after) its first version: writes and commits its manifest. */
export async function createArtifact(options: CreateArtifactOptions): Promise<CreateArtifactResult> {
  assertName(options.name, 'artifact name')
  const ctx = await openRegistryContext(options)
  const { repo } = ctx
  await assertNameFree(repo, options.name, 'artifact')
  const path = manifestPath('artifact', options.name)
  if (await repo.fs.exists(`${repo.dir}/${path}`)) {
    throw new NameTakenError(`artifact "${options.name}" already exists (${path})`, { name: options.name })
  }
  const manifest: ArtifactManifest = {
    name: options.name,
    type: options.type ?? 'model',
    description: options.description ?? '',
    aliases: {},
  }
  const text = formatArtifactManifest(manifest)
  // Validate what we are about to write with the same rules as every reader.
  parseArtifactManifest(text, path)
  await repo.fs.write(`${repo.dir}/${path}`, text)
  if (options.noCommit) return { manifest, path, commit: null }
  try {
    const { commit } = await commitFiles(repo, {
      paths: [path],
      message: `gmr: create artifact ${options.name}`,
      ...(await commitIdentities(ctx)),
    })
    return { manifest, path, commit }
  } catch (err) {
    await repo.fs.remove(`${repo.dir}/${path}`)
    throw err
  }
}
