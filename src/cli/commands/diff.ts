import { Option, type Command } from 'commander'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { examples } from '../options.js'
import { diffJson } from '../jsonOutput.js'
import { json } from '../render.js'
import { renderDiffMarkdown } from '../renderDiffMarkdown.js'
import { renderDiffText } from '../renderDiff.js'
import { operations } from '../operations.js'

interface DiffFlags {
  format: 'text' | 'markdown' | 'json'
  json?: boolean
}

export function registerDiff(program: Command, io: CliIo): void {
  program
    .command('diff')
    .description('what changed in the registry between two states: models, links, aliases (with metric changes), tags, versions logged')
    .argument('[base]', 'the state before (default: the merge base of HEAD and the registry branch)')
    .argument('[head]', 'the state after (default: the work tree)')
    .addOption(
      new Option('--format <format>', 'text, markdown (for a pull-request comment or $GITHUB_STEP_SUMMARY, under 60 KB), or json')
        .choices(['text', 'markdown', 'json'])
        .default('text'),
    )
    .option('--json', 'the same as --format json')
    .addHelpText(
      'after',
      examples('gmr diff', 'gmr diff origin/main HEAD', 'gmr diff origin/main HEAD --format markdown >> "$GITHUB_STEP_SUMMARY"'),
    )
    .action(async (base: string | undefined, head: string | undefined, opts: DiffFlags) => {
      const { diff } = await operations.diff()
      const result = await diff({ ...repoOptions(io), ...(base !== undefined && { base }), ...(head !== undefined && { head }) })
      const format = opts.json ? 'json' : opts.format
      if (format === 'json') return io.stdout(json(diffJson(result)))
      if (format === 'markdown') {
        return io.stdout(renderDiffMarkdown(result))
      }
      io.stdout(renderDiffText(result))
      for (const u of result.unreadable) io.stderr(`warning: ${u.path} does not parse in the ${u.side}; its changes are not shown (run gmr check)\n`)
    })
}
