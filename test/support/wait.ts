// Waiting on a condition with a deadline (never a bare sleep as
// synchronisation): polls `check` until it returns a value other than
// undefined/false, or fails with `what` once the deadline passes.

import { setTimeout as delay } from 'node:timers/promises'

export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: { what: string; timeoutMs?: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5000)
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs ?? 5000} ms waiting for ${opts.what}`)
    await delay(opts.intervalMs ?? 20)
  }
}
