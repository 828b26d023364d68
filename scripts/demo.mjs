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
  writeFileSync(join(repo, 'out', 'model.bin'), weights)
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
  writeModel('weights after epoch 1', 0.81)
  gmr('log', 'churn', 'out', '--metadata-file', 'metrics.json', '--metadata', 'framework=pytorch')

  say('Train again: new weights, new version.')
  writeModel('weights after epoch 2', 0.87)
  gmr('log', 'churn', 'out', '--metadata-file', 'metrics.json', '--metadata', 'framework=pytorch')

  say('Logging the same files again creates nothing new.')
  gmr('log', 'churn', 'out')

  say('Each version is a commit on the orphan branch artifacts/churn; your branch, index and work tree are untouched.')
  git('log', '--format=%h %s', 'artifacts/churn')
  git('status', '--short')

  gmr('artifacts')
  gmr('versions', 'churn')
  gmr('show', 'churn:v1')
  gmr('resolve', 'churn:v0')

  say('Bad input is one clear line and exit code 1; nothing is written.')
  gmr('resolve', 'churn:v9')
  gmr('log', 'bad name', 'out')

  say('Materialise a version into a folder; doing it again writes nothing.')
  gmr('download', 'churn:v1', '--to', 'serving')
  gmr('download', 'churn:v1', '--to', 'serving')
  gmr('download', 'churn:v0', '--include', 'tokenizer')
  sh('ls -lR serving', 'ls', ['-lR', '--time-style=+', 'serving'])

  say('Everything gmr wrote passes git fsck --strict.')
  git('fsck', '--strict', '--no-progress')
  console.log('\nDone. The demo repository is removed; run `npx gmr --help` for every command.')
} finally {
  rmSync(root, { recursive: true, force: true })
}
