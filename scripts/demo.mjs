#!/usr/bin/env node
// A walk through gmr in a throwaway repository: every command is printed, then run
// for real with the built binary, and its real output is shown.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'gmr.js')
const root = mkdtempSync(join(tmpdir(), 'gmr-demo-'))
const repo = join(root, 'ml-project')
const env = {
  ...process.env,
  XDG_CACHE_HOME: join(root, 'cache'),
  GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'Demo User',
  GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'demo@example.com',
  GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'Demo User',
  GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'demo@example.com',
}
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const dim = (s) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s)

function say(text) {
  console.log(`\n${dim(`# ${text}`)}`)
}

function sh(display, file, args) {
  console.log(bold(`$ ${display}`))
  const result = spawnSync(file, args, { cwd: repo, env, encoding: 'utf8' })
  process.stdout.write(result.stdout)
  process.stdout.write(result.stderr)
  if (result.status !== 0) {
    console.log(dim(`(exit code ${result.status})`))
  }
  return result
}

const gmr = (...args) => sh(`gmr ${args.map(quote).join(' ')}`, process.execPath, [bin, ...args])
const git = (...args) => sh(`git ${args.map(quote).join(' ')}`, 'git', args)
const quote = (arg) => (/^[\w./:=@+-]+$/.test(arg) ? arg : `'${arg}'`)

function writeModel(weights, accuracy) {
  mkdirSync(join(repo, 'out', 'tokenizer'), { recursive: true })
  // 2 MiB of weights: above the 1 MiB largeFileThreshold, so stored Git-LFS style.
  writeFileSync(join(repo, 'out', 'model.bin'), Buffer.alloc(2 * 1024 * 1024, weights))
  writeFileSync(join(repo, 'out', 'tokenizer', 'vocab.json'), '{"hello": 0, "world": 1}\n')
  writeFileSync(join(repo, 'out', 'serve.sh'), '#!/bin/sh\nexec python serve.py "$@"\n')
  chmodSync(join(repo, 'out', 'serve.sh'), 0o755)
  writeFileSync(join(repo, 'metrics.json'), JSON.stringify({ metrics: { accuracy } }, null, 2))
}

try {
  mkdirSync(repo, { recursive: true })
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env })
  writeFileSync(join(repo, 'train.py'), 'print("training")\n')
  writeFileSync(join(repo, '.gitignore'), 'out/\n*-v*/\nserving/\nmetrics.json\n')
  execFileSync('git', ['add', '.'], { cwd: repo, env })
  execFileSync('git', ['commit', '-q', '-m', 'training code'], { cwd: repo, env })
  console.log(`gmr demo in ${repo} (a throwaway git repository with one commit of training code)`)

  say('Make the repository a registry: one commit adding registry/registry.yaml.')
  gmr('init')
  git('log', '--oneline')

  say('Training wrote a model to ./out. Log it as version v0 of the artifact "churn".')
  writeModel('1', 0.81)
  gmr('log', 'churn', 'out', '--metadata-file', 'metrics.json', '--metadata', 'framework=pytorch')

  say('Train again: new weights, new version.')
  writeModel('2', 0.87)
  gmr('log', 'churn', 'out', '--metadata-file', 'metrics.json', '--metadata', 'framework=pytorch', '-m', 'retrained on November data')

  say('Logging the same files again creates nothing new.')
  gmr('log', 'churn', 'out')

  say('Each version is a commit on the orphan branch artifacts/churn; your branch, index and work tree are untouched.')
  git('log', '--format=%h %s', 'artifacts/churn')
  git('status', '--short')
  say('model.bin is over 1 MiB, so the tree holds a Git LFS pointer and the bytes are in .git/lfs/objects.')
  git('show', 'artifacts/churn:model.bin')

  say('A version never changes; what you learn later is added in the registry, as a reviewed edit.')
  gmr('meta', 'set', 'churn:v1', 'reviewed_by=ada')
  gmr('versions', 'churn')
  gmr('show', 'churn:v1')

  say('Bad input is one clear line and exit code 1; nothing is written.')
  gmr('resolve', 'churn:v9')
  gmr('log', 'bad name', 'out')

  say('Register a model and link versions to it; an alias names exactly one version.')
  gmr('model', 'create', 'churn-model', '--description', 'customer churn classifier', '--tag', 'tabular')
  gmr('link', 'churn:v0', 'churn-model', '--alias', 'production', '--force')
  gmr('link', 'churn:v1', 'churn-model', '--alias', 'staging')
  gmr('models')
  gmr('show', 'churn-model')
  say('A model card: markdown with front matter that gmr check validates.')
  writeFileSync(join(repo, 'card.md'), '---\nlicense: mit\nmetrics:\n  - name: accuracy\n    value: 0.87\nintendedUse: ranking customers by churn risk\n---\n# churn-model\n\nGradient-boosted trees on 40 account features.\n')
  gmr('card', 'churn-model', '--set', 'card.md')
  gmr('card', 'churn-model')

  say('Promoting v1 to production is a proposal on a branch, reviewed like code.')
  git('switch', '-q', '-c', 'promote-v1')
  gmr('alias', 'set', 'churn-model', 'production', 'v1')
  gmr('diff')
  gmr('check', '--base', 'main')
  say('After review the branch is merged, and gmr sync (CI does it) moves the alias refs.')
  git('switch', '-q', 'main')
  git('merge', '-q', '--no-ff', '-m', 'Merge promote-v1', 'promote-v1')
  gmr('aliases', 'churn-model')
  gmr('sync')
  gmr('history', 'churn-model')
  say('Every alias move is also a record in an append-only ledger, readable with plain git.')
  git('log', '--format=%s', 'refs/gmr/ledger')

  say('Share it: push to a git server (here a bare repository on disk); large files go first.')
  execFileSync('git', ['init', '-q', '--bare', join(root, 'server.git')], { env })
  git('remote', 'add', 'origin', join(root, 'server.git'))
  gmr('push')

  say('Deploy from the server with no checkout: one version, its large files, into a folder.')
  const deploy = (to) => sh(`gmr download ${join(root, 'server.git')}#churn-model:production --to ${to}`, process.execPath, [
    bin, 'download', `${join(root, 'server.git')}#churn-model:production`, '--to', join(root, to),
  ])
  deploy('deploy')
  say('The same version again comes from the cache: nothing is transferred.')
  deploy('deploy-again')

  say('Or materialise a version locally; doing it again writes nothing.')
  gmr('download', 'churn-model:staging', '--to', 'serving')
  gmr('download', 'churn-model:staging', '--to', 'serving')
  sh('ls -lR serving', 'ls', ['-lR', '--time-style=+', 'serving'])
  say('A deployed folder can be checked with no gmr installed: gmr manifest prints a sha256sum list.')
  const list = gmr('manifest', 'churn-model:staging')
  writeFileSync(join(root, 'SHA256SUMS'), list.stdout)
  sh(`sha256sum -c ${join(root, 'SHA256SUMS')}   # in serving/`, 'sh', ['-c', `cd serving && sha256sum -c ${join(root, 'SHA256SUMS')}`])

  say('Everything gmr wrote passes git fsck --strict.')
  git('fsck', '--strict', '--no-progress')
  console.log('\nDone. The demo repository is removed; run `npx gmr --help` for every command.')
} finally {
  rmSync(root, { recursive: true, force: true })
}
