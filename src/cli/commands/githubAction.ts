import type { Command } from 'commander'
import type { CliIo } from '../io.js'
import { examples } from '../options.js'
import { runGithubAction } from '../githubAction.js'

export function registerGithubAction(program: Command, io: CliIo): void {
  program
    .command('github-action')
    .description(
      'what the GitHub Action in gmr\'s repository (action.yml) runs: reads INPUT_COMMAND (check, diff or sync), INPUT_BASE, INPUT_TOKEN and the GITHUB_* variables of the job',
    )
    .addHelpText(
      'after',
      examples('gmr github-action   # in a job step; the action (uses: <owner>/gmr@<ref>) sets INPUT_* from its inputs'),
    )
    .action(async () => {
      await runGithubAction(io)
    })
}
