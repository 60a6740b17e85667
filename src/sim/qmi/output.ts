// The fault injector on the QMUX front end's way out, the QMUX twin of
// src/sim/faults.ts (whose splitting and garbage are MBIM's): the same
// settings and counters, so the control commands act on either.
//
// - mute: nothing goes out (and the simulator ignores what comes in);
// - delay: every frame is held back;
// - fragment N: every frame is written in N-byte pieces (a cdc-wdm read
//   returns whole frames; a pty may return any piece, which a reader must
//   reassemble by the QMUX length);
// - garbage: a frame no QMI reader accepts goes first. It is well framed
//   (0x01 marker, correct QMUX length) but its TLV length is impossible, so
//   libqmi drops exactly that frame ("invalid message received") and keeps
//   its framing; bytes without the marker would make libqmi hang up the
//   port ("QMI framing error detected", libqmi qmi-endpoint.c).

import type { Logger } from 'pino'
import { QMUX_FLAG_FROM_MODEM, QMUX_HEADER_SIZE, SERVICE_SDU_SIZE } from '../../protocol/qmi/message.ts'
import { toHex } from '../../util/hex.ts'
import type { Cancel, Clock } from '../clock.ts'
import { type FaultSettings, NO_FAULTS, type OutputCounters } from '../faults.ts'

/** The smallest QMUX frame with a service SDU header. */
const MIN_GARBAGE = QMUX_HEADER_SIZE + SERVICE_SDU_SIZE

/** A well-framed QMUX frame whose TLV length (0xFFFF) cannot fit. */
export function garbageFrame(size: number): Uint8Array {
  const n = Math.max(MIN_GARBAGE, Math.min(size, 0x10000))
  const b = new Uint8Array(n).fill(0xa5)
  b.set([0x01, (n - 1) & 0xff, (n - 1) >> 8, QMUX_FLAG_FROM_MODEM, 0x01, 0xff, 0x04, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff])
  return b
}

interface Item {
  readonly bytes: Uint8Array
  readonly due: number
  readonly garbage: boolean
}

export class QmuxOutput {
  // The MBIM-only faults (corrupt, truncate, shuffle) stay at zero here:
  // the simulator refuses them in QMI mode.
  readonly faults: FaultSettings = { ...NO_FAULTS }
  readonly counters: OutputCounters = { messages: 0, transfers: 0, dropped: 0, garbage: 0, corrupted: 0, truncated: 0, shuffled: 0 }
  private readonly write: (b: Uint8Array) => void
  private readonly clock: Clock
  private readonly log: Logger
  private readonly queue: Item[] = []
  private timer: Cancel | null = null

  constructor(opts: { write: (b: Uint8Array) => void; clock: Clock; log: Logger }) {
    this.write = opts.write
    this.clock = opts.clock
    this.log = opts.log
  }

  /** Every fault off (the `clear` command); counters stay. */
  reset(): void {
    Object.assign(this.faults, NO_FAULTS)
  }

  /** Sends one QMUX frame (the second argument, MBIM's transfer size, is
   *  meaningless here and ignored). */
  send(frame: Uint8Array, _maxTransfer?: number): void {
    if (this.faults.muted) {
      this.counters.dropped++
      this.log.debug({ bytes: frame.length }, 'muted: outgoing frame dropped')
      return
    }
    this.counters.messages++
    const due = this.clock.now() + this.faults.delayMs
    if (this.faults.garbagePending > 0) {
      this.faults.garbagePending--
      this.queue.push({ bytes: garbageFrame(this.faults.garbageBytes), due, garbage: true })
    }
    const step = this.faults.fragmentAt ?? frame.length
    for (let at = 0; at < frame.length; at += Math.max(1, step)) {
      this.queue.push({ bytes: frame.subarray(at, at + Math.max(1, step)), due, garbage: false })
    }
    this.pump()
  }

  private pump(): void {
    this.timer?.()
    this.timer = null
    while (this.queue.length > 0) {
      const head = this.queue[0] as Item
      const now = this.clock.now()
      if (head.due > now) {
        this.timer = this.clock.after(head.due - now, () => { this.timer = null; this.pump() })
        return
      }
      this.queue.shift()
      this.counters.transfers++
      if (head.garbage) {
        this.counters.garbage++
        this.log.info({ hex: toHex(head.bytes) }, 'fault: garbage frame sent')
      }
      this.write(head.bytes)
    }
  }

  /** Forgets everything queued (the device went away). */
  clear(): void {
    this.timer?.()
    this.timer = null
    this.queue.length = 0
  }

  get pending(): number {
    return this.queue.length
  }
}
