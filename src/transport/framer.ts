// Turns a byte stream into frames with the protocol layer's stream framing.
// Frames are delivered; a frame whose body does not decode is logged as hex
// and skipped whole; bytes that are not at a frame boundary at all (framing
// lost) are skipped one at a time until a plausible header appears, so a
// burst of garbage costs only itself and the next good frame survives.
// (libmbim discards its whole buffer here, which can drop that next frame.)
// An incomplete frame whose rest does not come within STALE_PARTIAL_MS is
// dropped when the next bytes arrive: a device writes a frame (one USB
// transfer) at once, so its rest never comes after a short transfer, and a
// header found while resynchronising may claim a length the stream never
// fills; waiting for either would swallow every later answer.

import type { Logger } from '../log.ts'
import type { Take } from '../protocol/framing.ts'
import { concatBytes } from '../util/bytes.ts'
import { toHex } from '../util/hex.ts'
import { MAX_FRAGMENT_GAP_MS } from '../protocol/mbim/fragment.ts'

/** Longer than the bytes of one frame are ever apart: libmbim's limit for
 *  the gap between fragments, each of which is a whole transfer. */
export const STALE_PARTIAL_MS = MAX_FRAGMENT_GAP_MS

export class Framer<F> {
  private buf: Uint8Array = new Uint8Array(0)
  private readonly take: (b: Uint8Array) => Take<F>
  private readonly log: Logger
  private readonly now: () => number
  private garbage: number[] = []
  /** When the incomplete frame at the head of `buf` began. */
  private partialSince = 0
  /** Frames skipped because they did not decode. */
  invalidFrames = 0
  /** Bytes skipped while framing was lost. */
  skippedBytes = 0
  /** Incomplete frames dropped because their rest never came. */
  stalePartials = 0

  constructor(take: (b: Uint8Array) => Take<F>, log: Logger, now: () => number = () => performance.now()) {
    this.take = take
    this.log = log
    this.now = now
  }

  /** Feeds one chunk read from the device; calls `frame` per complete frame. */
  push(chunk: Uint8Array, frame: (f: F, raw: Uint8Array) => void): void {
    const now = this.now()
    if (this.buf.length > 0 && now - this.partialSince > STALE_PARTIAL_MS) {
      this.stalePartials++
      this.log.warn({ hex: toHex(this.buf), ageMs: Math.round(now - this.partialSince) }, 'dropping an incomplete frame whose rest never came')
      this.buf = new Uint8Array(0)
    }
    let fresh = this.buf.length === 0
    this.buf = this.buf.length ? concatBytes([this.buf, chunk]) : chunk
    for (;;) {
      const r = this.take(this.buf)
      if (r.kind === 'desync') {
        if (this.garbage.length < 64) this.garbage.push(this.buf[0] as number)
        this.skippedBytes++
        this.buf = this.buf.subarray(1)
        fresh = true
        if (this.buf.length === 0) return
        continue
      }
      if (r.kind === 'need') {
        if (fresh) this.partialSince = now
        return
      }
      fresh = true
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
