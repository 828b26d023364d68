import type { Command, Option } from 'commander'

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const
export type CompletionShell = (typeof COMPLETION_SHELLS)[number]

/** One command's completions, read from the commander program itself, so they never drift from it. */
interface CompletionNode {
  /** `''` for gmr itself, `log`, `alias set`. */
  key: string
  subcommands: Array<{ name: string; description: string }>
  options: CompletionOption[]
}

interface CompletionOption {
  short?: string
  long?: string
  description: string
  takesValue: boolean
  choices: string[]
}

const HELP: CompletionOption = { short: '-h', long: '--help', description: 'show help', takesValue: false, choices: [] }

/** Every command of the program, depth first, each with its own options and the global ones. */
function completionNodes(program: Command): CompletionNode[] {
  const global = program.options.filter((o) => o.long !== '--version').map(completionOption)
  const nodes: CompletionNode[] = []
  const visit = (command: Command, path: string[]) => {
    const own = command === program ? program.options.map(completionOption) : [...command.options.map(completionOption), ...global]
    nodes.push({
      key: path.join(' '),
      subcommands: [
        ...command.commands.map((c) => ({ name: c.name(), description: c.description() })),
        // A first argument with fixed choices (gmr completion <shell>) completes like subcommands.
        ...(command.registeredArguments[0]?.argChoices ?? []).map((name) => ({ name, description: command.registeredArguments[0]!.description })),
        ...(command === program ? [{ name: 'help', description: 'show help for a command' }] : []),
      ],
      options: [...own, HELP],
    })
    for (const sub of command.commands) visit(sub, [...path, sub.name()])
  }
  visit(program, [])
  return nodes
}

function completionOption(option: Option): CompletionOption {
  return {
    ...(option.short !== undefined && { short: option.short }),
    ...(option.long !== undefined && { long: option.long }),
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? [],
  }
}

/** A script for the shell that completes gmr's commands, subcommands, options and option choices. */
export function completionScript(program: Command, shell: CompletionShell): string {
  const nodes = completionNodes(program)
  if (shell === 'fish') return fishScript(nodes)
  return shell === 'bash' ? bashScript(nodes) : zshScript(nodes)
}

const flags = (o: CompletionOption) => [o.short, o.long].filter((f): f is string => f !== undefined)

/** Lookup functions by command key, shared by bash and zsh (both read this `case` syntax). */
function lookups(nodes: readonly CompletionNode[]): string {
  const table = (name: string, value: (n: CompletionNode) => string[]) =>
    [
      `_gmr_${name}() {`,
      '  case "$1" in',
      ...nodes.map((n) => `    ${shQuote(n.key)}) echo ${shQuote(value(n).join(' '))} ;;`),
      '  esac',
      '}',
    ].join('\n')
  const choices = nodes.flatMap((n) =>
    n.options.filter((o) => o.choices.length > 0).flatMap((o) => flags(o).map((f) => `    ${shQuote(`${n.key}|${f}`)}) echo ${shQuote(o.choices.join(' '))} ;;`)),
  )
  return [
    table('commands', (n) => n.subcommands.map((s) => s.name)),
    table('options', (n) => n.options.flatMap(flags)),
    table('valued', (n) => n.options.filter((o) => o.takesValue).flatMap(flags)),
    ['_gmr_choices() {', '  case "$1|$2" in', ...choices, '  esac', '}'].join('\n'),
    // The command key of the words before the cursor: known subcommands, skipping options and their values.
    [
      '_gmr_key() {',
      '  local key="" skip="" w',
      '  for w in "$@"; do',
      '    if [ -n "$skip" ]; then skip=""; continue; fi',
      '    case "$w" in',
      '      -*) case " $(_gmr_valued "$key") " in *" $w "*) skip=1 ;; esac ;;',
      '      *) case " $(_gmr_commands "$key") " in *" $w "*) key="${key:+$key }$w" ;; esac ;;',
      '    esac',
      '  done',
      '  echo "$key"',
      '}',
    ].join('\n'),
  ].join('\n\n')
}

function bashScript(nodes: readonly CompletionNode[]): string {
  return `# gmr completion for bash. Load it now:  source <(gmr completion bash)
# or for every shell:  gmr completion bash > ~/.local/share/bash-completion/completions/gmr
${lookups(nodes)}

_gmr() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" key choices
  key="$(_gmr_key "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  case " $(_gmr_valued "$key") " in
    *" $prev "*)
      choices="$(_gmr_choices "$key" "$prev")"
      if [ -n "$choices" ]; then COMPREPLY=($(compgen -W "$choices" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
      return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_gmr_options "$key")" -- "$cur"))
  elif [ -n "$(_gmr_commands "$key")" ]; then
    COMPREPLY=($(compgen -W "$(_gmr_commands "$key")" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _gmr gmr
`
}

function zshScript(nodes: readonly CompletionNode[]): string {
  const described = nodes
    .filter((n) => n.subcommands.length > 0)
    .map((n) => `    ${shQuote(n.key)}) described=(${n.subcommands.map((s) => shQuote(`${s.name}:${oneLine(s.description)}`)).join(' ')}) ;;`)
  return `#compdef gmr
# gmr completion for zsh. Load it now:  source <(gmr completion zsh)
# or save it as _gmr in a folder on $fpath:  gmr completion zsh > "\${fpath[1]}/_gmr"
${lookups(nodes)}

_gmr() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" key choices
  local -a described
  key="$(_gmr_key "\${(@)words[2,CURRENT-1]}")"
  case " $(_gmr_valued "$key") " in
    *" $prev "*)
      choices="$(_gmr_choices "$key" "$prev")"
      if [ -n "$choices" ]; then compadd -- \${=choices}; else _files; fi
      return ;;
  esac
  if [[ "$cur" == -* ]]; then
    choices="$(_gmr_options "$key")"
    compadd -- \${=choices}
    return
  fi
  case "$key" in
${described.join('\n')}
  esac
  if (( \${#described} )); then _describe 'command' described; else _files; fi
}
if [ "$funcstack[1]" = "_gmr" ]; then _gmr "$@"; else compdef _gmr gmr; fi
`
}

function fishScript(nodes: readonly CompletionNode[]): string {
  const lines = ['# gmr completion for fish:  gmr completion fish > ~/.config/fish/completions/gmr.fish', 'complete -c gmr -f']
  for (const node of nodes) {
    const path = node.key === '' ? [] : node.key.split(' ')
    const within = path.map((p) => `__fish_seen_subcommand_from ${p}`)
    const notDeeper = node.subcommands.length > 0 ? [`not __fish_seen_subcommand_from ${node.subcommands.map((s) => s.name).join(' ')}`] : []
    const condition = (parts: string[]) => (parts.length > 0 ? ` -n ${shQuote(parts.join('; and '))}` : '')
    const here = path.length === 0 ? ['__fish_use_subcommand'] : within
    for (const sub of node.subcommands) {
      lines.push(`complete -c gmr${condition([...here, ...(path.length === 0 ? [] : notDeeper)])} -a ${shQuote(sub.name)} -d ${shQuote(oneLine(sub.description))}`)
    }
    // Global options once, at the top; each command lists its own.
    const options = path.length === 0 ? node.options : node.options.slice(0, node.options.length - globalCount(nodes))
    for (const option of options) {
      const parts = [
        ...(option.short ? [`-s ${option.short.slice(1)}`] : []),
        ...(option.long ? [`-l ${option.long.slice(2)}`] : []),
        ...(option.takesValue ? (option.choices.length > 0 ? [`-x -a ${shQuote(option.choices.join(' '))}`] : ['-r -F']) : []),
      ]
      // Global options (gmr's own) apply after any command; a command's own only within it.
      const where = path.length === 0 ? '' : condition([...within, ...notDeeper])
      lines.push(`complete -c gmr${where} ${parts.join(' ')} -d ${shQuote(oneLine(option.description))}`)
    }
  }
  return `${lines.join('\n')}\n`
}

/** How many options every command inherits (the global ones and --help), which trail each command's own. */
function globalCount(nodes: readonly CompletionNode[]): number {
  return nodes[0]!.options.filter((o) => o.long !== '--version').length
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}
