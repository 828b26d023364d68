import { manifestDir, RETIRED_FILE } from '../../domain/layout.js'
import type { RetiredEntryYaml, RetiredYaml } from '../../domain/retired.js'
import type { Repo } from '../../git/repo.js'
import { commitIdentities, type RegistryContext } from './context.js'
import type { RegistryFileEdit } from './mutate.js'
import { appendRetirement, parseRetired, renderRetired } from '../../domain/retired.js'

/**
 * The machinery `model rm`, `artifact rm` and `model rename` share: the entry they append
 * to registry/retired.yaml and the card they carry. Not a command of its own.
 */

/** `registry/retired.yaml` in the work tree: its text and data, or nulls when there is none. */
async function readRetiredRecord(repo: Repo): Promise<{ text: string | null; data: RetiredYaml | null }> {
  const text = await repo.fs.readText(`${repo.dir}/${RETIRED_FILE}`)
  if (text === null) return { text: null, data: null }
  return { text, data: parseRetired(text).data }
}

/** A new entry for `name`, dated now and signed by the commit's author. */
export async function newRetirement(
  ctx: Pick<RegistryContext, 'repo' | 'env' | 'now'>,
  fields: Pick<RetiredEntryYaml, 'kind' | 'name'> & Partial<Pick<RetiredEntryYaml, 'reason' | 'renamedTo' | 'branch' | 'tip'>>,
): Promise<RetiredEntryYaml> {
  const { author } = await commitIdentities(ctx)
  return {
    kind: fields.kind,
    name: fields.name,
    ...(fields.renamedTo !== undefined && { renamedTo: fields.renamedTo }),
    ...(fields.reason ? { reason: fields.reason } : {}),
    retiredAt: new Date(author.timestamp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    by: { name: author.name, email: author.email },
    ...(fields.branch !== undefined && { branch: fields.branch }),
    ...(fields.tip !== undefined && { tip: fields.tip }),
  }
}

/** The edit of `registry/retired.yaml` that appends `entry` (its comments kept). */
export async function retirementFileEdit(repo: Repo, entry: RetiredEntryYaml): Promise<RegistryFileEdit> {
  const { text, data } = await readRetiredRecord(repo)
  const doc = text === null ? undefined : parseRetired(text).doc
  return { path: RETIRED_FILE, before: text, after: renderRetired(appendRetirement(data, entry), doc) }
}

/** A model's card (`registry/models/<model>.md`), which goes and moves with its manifest. */
function modelCardPath(model: string): string {
  return `${manifestDir('model')}/${model}.md`
}

/** The card edits of removing `from` (to: null) or renaming it to `to`; none when it has no card. */
export async function cardEdits(repo: Repo, from: string, to: string | null): Promise<RegistryFileEdit[]> {
  const text = await repo.fs.readText(`${repo.dir}/${modelCardPath(from)}`)
  if (text === null) return []
  const removed: RegistryFileEdit = { path: modelCardPath(from), before: text, after: null }
  return to === null ? [removed] : [removed, { path: modelCardPath(to), before: null, after: text }]
}

/** `gmr: <what>`, and the reason as the body. */
export function commitMessage(what: string, reason: string | undefined): string {
  return `gmr: ${what}${reason ? `\n\n${reason}` : ''}`
}
