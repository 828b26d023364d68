import { spawnSync } from 'node:child_process'

/** An external program some tests need, how to tell it is there, and how to install it. */
interface Tool {
  probe: [string, ...string[]]
  install: string
}

const TOOLS = {
  'git-lfs': { probe: ['git', 'lfs', 'version'], install: 'apt-get install git-lfs' },
  chromium: { probe: ['chromium', '--version'], install: 'apt-get install chromium' },
  // A real OpenSSH server for the ssh remote tests (test/helpers/sshServer.ts); ssh and ssh-keygen come with it.
  sshd: { probe: ['/usr/sbin/sshd', '-V'], install: 'apt-get install openssh-server' },
  sha256sum: { probe: ['sha256sum', '--version'], install: 'apt-get install coreutils' },
  // Sets a file's mtime to the nanosecond (node's utimes rounds it), to fake a timestamp back.
  touch: { probe: ['touch', '--version'], install: 'apt-get install coreutils' },
} satisfies Record<string, Tool>

const seen = new Map<string, boolean>()

/**
 * Whether `name` is installed. Outside CI a missing tool skips the tests that need it,
 * with one visible line saying what to install; under CI=true a missing tool is a
 * failure, since .ci/run installs everything the suite needs.
 */
export function hasTool(name: keyof typeof TOOLS): boolean {
  const known = seen.get(name)
  if (known !== undefined) return known
  const tool: Tool = TOOLS[name]
  const [command, ...args] = tool.probe
  const found = spawnSync(command, args, { stdio: 'ignore' }).status === 0
  seen.set(name, found)
  if (!found) {
    if (process.env.CI === 'true') throw new Error(`${name} is missing on this CI machine; .ci/run must install it (${tool.install})`)
    process.stderr.write(`skipping the tests that need ${name}: it is not installed (${tool.install})\n`)
  }
  return found
}
