import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

/**
 * A real OpenSSH server for tests (Debian's openssh-server, /usr/sbin/sshd) on 127.0.0.1:
 * a throwaway host key and user key made by ssh-keygen, its own sshd_config (no PAM, keys
 * only, authorized_keys in the temporary folder), and a forced command that serves
 *   git-upload-pack / git-receive-pack  for the bare repositories under `root`, and
 *   git-lfs-authenticate <path> <op>    answering the href of the test LFS server with the
 *                                       Authorization header that server requires.
 * Every command the server ran is logged (commands()). The account is the current user's
 * (sshd lets only its own user in unless it runs as root).
 *
 *   const ssh = await startSshServer({ root: server.root, lfsOrigin: server.origin, header })
 *   git clone ssh.url('models')   with env ssh.env (GIT_SSH_COMMAND with the key and known_hosts)
 */

export const SSHD = '/usr/sbin/sshd'

export interface SshServerOptions {
  /** Folder of bare repositories `<name>.git` (the git server's root). */
  root: string
  /** Origin of the LFS server the hrefs point to, e.g. `http://127.0.0.1:1234`. */
  lfsOrigin: string
  /** Headers git-lfs-authenticate hands out (the LFS server's Authorization). */
  header: Record<string, string>
  /** `expires_in` of its answers, in seconds (default 3600). */
  expiresIn?: number
}

/** One command the forced command was asked to run. */
export interface SshCommandRecord {
  command: string
  args: string[]
}

export interface SshServer {
  port: number
  user: string
  /** `ssh://<user>@127.0.0.1:<port>/<name>.git` */
  url(name: string): string
  /** `<user>@127.0.0.1:<name>.git` (scp-like: the port comes from GIT_SSH_COMMAND, see scpEnv). */
  scpUrl(name: string): string
  /** GIT_SSH_COMMAND with the user key, known_hosts and StrictHostKeyChecking=yes. */
  env: Record<string, string>
  /** The same, with `-p <port>` in the command, for scp-like URLs. */
  scpEnv: Record<string, string>
  commands(): SshCommandRecord[]
  stop(): Promise<void>
}

const SERVE = `
import { spawnSync } from 'node:child_process'
import { appendFileSync, readFileSync } from 'node:fs'
import { resolve, sep } from 'node:path'
const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const line = process.env.SSH_ORIGINAL_COMMAND ?? ''
// The words of a command line as a POSIX shell splits plain and single-quoted words.
const words = []
let word = null
for (let i = 0; i < line.length; i++) {
  const c = line[i]
  if (c === "'") { const end = line.indexOf("'", i + 1); word = (word ?? '') + line.slice(i + 1, end); i = end }
  else if (c === '\\\\') { word = (word ?? '') + line[++i] }
  else if (c === ' ') { if (word !== null) words.push(word); word = null }
  else word = (word ?? '') + c
}
if (word !== null) words.push(word)
const [command, ...args] = words
appendFileSync(config.log, JSON.stringify({ command, args }) + '\\n')
const repo = (path) => {
  const full = resolve(config.root, path.replace(/^\\/+/, ''))
  if (!full.startsWith(config.root + sep)) { process.stderr.write('no such repository\\n'); process.exit(1) }
  return full
}
if (command === 'git-upload-pack' || command === 'git-receive-pack') {
  const run = spawnSync('git', [command.slice(4), repo(args[0])], { stdio: 'inherit' })
  process.exit(run.status ?? 1)
}
if (command === 'git-lfs-authenticate' && args.length === 2 && (args[1] === 'upload' || args[1] === 'download')) {
  const name = repo(args[0]).slice(config.root.length + 1).replace(/\\.git$/, '')
  process.stdout.write(JSON.stringify({ href: config.lfsOrigin + '/' + name + '.git/info/lfs', header: config.header, expires_in: config.expiresIn }))
  process.exit(0)
}
process.stderr.write('this test server does not run: ' + line + '\\n')
process.exit(1)
`

/** A free loopback port (closed again; sshd takes it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

export async function startSshServer(options: SshServerOptions): Promise<SshServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gmr-sshd-'))
  chmodSync(dir, 0o700)
  const keygen = (name: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `gmr-test-${name}`, '-f', join(dir, name)])
  keygen('host_key')
  keygen('user_key')
  const user = userInfo().username
  const log = join(dir, 'commands.log')
  writeFileSync(log, '')
  writeFileSync(
    join(dir, 'serve.json'),
    JSON.stringify({ root: options.root, lfsOrigin: options.lfsOrigin, header: options.header, expiresIn: options.expiresIn ?? 3600, log }),
  )
  writeFileSync(join(dir, 'serve.mjs'), SERVE)
  const forced = join(dir, 'serve.sh')
  writeFileSync(forced, `#!/bin/sh\nexec '${process.execPath}' '${join(dir, 'serve.mjs')}' '${join(dir, 'serve.json')}'\n`)
  chmodSync(forced, 0o755)
  const userKey = readFileSync(join(dir, 'user_key.pub'), 'utf8').trim()
  writeFileSync(join(dir, 'authorized_keys'), `command="${forced}",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding ${userKey}\n`)
  // As root, sshd insists on its privilege-separation folder (Debian's service creates it at boot).
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755, recursive: true })

  let child: ChildProcess | undefined
  let port = 0
  for (let attempt = 0; attempt < 5 && child === undefined; attempt++) {
    port = await freePort()
    const config = join(dir, 'sshd_config')
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `AllowUsers ${user}`,
        'UsePAM no',
        'StrictModes no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'AcceptEnv GIT_PROTOCOL',
        'LogLevel INFO',
        '',
      ].join('\n'),
    )
    execFileSync(SSHD, ['-t', '-f', config])
    const started = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    const listening = await new Promise<boolean>((done) => {
      let text = ''
      started.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        if (/Server listening on/.test(text)) done(true)
      })
      started.on('exit', () => done(false))
    })
    if (listening) child = started
    else started.kill('SIGKILL')
  }
  if (child === undefined) throw new Error('sshd did not start (five ports tried)')
  const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ')
  const knownHosts = join(dir, 'known_hosts')
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`)
  const ssh = `ssh -i ${join(dir, 'user_key')} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`
  const running = child
  return {
    port,
    user,
    url: (name) => `ssh://${user}@127.0.0.1:${port}/${name}.git`,
    scpUrl: (name) => `${user}@127.0.0.1:${name}.git`,
    env: { GIT_SSH_COMMAND: ssh },
    scpEnv: { GIT_SSH_COMMAND: `${ssh} -p ${port}` },
    commands: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as SshCommandRecord),
    async stop() {
      const exited = new Promise((done) => running.once('exit', done))
      running.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
