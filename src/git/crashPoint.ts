/**
 * A test hook: when the environment variable GMR_CRASH_AT names this point, the process
 * kills itself with SIGKILL right here, as a power cut or `kill -9` would. Tests use it to
 * prove that a crash at each named step of a write leaves nothing lost or half-done.
 * Outside tests the variable is unset and this costs one property read.
 */
export function crashPoint(name: string): void {
  const proc = globalThis.process
  if (proc?.env?.GMR_CRASH_AT === name) proc.kill(proc.pid, 'SIGKILL')
}
