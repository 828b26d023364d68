import { error, warning, type Finding } from './checkFindings.js'
import { readModelCard } from './modelCard.js'
import { metadataChanges, type MetadataChange } from './metadataDelta.js'
import type { RegistrySnapshot, SnapshotCard } from './registrySnapshot.js'

/** A card read for a snapshot: never throws, problems kept with card line numbers. */
export function readSnapshotCard(file: { model: string; path: string; oid: string }, text: string): SnapshotCard {
  return { ...file, ...readModelCard(text) }
}

/**
 * `gmr check` on model cards: front matter that breaks schemas/modelCard.schema.json is
 * an error at its line and column; a card with no registered model of its name is a
 * warning (nothing shows it).
 */
export function modelCardRule(snapshot: RegistrySnapshot): Finding[] {
  const models = new Set(snapshot.manifests.filter((m) => m.kind === 'model').map((m) => m.name))
  const findings: Finding[] = []
  for (const card of snapshot.cards ?? []) {
    for (const p of card.problems) {
      findings.push(error('model-card', `${p.message} (schemas/modelCard.schema.json)`, { file: card.path, line: p.line, col: p.col }))
    }
    if (!models.has(card.model)) {
      findings.push(
        warning('model-card-orphan', `${card.path} is the card of "${card.model}", which is not a registered model here; create the model or remove the card`, {
          file: card.path,
        }),
      )
    }
  }
  return findings
}

/** How a model's card changed between two states. */
export interface CardDiff {
  change: 'added' | 'removed' | 'changed'
  /** The front matter's changes, by dotted key (lists compared whole). */
  frontMatter: MetadataChange[]
  bodyChanged: boolean
  /** The front matter could not be read on one side, so its changes are not listed. */
  unreadable: boolean
}

/** Every model whose card differs from `base` to `head`, by model name. */
export function cardChanges(base: RegistrySnapshot, head: RegistrySnapshot): Map<string, CardDiff> {
  const before = new Map((base.cards ?? []).map((c) => [c.model, c]))
  const after = new Map((head.cards ?? []).map((c) => [c.model, c]))
  const out = new Map<string, CardDiff>()
  for (const model of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const [b, a] = [before.get(model), after.get(model)]
    if (b && a && b.oid === a.oid) continue
    const change = !b ? 'added' : !a ? 'removed' : 'changed'
    const unreadable = (b !== undefined && b.card === null) || (a !== undefined && a.card === null)
    const [fb, fa] = [b?.card?.frontMatter ?? {}, a?.card?.frontMatter ?? {}]
    out.set(model, {
      change,
      frontMatter: unreadable ? [] : metadataChanges(fb, fa),
      bodyChanged: (b?.card?.body ?? '') !== (a?.card?.body ?? ''),
      unreadable,
    })
  }
  return out
}
