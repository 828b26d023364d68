import { Argument, type Command } from 'commander'
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from '../completion.js'
import type { CliIo } from '../io.js'
import { examples } from '../options.js'

export function registerCompletion(program: Command, io: CliIo): void {
  program
    .command('completion')
    .description('print a shell completion script for gmr: commands, subcommands, options and their choices')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .addHelpText(
      'after',
      examples(
        'gmr completion bash > ~/.local/share/bash-completion/completions/gmr   # or in ~/.bashrc: source <(gmr completion bash)',
        'gmr completion zsh > "${fpath[1]}/_gmr"                               # then start a new zsh',
        'gmr completion fish > ~/.config/fish/completions/gmr.fish',
      ),
    )
    .action((shell: CompletionShell) => {
      io.stdout(completionScript(program, shell))
    })
}
