import type { Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { artifactJson, modelJson, showVersionJson } from '../jsonOutput.js'
import { examples } from '../options.js'
import { humanSize, isoDate, json, table } from '../render.js'
import { versionFieldLines } from '../renderMetadata.js'
import { operations } from '../operations.js'

export function registerShow(program: Command, io: CliIo): void {
  program
    .command('show')
    .description('describe an artifact or registered model, or one version and its files')
    .argument('<ref>', '<name> for the artifact or model, <name>:<selector> for a version')
    .option('--json', 'print the description as JSON')
    .addHelpText('after', examples('gmr show churn', 'gmr show churn:v2', 'gmr show churn-model', 'gmr show churn-model:production --json'))
    .action(async (ref: string, opts: { json?: boolean }) => {
      const { show } = await operations.show()
      const result = await show({ ...repoOptions(io), ref })
      if (opts.json) {
        if (result.kind === 'version') return io.stdout(json(showVersionJson(result.version, result.files)))
        if (result.kind === 'artifact') return io.stdout(json({ kind: 'artifact', artifact: artifactJson(result.artifact) }))
        return io.stdout(json({ kind: 'model', model: modelJson(result.model) }))
      }
      if (result.kind === 'model') {
        const m = result.model
        io.stdout(
          [
            `model:       ${m.name}`,
            ...(m.description ? [`description: ${m.description}`] : []),
            `tags:        ${m.tags.join(', ') || '-'}`,
            `aliases:     ${Object.entries(m.aliases).map(([a, v]) => `${a}=v${v}${m.refs[a] === null ? ' (no ref yet)' : ''}`).join(' ') || '-'}`,
            '',
          ].join('\n') + '\n',
        )
        if (m.links.length === 0) return io.stdout('no links yet: gmr link <artifact>:<version> ' + m.name + '\n')
        // A link's own description (link --description, meta set <model>:vN) is its last column, shown when one has it.
        const described = m.links.some((l) => l.description)
        io.stdout(
          table(
            ['LINK', 'VERSION', 'COMMIT', 'LINKED', 'ALIASES', ...(described ? ['DESCRIPTION'] : [])],
            m.links.map((l) => [
              `v${l.version}`,
              `${l.artifact}:v${l.artifactVersion}`,
              l.commit.slice(0, 10),
              l.linkedAt,
              l.aliases.join(' '),
              ...(described ? [l.description ?? ''] : []),
            ]),
          ),
        )
        return
      }
      if (result.kind === 'artifact') {
        const a = result.artifact
        const aliases = Object.entries(a.aliases).map(([k, v]) => `${k}=v${v}`)
        io.stdout(
          [
            `artifact:    ${a.name}`,
            `type:        ${a.type}`,
            ...(a.description ? [`description: ${a.description}`] : []),
            `versions:    ${a.versions}${a.latest ? ` (latest v${a.latest.version}, ${isoDate(a.latest.time)})` : ''}`,
            ...(aliases.length > 0 ? [`aliases:     ${aliases.join(' ')}`] : []),
          ].join('\n') + '\n',
        )
        return
      }
      const { version: v, files } = result
      const r = v.record
      io.stdout(
        [
          `version:  ${v.kind === 'model' ? `${v.name}:v${v.version} (${v.artifact}:v${v.artifactVersion})` : `${v.artifact}:v${v.version}`}`,
          `commit:   ${v.commit}`,
          `logged:   ${isoDate(r.time)} by ${r.author}`,
          ...(r.source ? [`source:   ${r.source.commit}${r.source.dirty ? ' (dirty)' : ''}`] : []),
          ...versionFieldLines(v),
          `files:    ${files.length}, ${humanSize(files.reduce((n, f) => n + f.size, 0))}`,
        ].join('\n') + '\n\n',
      )
      io.stdout(table(['PATH', 'SIZE', 'KIND', 'LFS'], files.map((f) => [f.path, humanSize(f.size), f.kind, f.lfs ? 'yes' : ''])))
    })
}
