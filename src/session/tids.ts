// Transaction id counters: start at 1, wrap back to 1 (never 0, which
// requests must not use), and skip ids still waiting for an answer
// (PROTOCOL.md 1.7 for MBIM's u32; 5.1 for QMI's u8 CTL / u16 services).

export class TidCounter {
  private next = 1
  private readonly max: number

  constructor(max: number) {
    this.max = max
  }

  take(inUse: (tid: number) => boolean): number {
    for (let tries = 0; tries < this.max; tries++) {
      const tid = this.next
      this.next = tid >= this.max ? 1 : tid + 1
      if (!inUse(tid)) return tid
    }
    throw new RangeError(`all ${this.max} transaction ids are in use`)
  }

  /** For tests and for continuing another process's session. */
  set(tid: number): void {
    this.next = tid < 1 || tid > this.max ? 1 : tid
  }
}
