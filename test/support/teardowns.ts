// A tap-like `t` with teardown() for scripts outside tap (the soak, the
// benchmarks): the support helpers register their cleanups on it, and
// cleanup() runs them in reverse order, each one even when another fails.

export interface Collector {
  teardown(fn: () => unknown): void
  cleanup(): Promise<void>
}

export function collector(): Collector {
  const fns: Array<() => unknown> = []
  return {
    teardown(fn) { fns.push(fn) },
    async cleanup() {
      for (const fn of fns.splice(0).reverse()) {
        try { await fn() } catch (e) { process.stderr.write(`teardown: ${String(e)}\n`) }
      }
    },
  }
}
