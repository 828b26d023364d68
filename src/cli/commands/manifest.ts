import type { Command } from 'commander'
import { formatSha256sumList } from '../../domain/sha256sumList.js'
import { repoOptions } from '../context.js'
import type { CliIo } from '../io.js'
import { manifestJson } from '../jsonOutput.js'
import { examples } from '../options.js'
import { json } from '../render.js'
import { operations } from '../operations.js'

export function registerManifest(program: Command, io: CliIo): void {
  program
    .command('manifest')
    .description("print a version's files and their SHA-256 as sha256sum does, so `sha256sum -c` checks a downloaded folder without gmr")
    .argument('<ref>', '<name>[:<selector>], selector v<N>, latest (default) or an alias')
    .option('--json', 'print the version and its files (path, size, sha256) as JSON')
    .addHelpText(
      'after',
      examples(
        'gmr manifest churn-model:production > SHA256SUMS',
        'gmr download churn-model:production --to ./serving && gmr manifest churn-model:production > SHA256SUMS',
        '(cd ./serving && sha256sum -c ../SHA256SUMS)   # on the deployment host, no gmr needed',
      ) +
        '\nThe list names the files "gmr download" writes (symlinks are left out: sha256sum follows them),\nrelative to the download folder, sorted; large files are hashed from their Git LFS pointers, so\nnothing is fetched. Names holding a backslash or newline are escaped as sha256sum does.\n',
    )
    .action(async (ref: string, opts: { json?: boolean }) => {
      const { manifestList } = await operations.manifestList()
      const result = await manifestList({ ...repoOptions(io), ref })
      if (opts.json) return io.stdout(json(manifestJson(result.version, result.files)))
      const hashed = result.files.flatMap((f) => (f.kind === 'symlink' || f.sha256 === null ? [] : [{ path: f.path, sha256: f.sha256 }]))
      io.stdout(formatSha256sumList(hashed))
    })
}
