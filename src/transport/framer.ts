// Turns a byte stream into frames with the protocol layer's stream framing.
// Frames are delivered; a frame whose body does not decode is logged as hex
// and skipped whole; bytes that are not at a frame boundary at all (framing
// lost) are skipped one at a time until a plausible header appears, so a
// burst of garbage costs only itself and the next good frame survives.
// (libmbim discards its whole buffer here, which can drop that next frame.)

import type { Logger } from '../log.ts'
import type { Take } from '../protocol/framing.ts'
import { concatBytes } from '../util/bytes.ts'
import { toHex } from '../util/hex.ts'

export class Framer<F> {
  private buf: Uint8Array = new Uint8Array(0)
  private readonly take: (b: Uint8Array) => Take<F>
  private readonly log: Logger
  private garbage: number[] = []
  /** Frames skipped because they did not decode. */
  invalidFrames = 0
  /** Bytes skipped while framing was lost. */
  skippedBytes = 0

  constructor(take: (b: Uint8Array) => Take<F>, log: Logger) {
    this.take = take
    this.log = log
  }

  /** Feeds one chunk read from the device; calls `frame` per complete frame. */
  push(chunk: Uint8Array, frame: (f: F, raw: Uint8Array) => void): void {
    this.buf = this.buf.length ? concatBytes([this.buf, chunk]) : chunk
    for (;;) {
      const r = this.take(this.buf)
      if (r.kind === 'desync') {
        if (this.garbage.length < 64) this.garbage.push(this.buf[0] as number)
        this.skippedBytes++
        this.buf = this.buf.subarray(1)
        if (this.buf.length === 0) return
        continue
      }
      if (r.kind === 'need') return
      this.reportGarbage()
      this.buf = r.rest
      if (r.kind === 'invalid') {
        this.invalidFrames++
        this.log.warn({ hex: toHex(r.bytes), err: r.error.message }, 'skipping a frame that does not decode')
        continue
      }
      frame(r.frame, r.bytes)
    }
  }

  private reportGarbage(): void {
    if (this.garbage.length === 0) return
    this.log.warn({ hex: toHex(Uint8Array.from(this.garbage)), skipped: this.skippedBytes }, 'skipped bytes outside any frame')
    this.garbage = []
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.buf.length
  }
}
