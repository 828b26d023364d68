import { REGISTRY_FILE } from '../../domain/layout.js'
import { FORMAT_VERSION, upgradeRegistryConfigText } from '../../domain/registryConfig.js'
import type { RegistryContext } from './context.js'

/** registry.yaml's new text when the registry is at an older storage format. */
export interface FormatUpgrade {
  path: string
  content: Buffer
}

/**
 * A registry edit on an older storage format also moves registry.yaml to the current
 * one, in the same commit; the user is told once, through `notify`. Null when the
 * registry is current.
 */
export async function formatUpgrade(ctx: Pick<RegistryContext, 'repo' | 'config' | 'notify'>): Promise<FormatUpgrade | null> {
  const { formatVersion } = await ctx.config()
  if (formatVersion === FORMAT_VERSION) return null
  const text = await ctx.repo.fs.readText(`${ctx.repo.dir}/${REGISTRY_FILE}`)
  const upgraded = text === null ? null : upgradeRegistryConfigText(text)
  if (upgraded === null) return null
  ctx.notify(
    `this edit upgrades the registry from storage format ${formatVersion} to ${FORMAT_VERSION} (${REGISTRY_FILE}: formatVersion: ${FORMAT_VERSION}); alias moves are now recorded in refs/gmr/ledger`,
  )
  return { path: REGISTRY_FILE, content: Buffer.from(upgraded, 'utf8') }
}
