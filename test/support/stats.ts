// Small statistics and table helpers shared by the soak (test/soak) and the
// benchmarks (bench/): percentiles by the nearest-rank method, and plain
// text tables with the first column left-aligned.

/** The p-th percentile (nearest rank) of `xs`; NaN when empty. */
export function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number
}

export const median = (xs: readonly number[]): number => pct(xs, 50)

/** A number with `digits` decimals, '-' when it is not finite. */
export function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-'
}

/** Rows as aligned text lines: column 0 padded right, the others left. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '))
}
