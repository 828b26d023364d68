/**
 * A unified diff of two texts, as `git diff` prints it (three lines of context), so a
 * dry run can show exactly what an edit would write. Pure: lines are compared with
 * Myers' algorithm after the common head and tail are set aside.
 */

type Op = { op: ' ' | '-' | '+'; line: string }

/** Past this many differing lines the middle is shown as removed and added whole (the diff stays correct, only longer). */
const MAX_MIDDLE = 20_000

/** `--- a/<path>` / `+++ b/<path>` and the hunks; null stands for no file (`/dev/null`). Empty when the texts are equal. */
export function unifiedDiff(path: string, before: string | null, after: string | null, context = 3): string {
  if (before === after) return ''
  const a = splitLines(before)
  const b = splitLines(after)
  const ops = diffLines(a, b)
  const header = `--- ${before === null ? '/dev/null' : `a/${path}`}\n+++ ${after === null ? '/dev/null' : `b/${path}`}\n`
  return header + hunks(ops, context)
}

/** Lines with their newline; a last line without one is marked as git marks it. */
function splitLines(text: string | null): string[] {
  if (text === null || text === '') return []
  const lines = text.split('\n')
  const last = lines.pop()!
  const whole = lines.map((line) => `${line}\n`)
  if (last !== '') whole.push(`${last}\n\\ No newline at end of file\n`)
  return whole
}

function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const middleA = a.slice(head, a.length - tail)
  const middleB = b.slice(head, b.length - tail)
  const same = (lines: readonly string[]): Op[] => lines.map((line) => ({ op: ' ', line }))
  const middle =
    middleA.length + middleB.length > MAX_MIDDLE
      ? [...middleA.map((line): Op => ({ op: '-', line })), ...middleB.map((line): Op => ({ op: '+', line }))]
      : myers(middleA, middleB)
  return [...same(a.slice(0, head)), ...middle, ...same(a.slice(a.length - tail))]
}

/** The shortest edit script from `a` to `b` (Myers 1986), each step's frontier kept for the walk back. */
function myers(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length
  const m = b.length
  const max = n + m
  const offset = max + 1
  const v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  let found = -1
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) {
        found = d
        break
      }
    }
  }
  const ops: Op[] = []
  let x = n
  let y = m
  for (let d = found; d > 0; d--) {
    const prev = trace[d]!
    const k = x - y
    const down = k === -d || (k !== d && prev[offset + k - 1]! < prev[offset + k + 1]!)
    const prevK = down ? k + 1 : k - 1
    const prevX = prev[offset + prevK]!
    const prevY = prevX - prevK
    for (; x > prevX && y > prevY; y--) ops.push({ op: ' ', line: a[--x]! })
    if (down) ops.push({ op: '+', line: b[--y]! })
    else ops.push({ op: '-', line: a[--x]! })
  }
  for (; x > 0 && y > 0; y--) ops.push({ op: ' ', line: a[--x]! })
  return ops.reverse()
}

/** Group the changes into hunks with `context` unchanged lines around each. */
function hunks(ops: readonly Op[], context: number): string {
  const changed = ops.flatMap((op, i) => (op.op === ' ' ? [] : [i]))
  let out = ''
  let i = 0
  while (i < changed.length) {
    let end = i
    while (end + 1 < changed.length && changed[end + 1]! - changed[end]! <= 2 * context + 1) end++
    const from = Math.max(0, changed[i]! - context)
    const to = Math.min(ops.length, changed[end]! + context + 1)
    const before = ops.slice(0, from)
    const startA = before.filter((op) => op.op !== '+').length
    const startB = before.filter((op) => op.op !== '-').length
    const body = ops.slice(from, to)
    const countA = body.filter((op) => op.op !== '+').length
    const countB = body.filter((op) => op.op !== '-').length
    out += `@@ -${range(startA, countA)} +${range(startB, countB)} @@\n`
    for (const op of body) out += `${op.op}${op.line}`
    i = end + 1
  }
  return out
}

/** `start,count` as diff writes it: 1-based, and the line before an empty range. */
function range(start: number, count: number): string {
  if (count === 1) return `${start + 1}`
  return `${count === 0 ? start : start + 1},${count}`
}
