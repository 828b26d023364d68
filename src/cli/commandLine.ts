/** The command line as the registry lock records it: short, one line. */
export function describeCommandLine(argv: readonly string[]): string {
  const line = ['gmr', ...argv].join(' ').replace(/\s+/g, ' ')
  return line.length > 200 ? `${line.slice(0, 197)}...` : line
}
