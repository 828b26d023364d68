/**
 * Lines a transfer has to tell the user while it goes on ("retrying in 2 s"), for whoever
 * listens: the CLI writes them to stderr as `warning:` lines, a library caller may listen
 * or not. Nothing below the CLI prints.
 */
export type TransferNoticeSink = (line: string) => void

const sinks = new Set<TransferNoticeSink>()

/** Listen to transfer notices; returns the function that stops listening. */
export function onTransferNotice(sink: TransferNoticeSink): () => void {
  sinks.add(sink)
  return () => void sinks.delete(sink)
}

export function transferNotice(line: string): void {
  for (const sink of sinks) sink(line)
}
