// The fault injector on the simulator's way out (STYLE.md S11): every
// message the front end sends passes here before it reaches the pty. It
// splits messages into fragments (at the negotiated MaxControlTransfer, or
// smaller on request), delays them, drops them while muted, puts garbage in
// front of them, and on request sends a message malformed (an information
// buffer that does not decode), cut short, or with its fragments out of
// order. Messages keep their order; only `shuffle` reorders fragments.
//
// On a real cdc-wdm each USB transfer is one read() for the host; on a pty
// bytes written back to back may arrive in one read. libmbim discards a
// whole read buffer that does not start with a valid header (PROTOCOL.md
// 1.1), so garbage goes out as its own "transfer": written alone, followed
// by a short gap before the next one.

import type { Logger } from 'pino'
import { DecodeError, decodeWith } from '../protocol/codec/core.ts'
import { splitFragments } from '../protocol/mbim/fragment.ts'
import { FRAGMENTABLE, FRAGMENTED_PREFIX, HEADER_SIZE, Header, decodeFrame, encodeMessage } from '../protocol/mbim/message.ts'
import { BasicConnect } from '../protocol/mbim/services/basic-connect.ts'
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
  /** Messages with an information buffer still to send malformed. */
  corruptPending: number
  /** Messages still to send cut short. */
  truncatePending: number
  /** Fragmented messages still to send with fragments out of order. */
  shufflePending: number
}

export interface OutputCounters {
  messages: number
  transfers: number
  dropped: number
  garbage: number
  corrupted: number
  truncated: number
  shuffled: number
}

export const NO_FAULTS: Readonly<FaultSettings> = {
  muted: false, fragmentAt: null, delayMs: 0, garbagePending: 0, garbageBytes: 32,
  corruptPending: 0, truncatePending: 0, shufflePending: 0,
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

/** The message with its information buffer cut to half its length (whole
 *  4-byte words), InformationBufferLength and MessageLength following: the
 *  header stays consistent, but the fixed part runs out early or an offset
 *  points past the end, so no decoder accepts the buffer. Undefined for a
 *  message without an information buffer (nothing to corrupt). */
export function corruptMessage(message: Uint8Array): Uint8Array | undefined {
  let frame
  try {
    frame = decodeFrame(message)
  } catch (e) {
    if (e instanceof DecodeError) return undefined
    throw e
  }
  if (frame.kind !== 'message') return undefined
  const m = frame.message
  if ((m.type !== 'command-done' && m.type !== 'indicate-status') || m.info.length === 0) return undefined
  const keep = Math.floor(m.info.length / 8) * 4
  return encodeMessage({ ...m, info: m.info.slice(0, keep) })
}

/** A service UUID registered to nobody (made up for this simulator), and a
 *  Basic Connect CID no MBIM version defines. */
export const UNKNOWN_SERVICE = '6c74ed00-fa17-4b1e-9a5d-00000000beef'
export const UNKNOWN_CID = 0xbeef

/** Two unsolicited INDICATE_STATUS a host has to skip: one of an unknown
 *  service, one of Basic Connect with an unknown CID. Each carries a small
 *  information buffer, as real extensions do. */
export function unknownIndications(): Uint8Array[] {
  const info = Uint8Array.of(1, 0, 0, 0, 0xef, 0xbe, 0, 0)
  return [
    encodeMessage({ type: 'indicate-status', tid: 0, service: UNKNOWN_SERVICE, cid: 1, info }),
    encodeMessage({ type: 'indicate-status', tid: 0, service: BasicConnect.uuid, cid: UNKNOWN_CID, info }),
  ]
}

/** How much of a transfer a short transfer carries: half, at least the
 *  12-byte header, always less than the whole. */
export function shortLength(n: number): number {
  return Math.min(n - 1, Math.max(HEADER_SIZE, Math.floor(n / 2)))
}

interface Item {
  readonly bytes: Uint8Array
  readonly due: number
  readonly gapAfter: number
  readonly garbage: boolean
}

export class Output {
  readonly faults: FaultSettings = { ...NO_FAULTS }
  readonly counters: OutputCounters = { messages: 0, transfers: 0, dropped: 0, garbage: 0, corrupted: 0, truncated: 0, shuffled: 0 }
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
    const f = this.faults
    let m = message
    const corrupted = f.corruptPending > 0 ? corruptMessage(m) : undefined
    if (corrupted) {
      f.corruptPending--
      this.counters.corrupted++
      this.log.info({ hex: toHex(corrupted) }, 'fault: message sent malformed')
      m = corrupted
    }
    const parts = this.split(m, maxTransfer)
    if (f.shufflePending > 0 && parts.length > 1) {
      // The first two fragments swap places: the host sees fragment 1 first.
      f.shufflePending--
      this.counters.shuffled++
      parts.splice(0, 2, parts[1] as Uint8Array, parts[0] as Uint8Array)
      this.log.info({ fragments: parts.length }, 'fault: fragments sent out of order')
    }
    if (f.truncatePending > 0) {
      // As a USB short transfer: part of the first transfer, alone, then a
      // gap so the host reads it by itself; the rest of the message is lost.
      f.truncatePending--
      this.counters.truncated++
      const head = parts[0] as Uint8Array
      const short = head.slice(0, shortLength(head.length))
      this.log.info({ hex: toHex(short), of: m.length }, 'fault: message cut short')
      this.queue.push({ bytes: short, due, gapAfter: TRANSFER_GAP_MS, garbage: false })
      this.pump()
      return
    }
    for (const part of parts) this.queue.push({ bytes: part, due, gapAfter: 0, garbage: false })
    this.pump()
  }

  /** Every fault off (the `clear` command); counters stay. */
  reset(): void {
    Object.assign(this.faults, NO_FAULTS)
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
