// The fault injector on the simulator's way out (STYLE.md S11): every
// message the front end sends passes here before it reaches the pty. It
// splits messages into fragments (at the negotiated MaxControlTransfer, or
// smaller on request), delays them, drops them while muted and puts garbage
// in front of them. Order is always kept.
//
// On a real cdc-wdm each USB transfer is one read() for the host; on a pty
// bytes written back to back may arrive in one read. libmbim discards a
// whole read buffer that does not start with a valid header (PROTOCOL.md
// 1.1), so garbage goes out as its own "transfer": written alone, followed
// by a short gap before the next one.

import type { Logger } from 'pino'
import { decodeWith } from '../protocol/codec/core.ts'
import { splitFragments } from '../protocol/mbim/fragment.ts'
import { FRAGMENTABLE, FRAGMENTED_PREFIX, HEADER_SIZE, Header } from '../protocol/mbim/message.ts'
import { dataView } from '../util/bytes.ts'
import { toHex } from '../util/hex.ts'
import type { Cancel, Clock } from './clock.ts'

/** Time between a garbage transfer and the next, so a reader sees them
 *  apart (a reader waiting in poll() wakes within a few ms; this leaves
 *  room for a loaded machine). */
export const TRANSFER_GAP_MS = 50
/** Smallest fragment that still carries payload after the 20-byte prefix. */
export const MIN_FRAGMENT = FRAGMENTED_PREFIX + 4
export const GARBAGE_TYPE = 0xdeadbeef

export interface FaultSettings {
  /** Answer nothing: incoming bytes are ignored, outgoing dropped. */
  muted: boolean
  /** Split every fragmentable message at this many bytes (null = only at
   *  the negotiated maximum). */
  fragmentAt: number | null
  /** Hold every outgoing transfer back this long. */
  delayMs: number
  /** Garbage transfers still to put in front of the next messages. */
  garbagePending: number
  garbageBytes: number
}

export interface OutputCounters {
  messages: number
  transfers: number
  dropped: number
  garbage: number
}

/** A transfer-sized blob no MBIM reader accepts: an unknown message type
 *  whose MessageLength is exactly its size (a larger one would make libmbim
 *  wait for more and swallow the next good message). */
export function garbageTransfer(size: number): Uint8Array {
  const n = Math.max(12, size)
  const b = new Uint8Array(n).fill(0xa5)
  const v = dataView(b)
  v.setUint32(0, GARBAGE_TYPE, true)
  v.setUint32(4, n, true)
  v.setUint32(8, 0, true)
  return b
}

interface Item {
  readonly bytes: Uint8Array
  readonly due: number
  readonly gapAfter: number
  readonly garbage: boolean
}

export class Output {
  readonly faults: FaultSettings = { muted: false, fragmentAt: null, delayMs: 0, garbagePending: 0, garbageBytes: 32 }
  readonly counters: OutputCounters = { messages: 0, transfers: 0, dropped: 0, garbage: 0 }
  private readonly write: (b: Uint8Array) => void
  private readonly clock: Clock
  private readonly log: Logger
  private readonly queue: Item[] = []
  private readyAt = 0
  private timer: Cancel | null = null

  constructor(opts: { write: (b: Uint8Array) => void; clock: Clock; log: Logger }) {
    this.write = opts.write
    this.clock = opts.clock
    this.log = opts.log
  }

  /** Sends one complete message, split at min(maxTransfer, fragmentAt). */
  send(message: Uint8Array, maxTransfer: number): void {
    if (this.faults.muted) {
      this.counters.dropped++
      this.log.debug({ bytes: message.length }, 'muted: outgoing message dropped')
      return
    }
    this.counters.messages++
    const due = this.clock.now() + this.faults.delayMs
    if (this.faults.garbagePending > 0) {
      this.faults.garbagePending--
      this.queue.push({ bytes: garbageTransfer(this.faults.garbageBytes), due, gapAfter: TRANSFER_GAP_MS, garbage: true })
    }
    for (const part of this.split(message, maxTransfer)) this.queue.push({ bytes: part, due, gapAfter: 0, garbage: false })
    this.pump()
  }

  private split(message: Uint8Array, maxTransfer: number): Uint8Array[] {
    const limit = Math.max(MIN_FRAGMENT, Math.min(maxTransfer, this.faults.fragmentAt ?? Infinity))
    const { type } = decodeWith(Header, message.subarray(0, HEADER_SIZE), 'header')
    if (message.length <= limit || typeof type === 'number' || !FRAGMENTABLE.has(type)) {
      if (message.length > maxTransfer) this.log.warn({ type, bytes: message.length, maxTransfer }, 'message larger than the max control transfer cannot be split')
      return [message]
    }
    return splitFragments(message, limit)
  }

  private pump(): void {
    this.timer?.()
    this.timer = null
    while (this.queue.length > 0) {
      const now = this.clock.now()
      const head = this.queue[0] as Item
      const at = Math.max(head.due, this.readyAt)
      if (at > now) {
        this.timer = this.clock.after(at - now, () => { this.timer = null; this.pump() })
        return
      }
      this.queue.shift()
      this.counters.transfers++
      if (head.garbage) {
        this.counters.garbage++
        this.log.info({ hex: toHex(head.bytes) }, 'fault: garbage transfer sent')
      }
      this.readyAt = head.gapAfter > 0 ? now + head.gapAfter : this.readyAt
      this.write(head.bytes)
    }
  }

  /** Forgets everything queued (the device went away). */
  clear(): void {
    this.timer?.()
    this.timer = null
    this.queue.length = 0
    this.readyAt = 0
  }

  get pending(): number {
    return this.queue.length
  }
}
