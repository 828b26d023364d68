import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gmr.js')

export interface ServedSite {
  url: string
  /** Stop the server (SIGTERM) and return its exit code and output. */
  stop(): Promise<{ code: number | null; stdout: string; stderr: string }>
}

/** Start the real `gmr serve --port 0` in `cwd` and wait for the address it prints. */
export function serveSite(cwd: string, env: Record<string, string>, args: string[] = []): Promise<ServedSite> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  child.stderr!.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    void exited.then((code) => reject(new Error(`gmr serve exited (${code}) before serving: ${stderr}`)))
    child.stdout!.on('data', (d) => {
      stdout += d
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout)?.[0]
      if (url === undefined) return
      resolve({
        url,
        stop: async () => {
          child.kill('SIGTERM')
          return { code: await exited, stdout, stderr }
        },
      })
    })
  })
}
