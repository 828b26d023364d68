/**
 * A path as given on the command line or in options, made absolute against `cwd`
 * (slash-separated, trailing slashes dropped).
 */
export function resolvePath(path: string, cwd: string): string {
  const full = path.startsWith('/') ? path : `${cwd}/${path}`
  return full.replace(/\/+$/, '') || '/'
}
