import type { FileSystem } from './fs.js'

/**
 * A process as a later run can recognise it: its pid, plus, where the system tells (Linux
 * `/proc`), when it started and in which boot, so that a pid reused by another process
 * after the first one died is not taken for it.
 */
export interface ProcessIdentity {
  pid: number
  /** Start time in clock ticks since boot (`/proc/<pid>/stat`, field 22); null where unknown. */
  start: string | null
  /** `/proc/sys/kernel/random/boot_id`; null where unknown. */
  boot: string | null
}

export async function processIdentity(fs: FileSystem, pid: number): Promise<ProcessIdentity> {
  return { pid, start: await startTime(fs, pid), boot: await bootId(fs) }
}

/** Whether the process `who` names still runs on this machine (the same process, not a reuse of its pid). */
export async function processAlive(fs: FileSystem, who: ProcessIdentity): Promise<boolean> {
  if (!pidExists(who.pid)) return false
  if (who.boot !== null) {
    const boot = await bootId(fs)
    if (boot !== null && boot !== who.boot) return false
  }
  if (who.start !== null) {
    const start = await startTime(fs, who.pid)
    if (start !== null && start !== who.start) return false
  }
  return true
}

/** Whether some process has this pid (signal 0 checks without sending anything). */
export function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists, it belongs to another user.
    return (err as { code?: string }).code === 'EPERM'
  }
}

async function startTime(fs: FileSystem, pid: number): Promise<string | null> {
  const stat = await fs.readText(`/proc/${pid}/stat`).catch(() => null)
  if (stat === null) return null
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields[19] ?? null
}

async function bootId(fs: FileSystem): Promise<string | null> {
  return ((await fs.readText('/proc/sys/kernel/random/boot_id').catch(() => null)) ?? '').trim() || null
}
