/** Run `fn` over `items` with at most `limit` calls in flight; results keep input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++
      try {
        results[index] = await fn(items[index]!, index)
      } catch (err) {
        failed = true
        throw err
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * The pause between two tries at something another process holds (a lock file): random,
 * so waiters do not retry in step, growing by `stepMs` a try up to `capMs`, and never
 * past `deadline` (epoch ms).
 */
export function backoff(attempt: number, options: { stepMs: number; capMs: number; deadline?: number }): Promise<void> {
  const ms = 1 + Math.random() * Math.min(options.capMs, options.stepMs * (attempt + 1))
  const left = options.deadline === undefined ? ms : Math.max(1, options.deadline - Date.now())
  return sleep(Math.min(ms, left))
}
