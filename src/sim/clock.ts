// Time for the simulator, injected so the model's delays (registration,
// coverage loss, reset) run on a manual clock in unit tests and on real
// timers in `lted sim` (STYLE.md S12.6).

/** Cancels a scheduled callback; calling it twice is harmless. */
export type Cancel = () => void

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number
  /** Runs `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): Cancel
}

export const realClock: Clock = {
  now: () => performance.now(),
  after(ms, fn) {
    const h = setTimeout(fn, Math.max(0, ms))
    return () => clearTimeout(h)
  },
}
