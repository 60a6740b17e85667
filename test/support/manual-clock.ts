// A clock the test moves by hand, for the simulator's model and fault
// injector (src/sim/clock.ts). Due callbacks run in time order.

import type { Cancel, Clock } from '../../src/sim/clock.ts'

export class ManualClock implements Clock {
  private t = 0
  private seq = 0
  private timers: Array<{ at: number; seq: number; fn: () => void }> = []

  now(): number {
    return this.t
  }

  after(ms: number, fn: () => void): Cancel {
    const entry = { at: this.t + Math.max(0, ms), seq: this.seq++, fn }
    this.timers.push(entry)
    return () => { this.timers = this.timers.filter((e) => e !== entry) }
  }

  /** Moves time forward, running every callback that falls due on the way. */
  advance(ms: number): void {
    const end = this.t + ms
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.timers[0]
      if (!next || next.at > end) break
      this.timers.shift()
      this.t = next.at
      next.fn()
    }
    this.t = end
  }

  get pending(): number {
    return this.timers.length
  }
}
